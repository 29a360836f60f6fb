package operator

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"riffle/catalog"
	"riffle/connectors/format"
	"riffle/connectors/kafka"
	"riffle/sql/types"
)

// A table's Kafka records and its rows map onto each other the same way for
// every reader and writer (INSERT … VALUES, the Kafka sink, the source):
//
//   - value columns go to the record value, in the table's 'format' (json,
//     csv, raw, avro or avro-confluent; see records_codec.go); with
//     'value.fields-include' = 'EXCEPT_KEY' the key columns are left out;
//   - the primary key, on an upsert table, goes to the record key, in its
//     'key.format' (a JSON object of the key columns by default);
//   - a 'timestamp' metadata column is the record timestamp; 'partition'
//     and 'offset' are read only.
//
// On an upsert table a record with a null value (a tombstone) deletes its
// key. On an append-only table a record with a null value is a bad record,
// except in the raw format, where it is a NULL.

// recordLayout is the column mapping of one table.
type recordLayout struct {
	topic string
	// value lists the schema indexes of the columns in the record value.
	value []int
	// key lists the schema indexes of the primary key (empty: no key).
	key []int
	// meta maps schema indexes to their metadata key.
	meta map[int]string
}

func layoutOf(t *catalog.Object) recordLayout {
	l := recordLayout{topic: t.Options["topic"], key: t.PrimaryKey, meta: map[int]string{}}
	if t.Changelog() {
		l.key = nil // a CDC table's key is the rows', not the records'
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

// badRecord is a record that cannot be a row of its table for a reason of
// its own other than its bytes: no value on an append-only table, no key
// on an upsert table.
type badRecord struct{ msg string }

func (e *badRecord) Error() string { return e.msg }

// IsBadRecord reports whether an error of RecordDecoder.Decode is about the
// record itself (bytes its format cannot read, a missing key), which a
// source counts and skips. Any other error says nothing about the record —
// a schema registry that cannot be reached, a table whose codec could not
// be built — and should fail the query rather than lose the record.
func IsBadRecord(err error) bool {
	var fe *format.Error
	var be *badRecord
	return errors.As(err, &fe) || errors.As(err, &be)
}

// RecordEncoder turns rows of a table into Kafka records. Rows hold every
// column but virtual metadata (the table's writable columns), in order.
type RecordEncoder struct {
	l        recordLayout
	writable []int // schema index → writable-row index, -1 for virtual columns
	value    format.Encoder
	key      format.Encoder
	err      error  // why the codecs could not be built; Encode returns it
	rawName  string // the value column's name, for an error of the raw format
	scratch  types.Row
	kscratch types.Row
}

// NewRecordEncoder returns the encoder for table t. An avro-confluent table
// must name its registry; see NewRecordEncoderWith. A table whose codecs
// cannot be built gets an encoder whose every Encode fails.
func NewRecordEncoder(t *catalog.Object) *RecordEncoder {
	e, _ := NewRecordEncoderWith(t, nil)
	return e
}

// NewRecordEncoderWith returns the encoder for table t, whose avro-confluent
// codecs use regs (nil: only a table naming its registry can use them). The
// error says why the table's codecs cannot be built; the encoder returned
// with it fails every Encode with it.
func NewRecordEncoderWith(t *catalog.Object, regs *Registries) (*RecordEncoder, error) {
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
	topic := e.l.topic
	e.value, e.err = newFormatEncoder(t.Options, "", subSchema(t.Schema, e.l.value), regs, format.ValueSubject(topic))
	e.scratch = make(types.Row, len(e.l.value))
	if len(e.l.value) == 1 {
		e.rawName = t.Schema.Columns[e.l.value[0]].Name
	}
	if e.err == nil && len(e.l.key) > 0 {
		e.key, e.err = newFormatEncoder(t.Options, "key.", subSchema(t.Schema, e.l.key), regs, format.KeySubject(topic))
		e.kscratch = make(types.Row, len(e.l.key))
	}
	if e.err != nil {
		e.err = fmt.Errorf("table %s: %w", t.Name, e.err)
	}
	return e, e.err
}

// Encode makes the record for one writable row; with tombstone set, only
// its key (an upsert table's delete). now is the timestamp (ms) for a record
// whose row does not set one.
func (e *RecordEncoder) Encode(row types.Row, now int64, tombstone bool) (kafka.Record, error) {
	r := kafka.Record{Topic: e.l.topic, Partition: kafka.AnyPartition, Timestamp: now}
	if e.err != nil {
		return r, e.err
	}
	if len(e.l.key) > 0 {
		for i, c := range e.l.key {
			e.kscratch[i] = row[e.writable[c]]
		}
		k, err := e.key.Encode(nil, e.kscratch)
		if err != nil {
			return r, fmt.Errorf("key: %w", err)
		}
		if k == nil {
			return r, &format.Error{Offset: -1, Msg: "the key of an upsert table's row cannot be NULL"}
		}
		r.Key = k
	}
	if cdc, ok := e.value.(*format.DebeziumEncoder); ok {
		// A CDC table's records carry changes: a delete is an envelope.
		for i, c := range e.l.value {
			e.scratch[i] = row[e.writable[c]]
		}
		var err error
		if tombstone {
			r.Value, err = cdc.EncodeDelete(nil, e.scratch)
		} else {
			r.Value, err = cdc.Encode(nil, e.scratch)
		}
		return r, err
	}
	if !tombstone {
		for i, c := range e.l.value {
			e.scratch[i] = row[e.writable[c]]
		}
		v, err := e.value.Encode(nil, e.scratch)
		if err != nil {
			return r, err
		}
		if v == nil && len(e.l.key) > 0 {
			// Only the raw format writes no value, for a NULL.
			return r, &format.Error{Field: e.rawName, Offset: -1,
				Msg: "a NULL cannot be the raw value of an upsert table: a record without a value deletes its key"}
		}
		r.Value = v
	}
	for c, m := range e.l.meta {
		w := e.writable[c]
		if w < 0 || row[w].IsNull() {
			continue
		}
		switch m {
		case "timestamp":
			r.Timestamp = row[w].I / 1000 // microseconds to Kafka's milliseconds
		case "key":
			r.Key = []byte(row[w].S) // BYTES and STRING both hold their bytes in S
		case "headers":
			kv := row[w].List()
			for i := 0; i+1 < len(kv); i += 2 {
				h := kafka.Header{Key: kv[i].S}
				if !kv[i+1].IsNull() {
					h.Value = []byte(kv[i+1].S)
				}
				r.Headers = append(r.Headers, h)
			}
		}
	}
	return r, nil
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
	l     recordLayout
	value format.Decoder
	key   format.Decoder
	err   error // why the codecs could not be built; Decode returns it
	// nullValue: the value format reads a record without a value (raw: NULL).
	nullValue bool
	scratch   types.Row
	kbuf      types.Row
	// notNull are the NOT NULL columns a record fills, with their names: a
	// record that leaves one NULL is bad (the book's bad data of type 5).
	notNull     []int
	notNullName []string
	// text marks the 'key' and 'headers' metadata columns declared as
	// strings rather than BYTES.
	text map[int]bool
	// changes reads a changelog format's records (Debezium's envelopes),
	// which carry changes rather than one row: see DecodeChanges.
	changes format.ChangelogDecoder
}

// Changelog reports whether the table's records carry changes (a CDC
// format): read them with DecodeChanges, not Decode.
func (d *RecordDecoder) Changelog() bool { return d.changes != nil }

// DecodeChanges reads a changelog format's record and calls emit with each
// change it carries: a new row of width values (the table's columns, the
// record's metadata included) and its diff. A tombstone carries none.
func (d *RecordDecoder) DecodeChanges(r *kafka.Record, width int, emit func(types.Row, types.Diff)) error {
	if d.err != nil {
		return d.err
	}
	var bad error
	err := d.changes.DecodeChanges(r.Value, func(vals types.Row, diff int64) {
		row := make(types.Row, width)
		for i, c := range d.l.value {
			row[c] = vals[i]
		}
		d.setMeta(r, row)
		for i, c := range d.notNull {
			if row[c].IsNull() && bad == nil {
				bad = &badRecord{fmt.Sprintf("record at offset %d has no value for NOT NULL column %q", r.Offset, d.notNullName[i])}
			}
		}
		if bad == nil {
			emit(row, types.Diff(diff))
		}
	})
	if err != nil {
		return err
	}
	return bad
}

// NewRecordDecoder returns the decoder for table t. An avro-confluent table
// must name its registry; see NewRecordDecoderWith. A table whose codecs
// cannot be built gets a decoder whose every Decode fails with an error
// that is not a bad record's.
func NewRecordDecoder(t *catalog.Object) *RecordDecoder {
	d, _ := NewRecordDecoderWith(t, nil)
	return d
}

// NewRecordDecoderWith returns the decoder for table t, whose avro-confluent
// codecs use regs (nil: only a table naming its registry can use them). The
// error says why the table's codecs cannot be built; the decoder returned
// with it fails every Decode with it.
func NewRecordDecoderWith(t *catalog.Object, regs *Registries) (*RecordDecoder, error) {
	d := &RecordDecoder{l: layoutOf(t), nullValue: formatOf(t.Options, "") == "raw"}
	if strings.HasPrefix(formatOf(t.Options, ""), "debezium-") {
		d.changes, d.err = newChangelogDecoder(t.Options, subSchema(t.Schema, d.l.value), regs)
	} else {
		d.value, d.err = newFormatDecoder(t.Options, "", subSchema(t.Schema, d.l.value), regs)
	}
	d.scratch = make(types.Row, len(d.l.value))
	d.text = map[int]bool{}
	for c := range d.l.meta {
		ct := t.Schema.Columns[c].Type
		d.text[c] = ct.IsString() || ct.Elem != nil && ct.Elem.IsString()
	}
	for _, c := range append(append([]int(nil), d.l.value...), d.l.key...) {
		if col := t.Schema.Columns[c]; !col.Nullable && !slices.Contains(d.notNull, c) {
			d.notNull, d.notNullName = append(d.notNull, c), append(d.notNullName, col.Name)
		}
	}
	if d.err == nil && len(d.l.key) > 0 {
		d.key, d.err = newFormatDecoder(t.Options, "key.", subSchema(t.Schema, d.l.key), regs)
		d.kbuf = make(types.Row, len(d.l.key))
	}
	if d.err != nil {
		d.err = fmt.Errorf("table %s: %w", t.Name, d.err)
	}
	return d, d.err
}

// Decode fills row (one value per table column) from r and returns the
// change it stands for: +1 for a record, -1 for an upsert table's tombstone
// (only the key columns are set). IsBadRecord tells a bad record's error
// from one that should stop the reader.
func (d *RecordDecoder) Decode(r *kafka.Record, row types.Row) (types.Diff, error) {
	clear(row)
	if d.err != nil {
		return 0, d.err
	}
	if d.changes != nil {
		return 0, fmt.Errorf("a changelog format's records are read with DecodeChanges")
	}
	upsert := len(d.l.key) > 0
	if r.Value == nil && !upsert && !d.nullValue {
		return 0, &badRecord{fmt.Sprintf("record at offset %d has a null value on an append-only table", r.Offset)}
	}
	if r.Value != nil || !upsert {
		if err := d.value.Decode(r.Value, d.scratch); err != nil {
			return 0, err
		}
		for i, c := range d.l.value {
			row[c] = d.scratch[i]
		}
	}
	if upsert {
		if err := d.decodeKey(r, row); err != nil {
			return 0, err
		}
	}
	d.setMeta(r, row)
	if upsert && r.Value == nil {
		return -1, nil
	}
	for i, c := range d.notNull {
		if row[c].IsNull() {
			return 0, &badRecord{fmt.Sprintf("record at offset %d has no value for NOT NULL column %q", r.Offset, d.notNullName[i])}
		}
	}
	return 1, nil
}

// setMeta fills the metadata columns of row from r.
func (d *RecordDecoder) setMeta(r *kafka.Record, row types.Row) {
	for c, m := range d.l.meta {
		switch m {
		case "timestamp":
			row[c] = types.NewTimestamp(r.Timestamp * 1000)
		case "partition":
			row[c] = types.NewInt(int64(r.Partition))
		case "offset":
			row[c] = types.NewInt(r.Offset)
		case "topic":
			row[c] = types.NewString(r.Topic)
		case "timestamp-type":
			if r.LogAppendTime {
				row[c] = types.NewString("LogAppendTime")
			} else {
				row[c] = types.NewString("CreateTime")
			}
		case "key":
			if r.Key != nil {
				row[c] = d.bytesAs(c, r.Key)
			}
		case "headers":
			kv := make([]types.Value, 0, 2*len(r.Headers))
			for _, h := range r.Headers {
				kv = append(kv, types.NewString(h.Key), d.bytesAs(c, h.Value))
			}
			row[c] = types.Value{K: types.KMap, X: kv}
		}
	}
}

// bytesAs is b as column c holds it: BYTES, or text when the column (or
// its map's values) is a string type.
func (d *RecordDecoder) bytesAs(c int, b []byte) types.Value {
	if d.text[c] {
		return types.NewString(string(b))
	}
	return types.NewBytes(b)
}

// decodeKey sets the key columns from the record key, which is what
// identifies the row on an upsert table (it wins over the value's copy).
func (d *RecordDecoder) decodeKey(r *kafka.Record, row types.Row) error {
	if r.Key == nil {
		return &badRecord{fmt.Sprintf("record at offset %d has no key on an upsert table", r.Offset)}
	}
	if err := d.key.Decode(r.Key, d.kbuf); err != nil {
		return fmt.Errorf("key: %w", err)
	}
	for i, c := range d.l.key {
		if d.kbuf[i].IsNull() {
			return &badRecord{fmt.Sprintf("record at offset %d has a NULL key column", r.Offset)}
		}
		row[c] = d.kbuf[i]
	}
	return nil
}
