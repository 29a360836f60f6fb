package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"riffle/catalog"
	"riffle/connectors/kafka"
	"riffle/planner/logical"
	"riffle/planner/physical"
)

// ResetSpec says where RESET QUERY restarts a query's inputs.
type ResetSpec struct {
	// Time, when not 0, restarts each partition of each input topic at its
	// first record at or after this time (ms since the epoch); 0 restarts
	// from the earliest records kept. Generated tables restart from their
	// first row either way.
	Time int64
	// Mute drops the query's output to Kafka until it has read its inputs
	// up to where they ended at the reset.
	Mute bool
}

func muteKey(id string) string { return "runtime/mute/" + id }

// Reset empties a stopped query's state and moves its inputs back as spec
// says, in one commit: through the query's changelog when it is
// exactly-once (so a state restored from the changelog is reset too), and
// in the state store. Started again, the query reprocesses its inputs.
func Reset(ctx context.Context, deps Deps, id string, plan *physical.Plan, tables []uint32, spec ResetSpec) error {
	q := &Query{ID: id, deps: deps, plan: plan, tables: tables}
	if exactlyOnce(plan) {
		if err := q.openEOS(ctx); err != nil {
			return err
		}
		defer q.closeEOS()
	}
	pos := kafka.Positions{}
	end := kafka.Positions{}
	topics, err := q.planTopics()
	if err != nil {
		return fmt.Errorf("reset query %s: %w", id, err)
	}
	for _, topic := range topics {
		var p map[int32]int64
		var err error
		if spec.Time != 0 {
			p, err = deps.Kafka.OffsetsForTime(ctx, topic, spec.Time)
		} else {
			p, err = deps.Kafka.StartOffsets(ctx, topic)
		}
		if err != nil {
			return fmt.Errorf("reset query %s: %w", id, err)
		}
		pos[topic] = p
		if end[topic], err = deps.Kafka.EndOffsets(ctx, topic); err != nil {
			return fmt.Errorf("reset query %s: %w", id, err)
		}
	}
	gone, err := q.retractView()
	if err != nil {
		return fmt.Errorf("reset query %s: %w", id, err)
	}
	if err := q.writeChanges(ctx, gone); err != nil {
		return err
	}
	q.txn = deps.Store.Begin()
	defer q.txn.Close()
	meta := queryMeta(id)
	q.txn.ClearTables(tables, meta[:len(meta)-1]...) // all but the changelog offset
	b, _ := json.Marshal(pos)
	q.txn.PutMeta(positionKey(id), b)
	// The state is empty: it can be rebuilt in any number of parts.
	q.txn.PutMeta(parallelismKey(id), []byte("0"))
	if spec.Mute {
		b, _ := json.Marshal(end)
		q.txn.PutMeta(muteKey(id), b)
	}
	if q.eos != nil {
		var groupPos kafka.Positions
		if len(pos) > 0 {
			groupPos = pos // the consumer group moves back too
		}
		next, err := q.commitKafka(ctx, groupPos)
		if err != nil {
			return err
		}
		q.txn.PutMeta(changelogKey(id), []byte(strconv.FormatInt(next, 10)))
	}
	return q.txn.Commit(true)
}

// planTopics are the topics the query's scans read, sorted: a table's
// topic, a materialized view's changes topic.
func (q *Query) planTopics() ([]string, error) {
	set := map[string]bool{}
	var err error
	var walk func(n logical.Node)
	walk = func(n logical.Node) {
		if s, ok := n.(*logical.Scan); ok {
			switch {
			case s.Object.Kind == catalog.MaterializedView:
				var sid string
				if sid, err = q.deps.Store.ID(); err == nil {
					set[ChangesTopic(sid, s.Object.Query)] = true
				}
			case !isGenerated(s.Object):
				set[s.Object.Options["topic"]] = true
			}
		}
		for _, c := range n.Inputs() {
			walk(c)
		}
	}
	walk(q.plan.Root)
	return slices.Sorted(maps.Keys(set)), err
}

// restoreMute reads whether the query's output is muted, and until where.
func (q *Query) restoreMute() error {
	b, ok, err := q.deps.Store.GetMeta(muteKey(q.ID))
	if err != nil || !ok {
		return err
	}
	q.mute = kafka.Positions{}
	if err := json.Unmarshal(b, &q.mute); err != nil {
		return fmt.Errorf("query %s: corrupt mute positions: %w", q.ID, err)
	}
	return nil
}

// unmuting reports whether a muted query has read its inputs up to where
// its output resumes: its epoch ends there.
func (q *Query) unmuting() bool {
	return q.mute != nil && (q.reader == nil || q.reader.Reached())
}

// checkMute ends the muting, as part of the epoch's commit, once the query
// has read its inputs up to the muted positions (its reader holds back what
// follows them until then), and lets the reader go on.
func (q *Query) checkMute() {
	if !q.unmuting() {
		return
	}
	q.mute = nil
	q.txn.DeleteMeta(muteKey(q.ID))
	if q.reader != nil {
		q.reader.Release()
	}
}
