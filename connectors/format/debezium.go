package format

import (
	"fmt"

	"riffle/sql/types"
)

// ChangelogDecoder reads records that carry changes to rows rather than
// rows: a change data capture envelope. DecodeChanges calls emit for each
// change in data, in order, with the row (one value per schema column,
// valid only during the call) and +1 for an insertion or -1 for a
// retraction. A record with no change in it (a tombstone) emits nothing.
type ChangelogDecoder interface {
	DecodeChanges(data []byte, emit func(row types.Row, diff int64)) error
}

// debeziumJSON reads Debezium's JSON envelope:
//
//	{"before": {…} | null, "after": {…} | null, "op": "c" | "r" | "u" | "d", "source": …, "ts_ms": …}
//
// wrapped in {"schema": …, "payload": {…}} when the connector's JSON
// converter includes schemas ('debezium-json.schema-include'). A create or
// a snapshot read ("c", "r") inserts after; an update ("u") retracts
// before and inserts after; a delete ("d") retracts before. The rows are
// read as the json format reads a record.
type debeziumJSON struct {
	inner         Decoder
	env           types.Row
	schemaInclude bool
}

// NewDebeziumJSONDecoder returns the decoder of Debezium JSON records whose
// rows have schema.
func NewDebeziumJSONDecoder(schema types.Schema, schemaInclude bool) ChangelogDecoder {
	fields := make([]types.Field, len(schema.Columns))
	for i, c := range schema.Columns {
		fields[i] = types.Field{Name: c.Name, Type: c.Type}
	}
	row := types.Type{ID: types.RowType, Fields: fields}
	env := []types.Column{{Name: "before", Type: row}, {Name: "after", Type: row}, {Name: "op", Type: types.TString}}
	if schemaInclude {
		env = []types.Column{{Name: "payload", Type: types.Type{ID: types.RowType,
			Fields: []types.Field{{Name: "before", Type: row}, {Name: "after", Type: row}, {Name: "op", Type: types.TString}}}}}
	}
	return &debeziumJSON{inner: NewJSONDecoder(types.Schema{Columns: env}), env: make(types.Row, len(env)), schemaInclude: schemaInclude}
}

func (d *debeziumJSON) DecodeChanges(data []byte, emit func(row types.Row, diff int64)) error {
	if data == nil {
		return nil // the tombstone Debezium writes after a delete, for compaction
	}
	if err := d.inner.Decode(data, d.env); err != nil {
		return err
	}
	env := d.env
	if d.schemaInclude {
		if env[0].IsNull() {
			return errorf("payload", "a Debezium record with 'debezium-json.schema-include' needs a payload")
		}
		env = env[0].List()
	}
	before, after, op := env[0], env[1], env[2]
	need := func(v types.Value, field, what string) error {
		if v.IsNull() {
			return errorf(field, "a Debezium "+what+" needs "+field)
		}
		return nil
	}
	switch {
	case op.IsNull():
		return errorf("op", "a Debezium record needs op")
	case op.S == "c" || op.S == "r":
		if err := need(after, "after", "create"); err != nil {
			return err
		}
		emit(after.List(), 1)
	case op.S == "u":
		if err := need(before, "before", "update (with PostgreSQL, set the table's REPLICA IDENTITY to FULL)"); err != nil {
			return err
		}
		if err := need(after, "after", "update"); err != nil {
			return err
		}
		emit(before.List(), -1)
		emit(after.List(), 1)
	case op.S == "d":
		if err := need(before, "before", "delete (with PostgreSQL, set the table's REPLICA IDENTITY to FULL)"); err != nil {
			return err
		}
		emit(before.List(), -1)
	default:
		return errorf("op", fmt.Sprintf("unknown Debezium op %q (expected c, r, u or d)", op.S))
	}
	return nil
}

// DebeziumJSONEncoder writes rows as Debezium JSON envelopes: Encode an
// insertion ({"before": null, "after": {…}, "op": "c"}), EncodeDelete a
// retraction ({"before": {…}, "after": null, "op": "d"}). An update is a
// retraction and an insertion, as Flink's debezium-json sink writes it.
type DebeziumJSONEncoder struct{ row Encoder }

// NewDebeziumJSONEncoder returns the encoder of Debezium JSON envelopes of
// rows of schema.
func NewDebeziumJSONEncoder(schema types.Schema) *DebeziumJSONEncoder {
	return &DebeziumJSONEncoder{row: NewJSONEncoder(schema)}
}

func (e *DebeziumJSONEncoder) Encode(dst []byte, row types.Row) ([]byte, error) {
	dst = append(dst, `{"before":null,"after":`...)
	dst, err := e.row.Encode(dst, row)
	return append(dst, `,"op":"c"}`...), err
}

// EncodeDelete appends the envelope retracting row.
func (e *DebeziumJSONEncoder) EncodeDelete(dst []byte, row types.Row) ([]byte, error) {
	dst = append(dst, `{"before":`...)
	dst, err := e.row.Encode(dst, row)
	return append(dst, `,"after":null,"op":"d"}`...), err
}
