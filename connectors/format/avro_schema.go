package format

import (
	"encoding/json"
	"strconv"

	"github.com/hamba/avro/v2"

	"riffle/sql/types"
)

// avroNamespace and avroRecordName name the derived record, as Flink's
// AvroSchemaConverter does ("org.apache.flink.avro.generated.record"); a
// nested ROW is named after its path, "record_address".
const (
	avroNamespace  = "org.apache.flink.avro.generated"
	avroRecordName = "record"
)

// AvroOptions are the options of Flink's 'avro' format that change the
// schema derived from a table. The zero value is Flink's default.
type AvroOptions struct {
	// LocalTimestamps is Flink's 'avro.timestamp_mapping.legacy' = 'false':
	// TIMESTAMP columns (wall-clock, without a zone) are written as
	// local-timestamp-millis or -micros, the Avro types meant for them.
	// Without it TIMESTAMP is timestamp-millis or -micros, as Flink writes
	// it by default. TIMESTAMP_LTZ (an instant) is timestamp-millis or
	// -micros either way. The bytes are the same; only the schema's
	// logical type differs.
	LocalTimestamps bool
}

// AvroSchema returns the Avro schema Flink derives from a table's columns
// (AvroSchemaConverter.convertToSchema), as JSON: a record named
// org.apache.flink.avro.generated.record with one field per column, in
// order.
//
//   - a nullable column is the union ["null", T] with default null; a NOT
//     NULL column is T. Fields of a ROW, elements of an ARRAY and values of
//     a MAP are nullable, as they are in riffle's types;
//   - BOOLEAN boolean; TINYINT, SMALLINT, INT int; BIGINT long; FLOAT float;
//     DOUBLE double; CHAR, VARCHAR and JSON string; BINARY, VARBINARY bytes;
//   - DECIMAL(p, s) bytes with logicalType decimal, precision p, scale s
//     (the unscaled value in big-endian two's complement);
//   - DATE int/date; TIME(p≤3) int/time-millis, TIME(p>3) long/time-micros;
//   - TIMESTAMP(p≤3) long/timestamp-millis, TIMESTAMP(p>3)
//     long/timestamp-micros (see AvroOptions.LocalTimestamps);
//     TIMESTAMP_LTZ likewise with timestamp-millis/-micros;
//   - ROW a nested record, ARRAY array, MAP with CHAR/VARCHAR keys map.
//
// Flink rejects TIME and (by default) TIMESTAMP above precision 3 and
// TIMESTAMP_LTZ; riffle writes them with the micros types, which Flink
// reads. Intervals and maps with non-string keys have no Avro form and are
// an error.
func AvroSchema(schema types.Schema) (string, error) {
	return AvroSchemaWith(schema, AvroOptions{})
}

// AvroSchemaWith is AvroSchema with options.
func AvroSchemaWith(schema types.Schema, opts AvroOptions) (string, error) {
	s, err := deriveAvro(schema, opts)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(s)
	if err != nil {
		return "", errorf("", "avro schema: "+err.Error())
	}
	return string(b), nil
}

// deriveAvro builds the Avro schema of a table.
func deriveAvro(schema types.Schema, opts AvroOptions) (*avro.RecordSchema, error) {
	fields := make([]types.Field, len(schema.Columns))
	nullable := make([]bool, len(schema.Columns))
	for i, c := range schema.Columns {
		fields[i] = types.Field{Name: c.Name, Type: c.Type}
		nullable[i] = c.Nullable
	}
	return avroRecord(avroRecordName, fields, nullable, opts)
}

func avroRecord(name string, fields []types.Field, nullable []bool, opts AvroOptions) (*avro.RecordSchema, error) {
	out := make([]*avro.Field, len(fields))
	for i, f := range fields {
		null := nullable == nil || nullable[i]
		t, err := avroType(f.Type, null, name+"_"+f.Name, opts)
		if err != nil {
			return nil, inAvroField(err, f.Name)
		}
		var fopts []avro.SchemaOption
		if null {
			fopts = append(fopts, avro.WithDefault(nil))
		}
		if out[i], err = avro.NewField(f.Name, t, fopts...); err != nil {
			return nil, errorf(f.Name, "not a valid Avro field name: "+err.Error())
		}
	}
	r, err := avro.NewRecordSchema(name, avroNamespace, out)
	if err != nil {
		return nil, errorf("", "avro record "+name+": "+err.Error())
	}
	return r, nil
}

