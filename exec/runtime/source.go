package runtime

import (
	"context"

	"riffle/catalog"
	"riffle/connectors/kafka"
	"riffle/exec/operator"
	"riffle/sql/types"
)

// source reads a table's topic and decodes its records into changes (see
// operator.RecordDecoder for the mapping): +1 rows, or -1 key-only rows for
// an upsert table's tombstones, which a Normalize operator downstream turns
// into retractions.
type source struct {
	table  *catalog.Object
	topic  string
	latest bool // scan.startup.mode = latest-offset
	dec    *operator.RecordDecoder
	reader *kafka.Reader

	lastRecords, lastBad int
	batch                types.Batch
}

func newSource(t *catalog.Object) *source {
	return &source{table: t, topic: t.Options["topic"], latest: t.Options["scan.startup.mode"] == "latest-offset",
		dec: operator.NewRecordDecoder(t)}
}

func (s *source) open(c *kafka.Cluster, from map[int32]int64) error {
	r, err := kafka.NewReader(c, s.topic, from)
	if err != nil {
		return err
	}
	s.reader = r
	return nil
}

func (s *source) close() {
	if s.reader != nil {
		s.reader.Close()
	}
}

func (s *source) position() map[int32]int64 { return s.reader.Position() }

// poll waits for records and returns them decoded as one batch. A record
// that does not decode is counted and skipped: one bad record must not stop
// a query (the table's error policy will choose what else to do).
func (s *source) poll(ctx context.Context) (types.Batch, error) {
	recs, err := s.reader.Poll(ctx)
	if err != nil {
		return nil, err
	}
	s.batch, s.lastBad = s.decode(recs, s.batch[:0])
	s.lastRecords = len(recs)
	return s.batch, nil
}

// decode appends the changes of recs to b, carving rows from one slab.
func (s *source) decode(recs []kafka.Record, b types.Batch) (types.Batch, int) {
	width := len(s.table.Schema.Columns)
	slab := make([]types.Value, len(recs)*width)
	bad := 0
	for i := range recs {
		row := types.Row(slab[i*width : (i+1)*width : (i+1)*width])
		d, err := s.dec.Decode(&recs[i], row)
		if err != nil {
			bad++
			continue
		}
		b = append(b, types.Change{Row: row, Diff: d})
	}
	return b, bad
}
