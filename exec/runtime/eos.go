package runtime

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"riffle/connectors/kafka"
	"riffle/exec/state"
	"riffle/planner/physical"
)

// Exactly-once for a query writing to Kafka (Kafka Streams' design): each
// epoch is one Kafka transaction holding the sink's records and the epoch's
// state writes, as records of the query's compacted changelog topic (state
// table rows, and the metadata records that carry source positions,
// watermarks and generator counts). Only after the transaction commits does
// the Pebble commit land, recording the changelog offset it reflects, so
// Pebble is never ahead of Kafka. On start the query's transactional
// producer fences any zombie of the query and settles its open transaction;
// then the changelog is read (read_committed) from the offset Pebble
// recorded up to its last stable offset and applied to Pebble, before any
// input is read and with nothing emitted. With no offset recorded (the
// state store lost the query) the whole changelog is applied to a cleared
// state. A commit whose outcome is unknown stops the query with a
// restartable error; the restart settles it from Kafka.

// DefaultEpochInterval is how long an exactly-once query's epoch lasts
// when Deps.EpochInterval is 0: the transaction's cost (a commit marker per
// partition written, a round trip to the coordinator) is paid once per
// interval, and read_committed readers see output that much later.
const DefaultEpochInterval = time.Second

// maxEpochBytes ends an epoch early when its state writes grow past it,
// bounding the memory of the Pebble batch and of the transaction.
const maxEpochBytes = 64 << 20

// eos is an exactly-once query's transactional producer and changelog.
type eos struct {
	w     *kafka.TxnWriter
	topic string
	// next is the changelog offset the committed state reflects: the next
	// record to apply when restoring.
	next int64
	// since is when the open epoch began (the last commit).
	since time.Time
	// meta holds the metadata values the last commit wrote, so that an
	// epoch that did not change one (a position of an idle source) does
	// not write it to the changelog again.
	meta map[string]string
	// groupID is the query's consumer group, group the offsets last
	// committed to it.
	groupID string
	group   kafka.Positions
	keys    map[string]int // the epoch's changelog records by key
	recs    []kafka.Record
	// changes is the changes topic of a materialized view's query
	// (changes.go); "" for a query into a table.
	changes string
}

// exactlyOnce reports whether plan commits its epochs as Kafka
// transactions: a query into a table, unless the table asks for
// at-least-once delivery, and a materialized view's query, which
// publishes its changes (changes.go).
func exactlyOnce(plan *physical.Plan) bool {
	s, ok := plan.Sink.(*physical.TableSink)
	return ok && s.Table.Options["sink.delivery-guarantee"] != "at-least-once" || publishes(plan)
}

func changelogKey(id string) string { return "runtime/changelog/" + id }

// ChangelogTopic is the name of a query's changelog topic for the store
// with the given id (see state.Store.ID): a Kafka cluster shared by several
// riffle nodes holds each node's own.
func ChangelogTopic(storeID, query string) string {
	return "_riffle-" + storeID + "-" + query + "-changelog"
}

// TransactionalID is the transactional id of a query's producer, and the
// name of the consumer group its source offsets are committed to.
func TransactionalID(storeID, query string) string { return "riffle-" + storeID + "-" + query }

// DropInternal deletes what a dropped query kept in Kafka: its changelog
// topic, a view's changes topic (changes.go), and the consumer group its
// source offsets were committed to. Each may be missing (a query that never
// ran an epoch, or one at least once); every deletion is tried, and the
// errors are joined.
func DropInternal(ctx context.Context, deps Deps, query string) error {
	if deps.Kafka == nil {
		return nil
	}
	sid, err := deps.Store.ID()
	if err != nil {
		return err
	}
	var errs []error
	for _, topic := range []string{ChangelogTopic(sid, query), ChangesTopic(sid, query)} {
		if err := deps.Kafka.DeleteTopic(ctx, topic); err != nil && !errors.Is(err, kafka.ErrNoTopic) {
			errs = append(errs, err)
		}
	}
	errs = append(errs, deps.Kafka.DeleteGroup(ctx, TransactionalID(sid, query)))
	return errors.Join(errs...)
}

// restartError marks a failure after which the query must start again from
// its last commit rather than be reported failed: the broker refused or lost
// a transaction, and the restart settles it.
type restartError struct{ err error }

func (e restartError) Error() string { return e.err.Error() }
func (e restartError) Unwrap() error { return e.err }

// Restartable reports whether a query that stopped with err should be
// started again (from its last commit) rather than marked failed: a
// transaction of its failed (in the sink's write as in the commit), or the
// broker could not be reached while it started.
func Restartable(err error) bool {
	var r restartError
	var t *kafka.TxnError
	return errors.As(err, &r) || errors.As(err, &t)
}

