package runtime

import (
	"context"
	"errors"
	"fmt"
	"time"

	"riffle/connectors/kafka"
	"riffle/exec/operator"
	"riffle/sql/types"
)

// poll waits for records from the query's topics and decodes each into a
// batch per route (a topic read by two scans feeds both). Records of one
// partition keep their offset order. A record that does not decode is
// counted and skipped: one bad record must not stop a query (the table's
// error policy will choose what else to do). An error that is not the
// record's (a schema registry out of reach) stops the query instead: the
// record must not be lost.
func (q *Query) poll(ctx context.Context) (in, bad int, batches map[*route]types.Batch, err error) {
	recs, err := q.pollRecords(ctx)
	if err != nil {
		return 0, 0, nil, err
	}
	batches = map[*route]types.Batch{}
	for topic, rs := range q.routes {
		for i := range rs {
			r := &rs[i]
			b, nbad, err := decode(r, recs, topic, nil)
			if err != nil {
				return 0, 0, nil, err
			}
			if i == 0 {
				bad += nbad // a record read by two scans is one bad record
			}
			if len(b) > 0 {
				batches[r] = b
			}
		}
	}
	return len(recs), bad, batches, nil
}

// decode appends the changes of topic's records among recs to b, carving
// rows from one slab: +1 rows, or -1 key-only rows for an upsert table's
// tombstones (see operator.RecordDecoder), which a Normalize operator
// downstream turns into retractions.
func decode(r *route, recs []kafka.Record, topic string, b types.Batch) (types.Batch, int, error) {
	slab := make([]types.Value, len(recs)*r.width)
	bad := 0
	for i := range recs {
		if recs[i].Topic != topic || r.beyond(&recs[i]) {
			continue
		}
		row := types.Row(slab[i*r.width : (i+1)*r.width : (i+1)*r.width])
		d, err := r.dec.Decode(&recs[i], row)
		if err != nil {
			if !operator.IsBadRecord(err) {
				return nil, 0, fmt.Errorf("decode record of topic %s at partition %d offset %d: %w", topic, recs[i].Partition, recs[i].Offset, err)
			}
			bad++
			continue
		}
		var wm int64
		if r.wm != nil {
			if wm, err = r.wm.observe(recs[i].Partition, row); err != nil {
				bad++ // an event time that cannot be computed
				continue
			}
		}
		c := types.Change{Row: row, Diff: d, Wm: wm}
		if r.dropLate && wm != 0 && d > 0 {
			// The table drops rows behind its watermark where they enter.
			if t, err := r.time(row); err == nil && !t.IsNull() && t.I <= wm {
				r.late(operator.LateRow{Reason: "behind its table's watermark", Row: row, Time: t.I, Wm: wm, Diff: d})
				continue
			}
		}
		b = append(b, c)
	}
	return b, bad, nil
}

// pollRecords waits for records. When a source has an idle timeout it waits
// at most a fraction of it, so that an idle partition stops holding the
// watermark back even when no record comes.
func (q *Query) pollRecords(ctx context.Context) ([]kafka.Record, error) {
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
	// The query also wakes every ProgressInterval while it waits, to
	// notice a subscriber that wants progress; it then ends the epoch
	// empty, as it does when its tick is due.
	start := time.Now()
	for {
		wait := ProgressInterval
		if tick > 0 {
			wait = min(wait, tick-time.Since(start))
		}
		pctx, cancel := context.WithTimeout(ctx, max(wait, 10*time.Millisecond))
		recs, err := q.reader.Poll(pctx)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
			return recs, err
		}
		if (tick > 0 && time.Since(start) >= tick) || q.heartbeats.Load() > 0 {
			return nil, nil // an empty epoch: ticks fire, subscribers see progress
		}
	}
}
