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

// debezium reads Debezium's change events, in JSON:
//
//	{"before": {…} | null, "after": {…} | null, "op": "c" | "r" | "u" | "d", "source": …, "ts_ms": …}
//
// (wrapped in {"schema": …, "payload": {…}} when the connector's JSON
// converter includes schemas: 'debezium-json.schema-include'), or in Avro
// through a schema registry, whose envelope record has the same fields. A
// create or a snapshot read ("c", "r") inserts after; an update ("u")
// retracts before and inserts after; a delete ("d") retracts before. The
// rows are read as the json (avro-confluent) format reads a record.
type debezium struct {
	inner         Decoder // of the envelope (DebeziumEnvelope), or of its JSON wrapping
	env           types.Row
	schemaInclude bool
}

// DebeziumEnvelope is the schema of Debezium's envelope of rows of schema:
// before and after as ROWs, and op. Other fields of the envelope (source,
// ts_ms, transaction) are not read.
func DebeziumEnvelope(schema types.Schema) types.Schema {
	fields := make([]types.Field, len(schema.Columns))
	for i, c := range schema.Columns {
		fields[i] = types.Field{Name: c.Name, Type: c.Type}
	}
	row := types.Type{ID: types.RowType, Fields: fields}
	return types.Schema{Columns: []types.Column{{Name: "before", Type: row, Nullable: true},
		{Name: "after", Type: row, Nullable: true}, {Name: "op", Type: types.TString, Nullable: true}}}
}

// NewDebeziumJSONDecoder returns the decoder of Debezium JSON records whose
// rows have schema.
func NewDebeziumJSONDecoder(schema types.Schema, schemaInclude bool) ChangelogDecoder {
	env := DebeziumEnvelope(schema)
	if schemaInclude {
		var fields []types.Field
		for _, c := range env.Columns {
			fields = append(fields, types.Field{Name: c.Name, Type: c.Type})
		}
		env = types.Schema{Columns: []types.Column{{Name: "payload", Type: types.Type{ID: types.RowType, Fields: fields}}}}
	}
	return &debezium{inner: NewJSONDecoder(env), env: make(types.Row, len(env.Columns)), schemaInclude: schemaInclude}
}

// NewDebeziumDecoder returns the decoder of Debezium records that envelope
// decodes into rows of DebeziumEnvelope (debezium-avro-confluent: a
// registry's Avro decoder).
func NewDebeziumDecoder(envelope Decoder) ChangelogDecoder {
	return &debezium{inner: envelope, env: make(types.Row, 3)}
}

func (d *debezium) DecodeChanges(data []byte, emit func(row types.Row, diff int64)) error {
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

// DebeziumEncoder writes rows as Debezium envelopes: Encode an insertion
// ({"before": null, "after": {…}, "op": "c"}), EncodeDelete a retraction
// ({"before": {…}, "after": null, "op": "d"}). An update is a retraction
// and an insertion, as Flink's Debezium sinks write it.
type DebeziumEncoder struct {
	env Encoder
	row types.Row
}

// NewDebeziumEncoder returns the encoder of envelopes written by env, an
// encoder of rows of DebeziumEnvelope.
func NewDebeziumEncoder(env Encoder) *DebeziumEncoder {
	return &DebeziumEncoder{env: env, row: make(types.Row, 3)}
}

// NewDebeziumJSONEncoder returns the encoder of Debezium JSON envelopes of
// rows of schema.
func NewDebeziumJSONEncoder(schema types.Schema) *DebeziumEncoder {
	return NewDebeziumEncoder(NewJSONEncoder(DebeziumEnvelope(schema)))
}

func (e *DebeziumEncoder) Encode(dst []byte, row types.Row) ([]byte, error) {
	e.row[0], e.row[1], e.row[2] = types.Null, types.Value{K: types.KRow, X: []types.Value(row)}, types.NewString("c")
	return e.env.Encode(dst, e.row)
}

// EncodeDelete appends the envelope retracting row.
func (e *DebeziumEncoder) EncodeDelete(dst []byte, row types.Row) ([]byte, error) {
	e.row[0], e.row[1], e.row[2] = types.Value{K: types.KRow, X: []types.Value(row)}, types.Null, types.NewString("d")
	return e.env.Encode(dst, e.row)
}
