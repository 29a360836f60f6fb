package format

import (
	"context"
	"fmt"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"

	"riffle/sql/types"
)

// LatestSchema returns the latest schema registered under subject.
func LatestSchema(ctx context.Context, reg Registry, subject string) (RegistrySchema, error) {
	l, ok := reg.(interface {
		Latest(ctx context.Context, subject string) (RegistrySchema, error)
	})
	if !ok {
		return RegistrySchema{}, fmt.Errorf("the registry cannot list a subject's schemas")
	}
	return l.Latest(ctx, subject)
}

// Latest returns the latest schema of subject, with its references.
func (r srRegistry) Latest(ctx context.Context, subject string) (RegistrySchema, error) {
	s, err := r.cl.SchemaByVersion(ctx, subject, -1)
	if err != nil {
		return RegistrySchema{}, err
	}
	out := RegistrySchema{Schema: s.Schema.Schema}
	if s.Type != sr.TypeAvro {
		return RegistrySchema{}, fmt.Errorf("subject %s holds a %s schema, not Avro", subject, s.Type)
	}
	err = r.references(ctx, s.References, &out, map[string]bool{}, 0)
	return out, err
}

// AvroColumns are the columns of a table whose records are in Avro schema
// rs: one per field of its top-level record, typed as the inverse of the
// schema riffle derives from columns (AvroSchema), so that a table declared
// with no columns reads and writes the topic's records as they are. A field
// is nullable when its type is a union with null. Avro types with no SQL
// counterpart (a union of two non-null types, fixed without a logical
// type) are an error naming the field.
func AvroColumns(rs RegistrySchema) ([]types.Column, error) {
	cache := &avro.SchemaCache{}
	for _, ref := range rs.References {
		if _, err := avro.ParseWithCache(ref, "", cache); err != nil {
			return nil, errorf("", "invalid referenced schema: "+err.Error())
		}
	}
	s, err := avro.ParseWithCache(rs.Schema, "", cache)
	if err != nil {
		return nil, errorf("", "invalid schema: "+err.Error())
	}
	rec, ok := deref(s).(*avro.RecordSchema)
	if !ok {
		return nil, errorf("", "the schema is a "+string(s.Type())+", not a record")
	}
	cols := make([]types.Column, 0, len(rec.Fields()))
	for _, f := range rec.Fields() {
		t, null, err := sqlType(f.Type(), 0)
		if err != nil {
			return nil, inAvroField(err, f.Name())
		}
		cols = append(cols, types.Column{Name: f.Name(), Type: t, Nullable: null})
	}
	return cols, nil
}

func deref(s avro.Schema) avro.Schema {
	if r, ok := s.(*avro.RefSchema); ok {
		return r.Schema()
	}
	return s
}

// sqlType is the SQL type of an Avro type, and whether it admits null.
func sqlType(s avro.Schema, depth int) (types.Type, bool, error) {
	if depth > 32 {
		return types.Type{}, false, errorf("", "the schema nests too deep")
	}
	s = deref(s)
	switch w := s.(type) {
	case *avro.UnionSchema:
		var branch avro.Schema
		null := false
		for _, b := range w.Types() {
			if b.Type() == avro.Null {
				null = true
				continue
			}
			if branch != nil {
				return types.Type{}, false, errorf("", "a union of "+avroTypeName(w)+" has no SQL type")
			}
			branch = b
		}
		if branch == nil {
			return types.Type{}, false, errorf("", "a field that is always null has no SQL type")
		}
		t, _, err := sqlType(branch, depth+1)
		return t, null, err
	case *avro.RecordSchema:
		var fields []types.Field
		for _, f := range w.Fields() {
			t, _, err := sqlType(f.Type(), depth+1)
			if err != nil {
				return types.Type{}, false, inAvroField(err, f.Name())
			}
			fields = append(fields, types.Field{Name: f.Name(), Type: t})
		}
		return types.Type{ID: types.RowType, Fields: fields}, false, nil
	case *avro.ArraySchema:
		t, _, err := sqlType(w.Items(), depth+1)
		if err != nil {
			return types.Type{}, false, inAvroField(err, "[]")
		}
		return types.Type{ID: types.Array, Elem: &t}, false, nil
	case *avro.MapSchema:
		t, _, err := sqlType(w.Values(), depth+1)
		if err != nil {
			return types.Type{}, false, inAvroField(err, "{}")
		}
		return types.Type{ID: types.Map, Key: &types.TString, Elem: &t}, false, nil
	case *avro.EnumSchema:
		return types.TString, false, nil
	case *avro.FixedSchema:
		if d, ok := w.Logical().(*avro.DecimalLogicalSchema); ok {
			return types.Type{ID: types.Decimal, Precision: d.Precision(), Scale: d.Scale()}, false, nil
		}
		return types.Type{ID: types.Binary, Length: w.Size()}, false, nil
	case *avro.PrimitiveSchema:
		var logical avro.LogicalType
		if l := w.Logical(); l != nil {
			logical = l.Type()
		}
		switch {
		case logical == avro.Decimal:
			d := w.Logical().(*avro.DecimalLogicalSchema)
			return types.Type{ID: types.Decimal, Precision: d.Precision(), Scale: d.Scale()}, false, nil
		case logical == avro.Date:
			return types.TDate, false, nil
		case logical == avro.TimeMillis:
			return types.Type{ID: types.Time, Precision: 3}, false, nil
		case logical == avro.TimeMicros:
			return types.Type{ID: types.Time, Precision: 6}, false, nil
		case logical == avro.TimestampMillis, logical == avro.LocalTimestampMillis:
			// TIMESTAMP, as Flink reads them and as riffle writes TIMESTAMP.
			return types.Type{ID: types.Timestamp, Precision: 3}, false, nil
		case logical == avro.TimestampMicros, logical == avro.LocalTimestampMicros:
			return types.Type{ID: types.Timestamp, Precision: 6}, false, nil
		}
		switch w.Type() {
		case avro.Boolean:
			return types.TBoolean, false, nil
		case avro.Int:
			return types.TInt, false, nil
		case avro.Long:
			return types.TBigInt, false, nil
		case avro.Float:
			return types.Type{ID: types.Float}, false, nil
		case avro.Double:
			return types.TDouble, false, nil
		case avro.String:
			return types.TString, false, nil
		case avro.Bytes:
			return types.Type{ID: types.Varbinary}, false, nil
		}
	}
	return types.Type{}, false, errorf("", "Avro type "+avroTypeName(s)+" has no SQL type")
}
