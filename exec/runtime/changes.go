package runtime

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"

	"riffle/catalog"
	"riffle/connectors/kafka"
	"riffle/exec/operator"
	"riffle/planner/logical"
	"riffle/planner/physical"
	"riffle/sql/types"
)

// A materialized view is a table and a stream, two views of one log: its
// query keeps the view's rows in the state store, for reads (SELECT,
// SUBSCRIBE's snapshot), and publishes every change it makes to them to
// the view's changes topic, for the continuous queries that read the view
// (a view over the view, an INSERT INTO … SELECT from it). Those read the
// topic as a changelog, from its first record: the changes add up to the
// view's contents, and a row the view updates or deletes is retracted
// downstream.
//
// The changes must be in the topic exactly once, and exactly when the
// view's state holds them: so a view's query is exactly-once (eos.go),
// each commit one Kafka transaction holding the epoch's changes and its
// state changelog, with the state store committed after it. A reader of
// the topic keeps its position in it with the rest of its state, and a
// restart of either query resumes where its last commit left it. Unlike a
// query into a table, a view's query still ends its epoch after every
// poll, so that its rows are as fresh as before.
//
// The topic has one partition, holding the changes in the order the view
// made them, and keeps them forever (a reader created later starts from
// the first); DROP MATERIALIZED VIEW deletes it (DropInternal).

// ChangesTopic is the name of the topic a materialized view's query (query,
// in the store with the given id) publishes the view's changes to.
func ChangesTopic(storeID, query string) string {
	return "_riffle-" + storeID + "-" + query + "-changes"
}

// changesRecordBytes is about how much of an epoch's changes one record
// of the changes topic carries.
const changesRecordBytes = 64 << 10

// publishes reports whether plan's query publishes its changes: the query
// of a materialized view of the catalog (not the temporary query behind a
// SUBSCRIBE, whose view has no query of record).
func publishes(plan *physical.Plan) bool {
	s, ok := plan.Sink.(*physical.ViewSink)
	return ok && s.View.Query != ""
}

// ensureChangesTopic creates a view's changes topic unless it exists: the
// view's query makes it when it starts, but a reader may start first (the
// order in which a restarted riffle starts its queries is not promised).
func ensureChangesTopic(ctx context.Context, c *kafka.Cluster, topic string) error {
	err := c.CreateTopicWithConfigs(ctx, topic, 1, map[string]string{
		"cleanup.policy": "delete", "retention.ms": "-1", "retention.bytes": "-1"})
	if err != nil && !errors.Is(err, kafka.ErrTopicExists) {
		return fmt.Errorf("create changes topic %s: %w", topic, err)
	}
	return nil
}

// openChanges makes the changes topic of a view's query (see openEOS).
func (q *Query) openChanges(ctx context.Context, storeID string) error {
	if !publishes(q.plan) {
		return nil
	}
	q.eos.changes = ChangesTopic(storeID, q.ID)
	return ensureChangesTopic(ctx, q.deps.Kafka, q.eos.changes)
}

// writeChanges writes the epoch's changes to the view's changes topic, in
// the epoch's transaction.
func (q *Query) writeChanges(ctx context.Context, b types.Batch) error {
	if q.eos == nil || q.eos.changes == "" || len(b) == 0 {
		return nil
	}
	var recs []kafka.Record
	var val, scratch []byte
	for _, c := range b {
		val, scratch = operator.AppendViewChange(val, c, scratch)
		if len(val) >= changesRecordBytes {
			recs = append(recs, kafka.Record{Topic: q.eos.changes, Partition: 0, Value: val})
			val = nil
		}
	}
	if len(val) > 0 {
		recs = append(recs, kafka.Record{Topic: q.eos.changes, Partition: 0, Value: val})
	}
	if err := q.eos.w.Write(ctx, recs); err != nil {
		return restartError{fmt.Errorf("query %s: write changes: %w", q.ID, err)}
	}
	return nil
}

// retractView publishes, for RESET QUERY, the retraction of every row the
// view holds: its state is emptied, and the readers of its changes must
// see the rows go before the reprocessing inserts them again.
func (q *Query) retractView() (types.Batch, error) {
	if !publishes(q.plan) {
		return nil, nil
	}
	it, err := q.deps.Store.Table(q.tables[len(q.tables)-1]).Scan(nil)
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var b types.Batch
	for ok := it.First(); ok; ok = it.Next() {
		row, n, err := operator.DecodeEntry(it.Value())
		if err != nil {
			return nil, err
		}
		b = append(b, types.Change{Row: row, Diff: types.Diff(-n)})
	}
	return b, it.Error()
}

// addViewScan records a scan of fragment f that reads a materialized view:
// the view's changes topic, from its first record, as a changelog
// (changes.go). The topic has one partition, so one task of f reads it.
func (q *Query) addViewScan(f *fragment, s *logical.Scan, parent, input int) error {
	if s.Object.Query == "" {
		return fmt.Errorf("materialized view %s has no query", s.Object.Name)
	}
	sid, err := q.deps.Store.ID()
	if err != nil {
		return err
	}
	topic := ChangesTopic(sid, s.Object.Query)
	if err := ensureChangesTopic(context.Background(), q.deps.Kafka, topic); err != nil {
		return err
	}
	sc := &scan{id: len(q.scans), topic: topic, table: s.Object.Name, object: s.Object, options: s.Object.Options, frag: f,
		view: true, policy: catalog.PolicyFail, bad: new(atomic.Int64)}
	sc.first = !slices.ContainsFunc(q.scans, func(o *scan) bool { return o.topic == sc.topic && o.table == sc.table })
	if q.latest == nil {
		q.latest = map[string]bool{}
	}
	q.latest[topic] = false
	q.scans = append(q.scans, sc)
	f.scans = append(f.scans, scanSpec{s: s, sc: sc, parent: parent, input: input})
	return nil
}
