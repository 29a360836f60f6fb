package runtime

import (
	"context"

	"riffle/connectors/kafka"
	"riffle/sql/types"
)

// poll waits for records from the query's topics and decodes each into a
// batch per route (a topic read by two scans feeds both). Records of one
// partition keep their offset order. A record that does not decode is
// counted and skipped: one bad record must not stop a query (the table's
// error policy will choose what else to do).
func (q *Query) poll(ctx context.Context) (in, bad int, batches map[*route]types.Batch, err error) {
	recs, err := q.reader.Poll(ctx)
	if err != nil {
		return 0, 0, nil, err
	}
	batches = map[*route]types.Batch{}
	for topic, rs := range q.routes {
		for i := range rs {
			r := &rs[i]
			b, nbad := decode(r, recs, topic, nil)
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
func decode(r *route, recs []kafka.Record, topic string, b types.Batch) (types.Batch, int) {
	slab := make([]types.Value, len(recs)*r.width)
	bad := 0
	for i := range recs {
		if recs[i].Topic != topic {
			continue
		}
		row := types.Row(slab[i*r.width : (i+1)*r.width : (i+1)*r.width])
		d, err := r.dec.Decode(&recs[i], row)
		if err != nil {
			bad++
			continue
		}
		b = append(b, types.Change{Row: row, Diff: d})
	}
	return b, bad
}
