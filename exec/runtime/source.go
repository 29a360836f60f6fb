package runtime

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"riffle/connectors/kafka"
	"riffle/exec/operator"
	"riffle/sql/types"
)

// poll waits for records from the query's topics and decodes each into a
// batch per route (a topic read by two scans feeds both), and generates the
// due rows of its generated tables. Records of one partition keep their
// offset order. A record that does not decode meets its table's error
// policy (dead_letter.go). An error that is not the record's (a schema
// registry out of reach) stops the query whatever the policy: the record
// must not be lost.
func (q *Query) poll(ctx context.Context) (in, bad int, batches map[*route]types.Batch, err error) {
	batches = map[*route]types.Batch{}
	// How long the wait for records may be: not past the next generated
	// row coming due (-1: no generated row is coming).
	wait := time.Duration(-1)
	now := time.Now()
	for i := range q.gens {
		w := q.gens[i].gen.wait(now)
		if w > 0 {
			// A paced table's rows gather for a moment: an epoch per row
			// would cost more than the rows.
			w = max(w, pacedTick)
		}
		if w >= 0 && (wait < 0 || w < wait) {
			wait = w
		}
	}
	if q.eos != nil && q.dirty() {
		// An open epoch ends on time even when no record comes.
		left := max(q.interval()-time.Since(q.eos.since), 0)
		if q.flushes.Load() > 0 {
			left = 0
		}
		if wait < 0 || left < wait {
			wait = left
		}
	}
	if wait != 0 || q.reader != nil {
		recs, err := q.pollRecords(ctx, wait)
		if err != nil {
			return 0, 0, nil, err
		}
		in = len(recs)
		for topic, rs := range q.routes {
			for i := range rs {
				r := &rs[i]
				// A record read by two scans of one table is one bad record.
				first := !slices.ContainsFunc(rs[:i], func(o route) bool { return o.table == r.table })
				b, nbad, err := decode(r, recs, topic, nil, func(rec *kafka.Record, err error) error {
					return q.reject(r, rec, err, first)
				})
				if err != nil {
					return 0, 0, nil, err
				}
				if first {
					bad += nbad
				}
				if len(b) > 0 {
					batches[r] = b
				}
			}
		}
	}
	now = time.Now()
	for i := range q.gens {
		r := &q.gens[i]
		b, n, nbad := r.generate(now)
		in, bad = in+n, bad+nbad
		if len(b) > 0 {
			batches[r] = b
		}
	}
	return in, bad, batches, nil
}

// pollOrder is the order in which a poll's batches go into the operators:
// topics by name, then generated tables, each in build order.
func (q *Query) pollOrder() []*route {
	var out []*route
	// An eager table (a side table a processing-time join looks up) goes
	// first: the rows of the poll that probe it see all of it.
	for i := range q.gens {
		if q.gens[i].gen.eager {
			out = append(out, &q.gens[i])
		}
	}
	for _, topic := range slices.Sorted(maps.Keys(q.routes)) {
		for i := range q.routes[topic] {
			out = append(out, &q.routes[topic][i])
		}
	}
	for i := range q.gens {
		if !q.gens[i].gen.eager {
			out = append(out, &q.gens[i])
		}
	}
	return out
}

// decode appends the changes of topic's records among recs to b, carving
// rows from one slab: +1 rows, or -1 key-only rows for an upsert table's
// tombstones (see operator.RecordDecoder), which a Normalize operator
// downstream turns into retractions. Each bad record goes to reject (nil:
// skipped), whose error stops the decoding.
func decode(r *route, recs []kafka.Record, topic string, b types.Batch, reject func(*kafka.Record, error) error) (types.Batch, int, error) {
	var slab []types.Value
	if !r.dec.Changelog() {
		slab = make([]types.Value, len(recs)*r.width)
	}
	bad := 0
	for i := range recs {
		rec := &recs[i]
		if rec.Topic != topic || r.beyond(rec) {
			continue
		}
		var err error
		if slab != nil {
			b, err = r.decodeRow(b, rec, types.Row(slab[i*r.width:(i+1)*r.width:(i+1)*r.width]))
		} else {
			b, err = r.decodeChanges(b, rec)
		}
		switch {
		case err == nil:
			continue
		case !operator.IsBadRecord(err) && !errors.Is(err, errNoEventTime) && !errors.As(err, new(checkViolation)):
			return nil, 0, fmt.Errorf("decode record of topic %s at partition %d offset %d: %w", topic, rec.Partition, rec.Offset, err)
		}
		bad++
		if reject != nil {
			if err := reject(rec, err); err != nil {
				return nil, 0, err
			}
		}
	}
	return b, bad, nil
}

// checkViolation is the error of a row that a CHECK constraint of its
// table refuses: a bad record (the book's bad data of type 6).
type checkViolation struct{ msg string }

func (e checkViolation) Error() string { return e.msg }

// errNoEventTime makes a record whose event time cannot be computed a bad
// record.
var errNoEventTime = errors.New("its event time cannot be computed")