// avroType maps one column type; name is the record name a ROW gets.
func avroType(t types.Type, nullable bool, name string, opts AvroOptions) (avro.Schema, error) {
	s, err := avroNonNull(t, name, opts)
	if err != nil || !nullable {
		return s, err
	}
	u, err := avro.NewUnionSchema([]avro.Schema{avro.NewNullSchema(), s})
	if err != nil {
		return nil, errorf("", err.Error())
	}
	return u, nil
}

func avroNonNull(t types.Type, name string, opts AvroOptions) (avro.Schema, error) {
	prim := func(typ avro.Type, logical avro.LogicalType) avro.Schema {
		var l avro.LogicalSchema
		if logical != "" {
			l = avro.NewPrimitiveLogicalSchema(logical)
		}
		return avro.NewPrimitiveSchema(typ, l)
	}
	switch t.ID {
	case types.Boolean:
		return prim(avro.Boolean, ""), nil
	case types.TinyInt, types.SmallInt, types.Int:
		return prim(avro.Int, ""), nil
	case types.BigInt:
		return prim(avro.Long, ""), nil
	case types.Float:
		return prim(avro.Float, ""), nil
	case types.Double:
		return prim(avro.Double, ""), nil
	case types.Char, types.Varchar, types.JSON:
		return prim(avro.String, ""), nil
	case types.Binary, types.Varbinary:
		return prim(avro.Bytes, ""), nil
	case types.Decimal:
		p, s := avroDecimalParams(t)
		return avro.NewPrimitiveSchema(avro.Bytes, avro.NewDecimalLogicalSchema(p, s)), nil
	case types.Date:
		return prim(avro.Int, avro.Date), nil
	case types.Time:
		if t.Precision > 3 {
			return prim(avro.Long, avro.TimeMicros), nil
		}
		return prim(avro.Int, avro.TimeMillis), nil
	case types.Timestamp, types.TimestampLTZ:
		local := opts.LocalTimestamps && t.ID == types.Timestamp
		switch {
		case t.Precision > 3 && local:
			return prim(avro.Long, avro.LocalTimestampMicros), nil
		case t.Precision > 3:
			return prim(avro.Long, avro.TimestampMicros), nil
		case local:
			return prim(avro.Long, avro.LocalTimestampMillis), nil
		}
		return prim(avro.Long, avro.TimestampMillis), nil
	case types.Array:
		items, err := avroType(elemType(t.Elem), true, name, opts)
		if err != nil {
			return nil, inAvroField(err, "[]")
		}
		return avro.NewArraySchema(items), nil
	case types.Map:
		if k := elemType(t.Key); !k.IsString() {
			return nil, errorf("", "the avro format needs string map keys, not "+k.String())
		}
		values, err := avroType(elemType(t.Elem), true, name, opts)
		if err != nil {
			return nil, inAvroField(err, "[]")
		}
		return avro.NewMapSchema(values), nil
	case types.RowType:
		return avroRecord(name, t.Fields, nil, opts)
	}
	return nil, errorf("", "the avro format does not support type "+t.String())
}

// avroDecimalParams is a DECIMAL's precision and scale in Avro, which
// needs a precision of at least 1 (and riffle's DECIMAL without one holds
// up to 38 digits, as Flink's widest).
func avroDecimalParams(t types.Type) (precision, scale int) {
	p := t.Precision
	if p <= 0 {
		p = 38
	}
	return p, min(t.Scale, p)
}

// inAvroField prefixes the path of an *Error with seg, a field name or an
// index "[2]"; unlike inField it keeps the byte offset of a syntax error,
// which in a binary format is worth reporting with the field.
func inAvroField(err error, seg string) error {
	e, ok := err.(*Error)
	if !ok {
		return err
	}
	if e.Field != "" && e.Field[0] != '[' {
		seg += "."
	}
	e.Field = seg + e.Field
	return e
}

// avroTypeName describes a writer schema for errors: its type, with its
// logical type.
func avroTypeName(s avro.Schema) string {
	name := string(s.Type())
	switch w := s.(type) {
	case *avro.PrimitiveSchema:
		if l := w.Logical(); l != nil {
			name += " (" + string(l.Type()) + ")"
		} else if lt, ok := w.Prop("logicalType").(string); ok {
			name += " (" + lt + ")"
		}
	case *avro.RefSchema:
		return avroTypeName(w.Schema())
	case *avro.FixedSchema:
		name += "(" + strconv.Itoa(w.Size()) + ")"
	case *avro.UnionSchema:
		name = "["
		for i, b := range w.Types() {
			if i > 0 {
				name += ", "
			}
			name += avroTypeName(b)
		}
		name += "]"
	}
	return name
}