// openEOS makes the query's changelog topic, opens its transactional
// producer (fencing a zombie of the query) and brings the state store up to
// the changelog.
func (q *Query) openEOS(ctx context.Context) error {
	sid, err := q.deps.Store.ID()
	if err != nil {
		return err
	}
	e := &eos{topic: ChangelogTopic(sid, q.ID), groupID: TransactionalID(sid, q.ID), meta: map[string]string{}, keys: map[string]int{}}
	err = q.deps.Kafka.CreateTopicWithConfigs(ctx, e.topic, 1, map[string]string{"cleanup.policy": "compact"})
	if err != nil && !errors.Is(err, kafka.ErrTopicExists) {
		return fmt.Errorf("query %s: create changelog topic: %w", q.ID, err)
	}
	if e.w, err = kafka.NewTxnWriter(ctx, q.deps.Kafka, TransactionalID(sid, q.ID)); err != nil {
		return restartError{fmt.Errorf("query %s: %w", q.ID, err)}
	}
	q.eos = e
	if err := q.openChanges(ctx, sid); err != nil {
		e.w.Close()
		q.eos = nil
		return err
	}
	if err := q.restore(ctx); err != nil {
		e.w.Close()
		q.eos = nil
		return err
	}
	return nil
}

// queryMeta are the metadata keys a query's state includes.
func queryMeta(id string) []string {
	return []string{positionKey(id), watermarkKey(id), lateKey(id), boundKey(id), generatedKey(id), muteKey(id), parallelismKey(id), changelogKey(id)}
}

// restore applies the changelog records the state store lacks: from the
// offset its last commit recorded, or all of them onto a cleared state when
// it recorded none, up to the changelog's last stable offset.
func (q *Query) restore(ctx context.Context) error {
	e := q.eos
	b, ok, err := q.deps.Store.GetMeta(changelogKey(q.ID))
	if err != nil {
		return err
	}
	start, err := q.deps.Kafka.StartOffsets(ctx, e.topic)
	if err != nil {
		return restartError{fmt.Errorf("query %s: read changelog: %w", q.ID, err)}
	}
	end, err := q.deps.Kafka.EndOffsets(ctx, e.topic)
	if err != nil {
		return restartError{fmt.Errorf("query %s: read changelog: %w", q.ID, err)}
	}
	from := start[0]
	if ok {
		if from, err = strconv.ParseInt(string(b), 10, 64); err != nil {
			return fmt.Errorf("query %s: corrupt changelog offset %q", q.ID, b)
		}
	}
	e.next = end[0]
	switch {
	case from > end[0]:
		return fmt.Errorf("query %s: the state store has committed up to offset %d of changelog %s, which ends at %d: the store belongs to another Kafka cluster, or the changelog was deleted; RESET QUERY rebuilds the state from the inputs", q.ID, from, e.topic, end[0])
	case from == end[0]:
		return nil
	}
	txn := q.deps.Store.Begin()
	defer txn.Close()
	if !ok {
		// The store has nothing of this query's state: whatever it
		// holds is older than the changelog.
		txn.ClearTables(q.tables, queryMeta(q.ID)...)
	}
	n := 0
	err = kafka.ReadRangeEach(ctx, q.deps.Kafka, e.topic, map[int32]int64{0: from}, map[int32]int64{0: end[0]}, func(recs []kafka.Record) error {
		for i := range recs {
			w, err := state.DecodeWrite(recs[i].Key, recs[i].Value)
			if err != nil {
				return fmt.Errorf("changelog %s offset %d: %w", e.topic, recs[i].Offset, err)
			}
			if err := txn.Apply(q.tables, w); err != nil {
				return err
			}
		}
		n += len(recs)
		// A long changelog is applied in several commits; the offset
		// goes in with the last, so a crash meanwhile replays it all
		// (each write is the key's value as of its record: replaying
		// from further back ends in the same state).
		if _, size := txn.Pending(); size > maxEpochBytes {
			return txn.Commit(false)
		}
		return nil
	})
	if err != nil {
		return restartError{fmt.Errorf("query %s: restore state from changelog: %w", q.ID, err)}
	}
	txn.PutMeta(changelogKey(q.ID), []byte(strconv.FormatInt(end[0], 10)))
	if err := txn.Commit(true); err != nil {
		return err
	}
	if q.deps.Log != nil {
		q.deps.Log.Info("restored query state from changelog", "query", q.ID, "records", n, "from", from, "to", end[0])
	}
	return nil
}

