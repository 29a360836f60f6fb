package format

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/hamba/avro/v2"

	"riffle/sql/types"
)

// TestAvro runs testdata/connectors/avro.test; see codecFile for the
// common directives. It adds:
//
//	avro-schema [local-timestamps]  the schema derived from the table, a field a line
//	writer                          a writer schema (JSON); decode and write
//	                                then read with it into the table's columns
//	write                           one record per line in Avro's JSON
//	                                encoding of the writer schema, written by
//	                                hamba/avro (an independent encoder) →
//	                                the hex and the row, or the error
func TestAvro(t *testing.T) {
	var writer avro.Schema
	codecFile{
		build: func(_ *datadriven.TestData, schema types.Schema) (Decoder, Encoder, error) {
			writer = nil
			dec, err := NewAvroDecoder(schema)
			if err != nil {
				return nil, nil, err
			}
			enc, err := NewAvroEncoder(schema)
			return dec, enc, err
		},
		extra: func(t *testing.T, d *datadriven.TestData, c *codecState) (string, bool) {
			switch d.Cmd {
			case "avro-schema":
				text, err := AvroSchemaWith(c.schema, AvroOptions{LocalTimestamps: d.HasArg("local-timestamps")})
				if err != nil {
					return "error: " + err.Error() + "\n", true
				}
				return fieldPerLine(t, text), true
			case "writer":
				dec, err := NewAvroResolvingDecoder(d.Input, c.schema)
				if err != nil {
					c.dec = nil
					return "error: " + err.Error() + "\n", true
				}
				if writer, err = avro.Parse(d.Input); err != nil {
					d.Fatalf(t, "%v", err)
				}
				c.dec = dec
				return "", true
			case "write":
				return writeWithHamba(t, d, writer, c), true
			}
			return "", false
		},
	}.run(t, "../../testdata/connectors/avro.test")
}

func writeWithHamba(t *testing.T, d *datadriven.TestData, writer avro.Schema, c *codecState) string {
	if writer == nil || c.dec == nil {
		d.Fatalf(t, "write needs a writer schema")
	}
	var out strings.Builder
	row := make(types.Row, c.schema.Len())
	for _, line := range strings.Split(d.Input, "\n") {
		dec := json.NewDecoder(strings.NewReader(line))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			d.Fatalf(t, "%s: %v", line, err)
		}
		g, err := avroGeneric(writer, v)
		if err != nil {
			d.Fatalf(t, "%s: %v", line, err)
		}
		data, err := avro.Marshal(writer, g)
		if err != nil {
			d.Fatalf(t, "%s: hamba: %v", line, err)
		}
		out.WriteString(hex.EncodeToString(data) + "\n  ")
		if err := c.dec.Decode(data, row); err != nil {
			fmt.Fprintf(&out, "error: %v\n", err)
			continue
		}
		out.WriteString(renderRow(c.schema, row) + "\n")
	}
	return out.String()
}

// fieldPerLine renders a record schema with one field per line.
func fieldPerLine(t *testing.T, text string) string {
	head, fields, ok := strings.Cut(text, `"fields":[`)
	if !ok {
		t.Fatalf("no fields in %s", text)
	}
	var list []json.RawMessage
	if err := json.Unmarshal([]byte("["+strings.TrimSuffix(fields, "}")), &list); err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	var out strings.Builder
	out.WriteString(head + `"fields":[` + "\n")
	for i, f := range list {
		out.WriteString("  " + string(f))
		if i < len(list)-1 {
			out.WriteString(",")
		}
		out.WriteString("\n")
	}
	out.WriteString("]}\n")
	return out.String()
}

// avroGeneric converts a value in Avro's JSON encoding (unions as
// {"branch": value}) to the Go values hamba/avro encodes for schema s.
func avroGeneric(s avro.Schema, v any) (any, error) {
	s = derefAvro(s)
	switch s := s.(type) {
	case *avro.NullSchema:
		return nil, nil
	case *avro.UnionSchema:
		if v == nil {
			return map[string]any{}, nil
		}
		m, ok := v.(map[string]any)
		if !ok || len(m) != 1 {
			return nil, fmt.Errorf("union value %v is not {\"branch\": value}", v)
		}
		for k, val := range m {
			for _, b := range s.Types() {
				if name := hambaName(b); name == k || string(derefAvro(b).Type()) == k {
					g, err := avroGeneric(b, val)
					return map[string]any{name: g}, err
				}
			}
			return nil, fmt.Errorf("no union branch %q", k)
		}
	case *avro.RecordSchema:
		m, _ := v.(map[string]any)
		out := map[string]any{}
		for _, f := range s.Fields() {
			if fv, ok := m[f.Name()]; ok {
				g, err := avroGeneric(f.Type(), fv)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", f.Name(), err)
				}
				out[f.Name()] = g
			}
		}
		return out, nil
	case *avro.ArraySchema:
		var out []any
		for _, e := range v.([]any) {
			g, err := avroGeneric(s.Items(), e)
			if err != nil {
				return nil, err
			}
			out = append(out, g)
		}
		return out, nil
	case *avro.MapSchema:
		out := map[string]any{}
		for k, e := range v.(map[string]any) {
			g, err := avroGeneric(s.Values(), e)
			if err != nil {
				return nil, err
			}
			out[k] = g
		}
		return out, nil
	case *avro.EnumSchema:
		return v, nil
	case *avro.FixedSchema:
		str, _ := v.(string)
		if len(str) != s.Size() {
			return nil, fmt.Errorf("fixed of %d bytes, got %q", s.Size(), str)
		}
		arr := reflect.New(reflect.ArrayOf(s.Size(), reflect.TypeFor[byte]())).Elem()
		reflect.Copy(arr, reflect.ValueOf([]byte(str)))
		return arr.Interface(), nil
	case *avro.PrimitiveSchema:
		return primitiveGeneric(s, v)
	}
	return nil, fmt.Errorf("the test cannot write %s", s.Type())
}

func primitiveGeneric(s *avro.PrimitiveSchema, v any) (any, error) {
	n, _ := v.(json.Number)
	switch s.Type() {
	case avro.Int:
		i, err := n.Int64()
		if l := s.Logical(); l != nil && l.Type() == avro.TimeMillis {
			return time.Duration(i) * time.Millisecond, err // how hamba takes a time
		}
		return int(i), err
	case avro.Long:
		i, err := n.Int64()
		if l := s.Logical(); l != nil && l.Type() == avro.TimeMicros {
			return time.Duration(i) * time.Microsecond, err
		}
		return i, err
	case avro.Float:
		f, err := n.Float64()
		return float32(f), err
	case avro.Double:
		return n.Float64()
	case avro.Bytes:
		if _, ok := s.Logical().(*avro.DecimalLogicalSchema); ok {
			r, ok := new(big.Rat).SetString(fmt.Sprint(v))
			if !ok {
				return nil, fmt.Errorf("bad decimal %v", v)
			}
			return r, nil
		}
		return []byte(v.(string)), nil
	}
	return v, nil // boolean, string
}

// hambaName is the name hamba/avro gives a union branch.
func hambaName(s avro.Schema) string {
	s = derefAvro(s)
	if n, ok := s.(avro.NamedSchema); ok {
		return n.FullName()
	}
	if p, ok := s.(*avro.PrimitiveSchema); ok && p.Logical() != nil {
		return string(s.Type()) + "." + string(p.Logical().Type())
	}
	return string(s.Type())
}
