package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"riffle/connectors/kafka"
)

// errFinished ends a query whose every source is bounded and has ended.
var errFinished = errors.New("finished")

// boundKey is where the end offsets of a query's bounded scans live: fixed
// when the query first starts, so a restart reads up to the same end.
func boundKey(id string) string { return "runtime/bound/" + id }

// bounds fixes where each bounded scan ends ('scan.bounded.mode'): the end
// offsets when the query first started ('latest-offset'), or the first
// record at or after a time ('timestamp').
func (q *Query) bounds(ctx context.Context) error {
	saved := map[string]map[int32]int64{}
	b, ok, err := q.deps.Store.GetMeta(boundKey(q.ID))
	if err != nil {
		return err
	}
	if ok {
		if err := json.Unmarshal(b, &saved); err != nil {
			return fmt.Errorf("query %s: corrupt bounds: %w", q.ID, err)
		}
	}
	changed := false
	for _, r := range q.scans {
		mode := r.options["scan.bounded.mode"]
		if r.topic == "" || mode == "" || mode == "unbounded" {
			continue
		}
		id := strconv.Itoa(r.id)
		if end, ok := saved[id]; ok {
			r.bound = end
			continue
		}
		if mode == "timestamp" {
			ms, _ := strconv.ParseInt(r.options["scan.bounded.timestamp-millis"], 10, 64)
			r.bound, err = q.deps.Kafka.OffsetsForTime(ctx, r.topic, ms)
		} else {
			r.bound, err = q.deps.Kafka.EndOffsets(ctx, r.topic)
		}
		if err != nil {
			return err
		}
		saved[id], changed = r.bound, true
	}
	if !changed {
		return nil
	}
	b, _ = json.Marshal(saved)
	return q.deps.Store.PutMeta(boundKey(q.ID), b)
}

// beyond reports whether a record lies past its bounded scan's end.
func (r *scan) beyond(rec *kafka.Record) bool {
	if r.bound == nil {
		return false
	}
	end, ok := r.bound[rec.Partition]
	return !ok || rec.Offset >= end
}

// bounded reports whether the scan ends: a topic read up to fixed offsets
// ('scan.bounded.mode'), or a generated table with a last row.
func (r *scan) bounded() bool {
	if r.gen != nil {
		return r.gen.bounded()
	}
	return r.bound != nil
}

// ended reports whether a bounded scan has read up to its end.
func (r *scan) ended(pos kafka.Positions) bool {
	if r.gen != nil {
		return r.gen.ended()
	}
	for p, end := range r.bound {
		if pos[r.topic][p] < end {
			return false
		}
	}
	return true
}

// endBounded marks the bounded scans that have read up to their end: each
// sends a final watermark (semantics.md, rule 10) with the next round, so
// every window over it fires. It reports whether every scan of the query
// has ended.
func (q *Query) endBounded() (bool, error) {
	pos := q.position()
	all := true
	for _, r := range q.scans {
		if !r.bounded() {
			all = false
			continue
		}
		if !r.done {
			r.done = r.ended(pos)
			if !r.done {
				all = false
				continue
			}
			if r.wm != nil {
				r.wm.current = math.MaxInt64
			}
		}
	}
	return all, nil
}
