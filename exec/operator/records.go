package operator

import (
	"encoding/binary"
	"fmt"

	"riffle/catalog"
	"riffle/connectors/format"
	"riffle/connectors/kafka"
	"riffle/sql/types"
)

// A table's Kafka records and its rows map onto each other the same way for
// every reader and writer (INSERT … VALUES, the Kafka sink, the source):
//
//   - value columns go to the record value (JSON); with
//     'value.fields-include' = 'EXCEPT_KEY' the key columns are left out;
//   - the primary key, on an upsert table, goes to the record key: a JSON
//     object of the key columns ('key.format' = 'json') or the single key
//     column's bytes ('raw');
//   - a 'timestamp' metadata column is the record timestamp; 'partition'
//     and 'offset' are read only.
//
// On an upsert table a record with a null value (a tombstone) deletes its
// key.

// recordLayout is the column mapping of one table.
type recordLayout struct {
	topic string
	// value lists the schema indexes of the columns in the record value.
	value []int
	// key lists the schema indexes of the primary key (empty: no key).
	key     []int
	rawKey  bool
	keyType types.Type // the raw key column's type
	// meta maps schema indexes to their metadata key.
	meta map[int]string
}

func layoutOf(t *catalog.Object) recordLayout {
	l := recordLayout{topic: t.Options["topic"], key: t.PrimaryKey, rawKey: t.Options["key.format"] == "raw", meta: map[int]string{}}
	if l.rawKey {
		l.keyType = t.Schema.Columns[t.PrimaryKey[0]].Type
	}
	exceptKey := t.Options["value.fields-include"] == "EXCEPT_KEY"
	for i := range t.Schema.Columns {
		if t.Columns != nil && t.Columns[i].Computed != "" {
			continue // computed on read from the other columns; never in the record
		}
		if t.Columns != nil && t.Columns[i].Metadata != "" {
			l.meta[i] = t.Columns[i].Metadata
			continue
		}
		if exceptKey && contains(l.key, i) {
			continue
		}
		l.value = append(l.value, i)
	}
	return l
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func subSchema(s types.Schema, idx []int) types.Schema {
	var out types.Schema
	for _, i := range idx {
		out.Columns = append(out.Columns, s.Columns[i])
	}
	return out
}

// RecordEncoder turns rows of a table into Kafka records. Rows hold every
// column but virtual metadata (the table's writable columns), in order.
type RecordEncoder struct {
	l        recordLayout
	writable []int // schema index → writable-row index, -1 for virtual columns
	value    format.Encoder
	key      format.Encoder
	scratch  types.Row
	kscratch types.Row
}

// NewRecordEncoder returns the encoder for table t.
func NewRecordEncoder(t *catalog.Object) *RecordEncoder {
	e := &RecordEncoder{l: layoutOf(t)}
	w := 0
	for i := range t.Schema.Columns {
		if t.Columns != nil && t.Columns[i].Virtual {
			e.writable = append(e.writable, -1)
			continue
		}
		e.writable = append(e.writable, w)
		w++
	}
	e.value = format.NewJSONEncoder(subSchema(t.Schema, e.l.value))
	e.scratch = make(types.Row, len(e.l.value))
	if len(e.l.key) > 0 && !e.l.rawKey {
		e.key = format.NewJSONEncoder(subSchema(t.Schema, e.l.key))
		e.kscratch = make(types.Row, len(e.l.key))
	}
	return e
}

// Encode makes the record for one writable row; with tombstone set, only
// its key (an upsert table's delete). now is the timestamp (ms) for a record
// whose row does not set one.
func (e *RecordEncoder) Encode(row types.Row, now int64, tombstone bool) (kafka.Record, error) {
	r := kafka.Record{Topic: e.l.topic, Partition: kafka.AnyPartition, Timestamp: now}
	if len(e.l.key) > 0 {
		k, err := e.encodeKey(row)
		if err != nil {
			return r, err
		}
		r.Key = k
	}
	if !tombstone {
		for i, c := range e.l.value {
			e.scratch[i] = row[e.writable[c]]
		}
		v, err := e.value.Encode(nil, e.scratch)
		if err != nil {
			return r, err
		}
		r.Value = v
	}
	for c, m := range e.l.meta {
		if w := e.writable[c]; m == "timestamp" && w >= 0 && !row[w].IsNull() {
			r.Timestamp = row[w].I / 1000 // microseconds to Kafka's milliseconds
		}
	}
	return r, nil
}

func (e *RecordEncoder) encodeKey(row types.Row) ([]byte, error) {
	if e.l.rawKey {
		v := row[e.writable[e.l.key[0]]]
		if v.IsNull() {
			return nil, fmt.Errorf("key column %d is NULL", e.l.key[0])
		}
		return rawKey(v, e.l.keyType), nil
	}
	for i, c := range e.l.key {
		e.kscratch[i] = row[e.writable[c]]
	}
	return e.key.Encode(nil, e.kscratch)
}

// KeyOf returns the writable-row values of the primary key, for grouping
// an epoch's changes by key.
func (e *RecordEncoder) KeyOf(row types.Row, dst types.Row) types.Row {
	dst = dst[:0]
	for _, c := range e.l.key {
		dst = append(dst, row[e.writable[c]])
	}
	return dst
}

// RecordDecoder turns a table's records into rows of all its columns.
type RecordDecoder struct {
	l       recordLayout
	value   format.Decoder
	key     format.Decoder
	scratch types.Row
	kbuf    types.Row
}

// NewRecordDecoder returns the decoder for table t.
func NewRecordDecoder(t *catalog.Object) *RecordDecoder {
	d := &RecordDecoder{l: layoutOf(t)}
	d.value = format.NewJSONDecoder(subSchema(t.Schema, d.l.value))
	d.scratch = make(types.Row, len(d.l.value))
	if len(d.l.key) > 0 && !d.l.rawKey {
		d.key = format.NewJSONDecoder(subSchema(t.Schema, d.l.key))
		d.kbuf = make(types.Row, len(d.l.key))
	}
	return d
}

// Decode fills row (one value per table column) from r and returns the
// change it stands for: +1 for a record, -1 for an upsert table's tombstone
// (only the key columns are set). An error means a bad record.
func (d *RecordDecoder) Decode(r *kafka.Record, row types.Row) (types.Diff, error) {
	clear(row)
	if len(d.l.key) == 0 && r.Value == nil {
		return 0, fmt.Errorf("record at offset %d has a null value on an append-only table", r.Offset)
	}
	if r.Value != nil {
		if err := d.value.Decode(r.Value, d.scratch); err != nil {
			return 0, err
		}
		for i, c := range d.l.value {
			row[c] = d.scratch[i]
		}
	}
	if len(d.l.key) > 0 {
		if err := d.decodeKey(r, row); err != nil {
			return 0, err
		}
	}
	for c, m := range d.l.meta {
		switch m {
		case "timestamp":
			row[c] = types.NewTimestamp(r.Timestamp * 1000)
		case "partition":
			row[c] = types.NewInt(int64(r.Partition))
		case "offset":
			row[c] = types.NewInt(r.Offset)
		}
	}
	if r.Value == nil {
		return -1, nil
	}
	return 1, nil
}

// decodeKey sets the key columns from the record key, which is what
// identifies the row on an upsert table (it wins over the value's copy).
func (d *RecordDecoder) decodeKey(r *kafka.Record, row types.Row) error {
	if r.Key == nil {
		return fmt.Errorf("record at offset %d has no key on an upsert table", r.Offset)
	}
	if d.l.rawKey {
		v, err := fromRawKey(r.Key, d.l.keyType)
		if err != nil {
			return fmt.Errorf("record at offset %d: %w", r.Offset, err)
		}
		row[d.l.key[0]] = v
		return nil
	}
	if err := d.key.Decode(r.Key, d.kbuf); err != nil {
		return fmt.Errorf("key: %w", err)
	}
	for i, c := range d.l.key {
		if d.kbuf[i].IsNull() {
			return fmt.Errorf("record at offset %d has a NULL key column", r.Offset)
		}
		row[c] = d.kbuf[i]
	}
	return nil
}

// rawKey is the raw format's bytes for a key value: a string's or byte
// string's bytes, an integer big-endian in its type's width (as Flink's raw
// format writes it).
func rawKey(v types.Value, t types.Type) []byte {
	if !t.IsInteger() {
		return []byte(v.S)
	}
	w := map[types.TypeID]int{types.TinyInt: 1, types.SmallInt: 2, types.Int: 4, types.BigInt: 8}[t.ID]
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, uint64(v.I))
	return b[8-w:]
}

// fromRawKey reads a raw key back; an integer key must have its type's width.
func fromRawKey(b []byte, t types.Type) (types.Value, error) {
	switch {
	case t.IsString():
		return types.NewString(string(b)), nil
	case !t.IsInteger():
		return types.NewBytes(b), nil
	}
	w := map[types.TypeID]int{types.TinyInt: 1, types.SmallInt: 2, types.Int: 4, types.BigInt: 8}[t.ID]
	if len(b) != w {
		return types.Null, fmt.Errorf("raw %s key has %d bytes, want %d", t, len(b), w)
	}
	var u uint64
	for _, c := range b {
		u = u<<8 | uint64(c)
	}
	shift := 64 - 8*w
	return types.NewInt(int64(u<<shift) >> shift), nil // sign-extend
}
