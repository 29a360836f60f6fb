package runtime

import (
	"context"

	"riffle/catalog"
	"riffle/connectors/format"
	"riffle/connectors/kafka"
	"riffle/sql/types"
)

// source reads a table's topic and decodes records into rows: value columns
// from the record value, metadata columns from the record itself.
type source struct {
	table  *catalog.Object
	topic  string
	latest bool // scan.startup.mode = latest-offset
	dec    format.Decoder
	// valueCols[i] is the table column filled by value column i.
	valueCols []int
	reader    *kafka.Reader

	lastRecords, lastBad int
	batch                types.Batch
	scratch              types.Row
}

func newSource(t *catalog.Object) *source {
	s := &source{table: t, topic: t.Options["topic"], latest: t.Options["scan.startup.mode"] == "latest-offset"}
	var vs types.Schema
	for i, c := range t.Schema.Columns {
		if t.Columns == nil || t.Columns[i].Metadata == "" {
			vs.Columns = append(vs.Columns, c)
			s.valueCols = append(s.valueCols, i)
		}
	}
	s.dec = format.NewJSONDecoder(vs)
	s.scratch = make(types.Row, len(vs.Columns))
	return s
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

// poll waits for records and returns them decoded as one batch of inserts.
// A record that does not decode is counted and skipped: one bad record must
// not stop a query (the table's error policy will choose what else to do).
func (s *source) poll(ctx context.Context) (types.Batch, error) {
	recs, err := s.reader.Poll(ctx)
	if err != nil {
		return nil, err
	}
	s.lastRecords, s.lastBad = len(recs), 0
	s.batch = s.batch[:0]
	width := len(s.table.Schema.Columns)
	slab := make([]types.Value, 0, len(recs)*width)
	for i := range recs {
		row, ok := decodeRecord(s, &recs[i], slab[len(slab):len(slab)+width])
		if !ok {
			s.lastBad++
			continue
		}
		slab = slab[:len(slab)+width]
		s.batch = append(s.batch, types.Change{Row: row, Diff: 1})
	}
	return s.batch, nil
}

// decodeRecord fills row from one record; it reports false for a record
// that is not a valid row of the table (bad JSON, wrong types, a null value
// on an append-only table).
func decodeRecord(s *source, r *kafka.Record, row types.Row) (types.Row, bool) {
	if r.Value == nil {
		return nil, false
	}
	if err := s.dec.Decode(r.Value, s.scratch); err != nil {
		return nil, false
	}
	for i, c := range s.valueCols {
		row[c] = s.scratch[i]
	}
	if s.table.Columns != nil {
		for i, c := range s.table.Columns {
			switch c.Metadata {
			case "timestamp":
				row[i] = types.NewTimestamp(r.Timestamp * 1000)
			case "partition":
				row[i] = types.NewInt(int64(r.Partition))
			case "offset":
				row[i] = types.NewInt(r.Offset)
			}
		}
	}
	return row, true
}