// decodeRow appends the change of a record that holds one row, decoded
// into row.
func (r *route) decodeRow(b types.Batch, rec *kafka.Record, row types.Row) (types.Batch, error) {
	d, err := r.dec.Decode(rec, row)
	if err != nil {
		return b, err
	}
	if d > 0 {
		for i, check := range r.checks {
			// NULL passes, as in SQL: only a false check refuses the row.
			v, err := check(row)
			if err != nil {
				return b, checkViolation{fmt.Sprintf("check constraint %q: %v", r.checkNames[i], err)}
			}
			if !v.IsNull() && !v.Bool() {
				return b, checkViolation{fmt.Sprintf("the row violates check constraint %q", r.checkNames[i])}
			}
		}
	}
	b, ok := r.accept(b, rec.Partition, row, d)
	if !ok {
		return b, errNoEventTime
	}
	return b, nil
}

// decodeChanges appends the changes of a CDC record: all of them, or none
// when the record is bad.
func (r *route) decodeChanges(b types.Batch, rec *kafka.Record) (types.Batch, error) {
	n, ok := len(b), true
	err := r.dec.DecodeChanges(rec, r.width, func(row types.Row, d types.Diff) {
		if ok {
			b, ok = r.accept(b, rec.Partition, row, d)
		}
	})
	switch {
	case err != nil:
		return b[:n], err
	case !ok:
		return b[:n], errNoEventTime
	}
	return b, nil
}

// accept appends a row of partition p to b, stamped with the watermark it
// was read under, unless the table drops it as late (reported, not
// appended). It reports false for a row whose event time cannot be
// computed: a bad record.
func (r *route) accept(b types.Batch, p int32, row types.Row, d types.Diff) (types.Batch, bool) {
	var wm int64
	if r.wm != nil {
		var err error
		if wm, err = r.wm.observe(p, row); err != nil {
			return b, false
		}
	}
	if r.dropLate && wm != 0 && d > 0 {
		// The table drops rows behind its watermark where they enter.
		if t, err := r.time(row); err == nil && !t.IsNull() && t.I <= wm {
			r.late(operator.LateRow{Reason: "behind its table's watermark", Row: row, Time: t.I, Wm: wm, Diff: d})
			return b, true
		}
	}
	return append(b, types.Change{Row: row, Diff: d, Wm: wm}), true
}

// pollRecords waits for records, at most limit when limit >= 0. When a
// source has an idle timeout it waits at most a fraction of it, so that an
// idle partition stops holding the watermark back even when no record
// comes; and no longer than an operator's tick. A query that reads no topic
// just waits.
func (q *Query) pollRecords(ctx context.Context, limit time.Duration) ([]kafka.Record, error) {
	var tick time.Duration
	for _, r := range q.allRoutes() {
		if r.wm != nil && r.wm.idle > 0 && (tick == 0 || r.wm.idle/2 < tick) {
			tick = r.wm.idle / 2
		}
	}
	for _, n := range q.nodes {
		if t, ok := n.op.(operator.Ticker); ok {
			if every := t.TickEvery(); every > 0 && (tick == 0 || every < tick) {
				tick = every
			}
		}
	}
	if tick > 0 {
		tick = max(tick, 10*time.Millisecond)
	}
	if limit >= 0 && (tick == 0 || limit < tick) {
		// A generated row comes due first; a reader gets a moment to
		// return what it has fetched.
		tick = max(limit, time.Millisecond)
	}
	// The query also wakes every ProgressInterval while it waits, to
	// notice a subscriber that wants progress; it then ends the epoch
	// empty, as it does when its tick is due.
	start := time.Now()
	for {
		wait := ProgressInterval
		if tick > 0 {
			wait = min(wait, max(tick-time.Since(start), time.Millisecond))
		}
		recs, err := q.pollFor(ctx, wait)
		if !errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
			return recs, err
		}
		if (tick > 0 && time.Since(start) >= tick) || q.heartbeats.Load() > 0 || (q.eos != nil && q.flushes.Load() > 0) {
			return nil, nil // an empty epoch: ticks fire, rows come due, subscribers see progress
		}
	}
}

// pollFor waits at most d for records; context.DeadlineExceeded says none
// came. A query that reads no topic (only generated tables) just waits.
func (q *Query) pollFor(ctx context.Context, d time.Duration) ([]kafka.Record, error) {
	if q.reader == nil {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
			return nil, context.DeadlineExceeded
		}
	}
	tctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	pctx, wake := context.WithCancelCause(tctx)
	defer wake(nil)
	if q.eos != nil {
		// A FLUSH that begins before the Store waits out this poll's
		// wait (at most ProgressInterval).
		q.wake.Store(&wake)
		defer q.wake.Store(nil)
	}
	recs, err := q.reader.Poll(pctx)
	if ctx.Err() != nil {
		// Stopping: what the poll returned is read again from the last
		// commit when the query next starts.
		return nil, ctx.Err()
	}
	if err != nil && errors.Is(context.Cause(pctx), errWake) {
		return nil, context.DeadlineExceeded // woken: as if the wait had ended
	}
	return recs, err
}

// errWake is the cause of a poll cut short by a FLUSH.
var errWake = errors.New("woken by a flush")
