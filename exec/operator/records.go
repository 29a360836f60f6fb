package operator

import (
	"riffle/catalog"
	"riffle/connectors/format"
	"riffle/connectors/kafka"
	"riffle/sql/types"
)

// RecordEncoder turns rows of a table's writable columns (every column but
// virtual metadata) into Kafka records: value columns into the JSON value,
// a writable 'timestamp' metadata column into the record's timestamp.
// INSERT … VALUES and the Kafka sink both write through it, so a table's
// records look the same whoever wrote them.
type RecordEncoder struct {
	topic string
	enc   format.Encoder
	// value[i] is the writable-row index of value column i; ts is the index
	// of the timestamp metadata column, or -1.
	value   []int
	ts      int
	scratch types.Row
}

// NewRecordEncoder returns the encoder for table t.
func NewRecordEncoder(t *catalog.Object) *RecordEncoder {
	e := &RecordEncoder{topic: t.Options["topic"], ts: -1}
	var vs types.Schema
	w := 0
	for i, c := range t.Schema.Columns {
		var src catalog.ColumnSource
		if t.Columns != nil {
			src = t.Columns[i]
		}
		if src.Virtual {
			continue
		}
		switch src.Metadata {
		case "":
			e.value = append(e.value, w)
			vs.Columns = append(vs.Columns, c)
		case "timestamp":
			e.ts = w
		}
		w++
	}
	e.enc = format.NewJSONEncoder(vs)
	e.scratch = make(types.Row, len(vs.Columns))
	return e
}

// Encode makes the record for one writable row. now is the timestamp (ms)
// for a record whose row does not set one.
func (e *RecordEncoder) Encode(row types.Row, now int64) (kafka.Record, error) {
	for i, w := range e.value {
		e.scratch[i] = row[w]
	}
	v, err := e.enc.Encode(nil, e.scratch)
	if err != nil {
		return kafka.Record{}, err
	}
	r := kafka.Record{Topic: e.topic, Partition: kafka.AnyPartition, Value: v, Timestamp: now}
	if e.ts >= 0 && !row[e.ts].IsNull() {
		r.Timestamp = row[e.ts].I / 1000 // microseconds to Kafka's milliseconds
	}
	return r, nil
}