// epochDue reports whether an exactly-once query's epoch should end now.
func (q *Query) epochDue() bool {
	// A view's rows stay as fresh as its reads expect: its epoch is a poll.
	if q.eos.changes != "" || q.flushes.Load() > 0 || q.ending || time.Since(q.eos.since) >= q.interval() || q.unmuting() {
		return true
	}
	_, size := q.pending()
	return size > maxEpochBytes
}

func (q *Query) interval() time.Duration {
	if q.deps.EpochInterval > 0 {
		return q.deps.EpochInterval
	}
	return DefaultEpochInterval
}

// dirty reports whether the open epoch has anything to commit.
func (q *Query) dirty() bool {
	if q.wroteKafka {
		return true
	}
	if n, _ := q.pending(); n > 0 {
		return true
	}
	pos := q.position()
	for t, ps := range pos {
		for p, o := range ps {
			if q.committed[t][p] != o {
				return true
			}
		}
	}
	return false
}

// commitKafka writes the epoch's state writes to the changelog in the
// epoch's transaction and commits it. It returns the changelog offset the
// state will reflect. Nothing was written to Kafka this epoch and nothing
// changed: there is no transaction, and the offset stays.
//
// pos (nil: none) are the source positions the epoch ends at, committed in
// the transaction to the query's consumer group too.
func (q *Query) commitKafka(ctx context.Context, pos kafka.Positions) (int64, error) {
	e := q.eos
	recs := e.recs[:0]
	clear(e.keys)
	written := map[string]string{}
	// Every task's writes, and the query's: the tasks write disjoint keys
	// (their own parts of the tables), so their order does not matter.
	write := func(w state.Write) error {
		k, v := state.EncodeWrite(w)
		if w.Meta != "" {
			if !w.Delete && e.meta[w.Meta] == string(v) {
				return nil
			}
			written[w.Meta] = string(v)
		}
		if w.Range {
			// A later write of a key the range covers must stay after
			// the range's record.
			clear(e.keys)
		} else if i, ok := e.keys[string(k)]; ok {
			recs[i].Value = v // only the epoch's last write of a key matters
			return nil
		} else {
			e.keys[string(k)] = len(recs)
		}
		recs = append(recs, kafka.Record{Topic: e.topic, Partition: 0, Key: k, Value: v})
		return nil
	}
	for _, t := range q.txns() {
		if err := t.Writes(q.tables, write); err != nil {
			return 0, err
		}
	}
	e.recs = recs[:0]
	if len(recs) == 0 && !e.w.InTxn() {
		return e.next, nil
	}
	if err := e.w.Write(ctx, recs); err != nil {
		return 0, restartError{fmt.Errorf("query %s: write changelog: %w", q.ID, err)}
	}
	if pos != nil && !samePositions(pos, e.group) {
		// The consumer group is for Kafka's tools (lag); the query reads
		// its positions back from the changelog.
		if err := e.w.CommitOffsets(ctx, e.groupID, pos); err != nil {
			return 0, restartError{fmt.Errorf("query %s: %w", q.ID, err)}
		}
	}
	if err := e.w.Commit(ctx); err != nil {
		return 0, restartError{fmt.Errorf("query %s: %w", q.ID, err)}
	}
	for k, v := range written {
		e.meta[k] = v
	}
	if pos != nil {
		e.group = pos
	}
	if q.deps.Log != nil {
		q.deps.Log.Debug("epoch committed to Kafka", "query", q.ID, "changelog", len(recs), "epoch", time.Since(e.since))
	}
	if len(recs) > 0 {
		// The commit marker follows the last record; restoring from it
		// skips the marker.
		e.next = recs[len(recs)-1].Offset + 1
	}
	return e.next, nil
}

// closeEOS aborts an open transaction (so that readers of the output do
// not wait for it to time out) and closes the producer.
func (q *Query) closeEOS() {
	if q.eos == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = q.eos.w.Abort(ctx)
	q.eos.w.Close()
}

// writer is where the query's Kafka output goes: its transaction when it is
// exactly-once.
func (q *Query) writer() kafka.RecordWriter {
	if q.eos != nil {
		return q.eos.w
	}
	return q.deps.Writer
}

func samePositions(a, b kafka.Positions) bool {
	if len(a) != len(b) {
		return false
	}
	for t, ps := range a {
		if len(ps) != len(b[t]) {
			return false
		}
		for p, o := range ps {
			if bo, ok := b[t][p]; !ok || bo != o {
				return false
			}
		}
	}
	return true
}
