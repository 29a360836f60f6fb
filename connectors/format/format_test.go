package format

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/cockroachdb/datadriven"

	"riffle/sql/types"
)

// Helpers shared by the golden tests of every format.

// parseSchema parses a schema directive's input: one column per line,
// "name TYPE" or "name TYPE NOT NULL"; columns are nullable otherwise.
func parseSchema(input string) (types.Schema, error) {
	var schema types.Schema
	for _, line := range strings.Split(strings.TrimSpace(input), "\n") {
		line = strings.TrimSpace(line)
		name, typ, _ := strings.Cut(line, " ")
		typ, notNull := strings.CutSuffix(typ, " NOT NULL")
		ty, err := parseType(typ)
		if err != nil {
			return schema, fmt.Errorf("%s: %v", line, err)
		}
		schema.Columns = append(schema.Columns, types.Column{Name: name, Type: ty, Nullable: !notNull})
	}
	return schema, nil
}

// parseHex reads a record written as hex digits, with spaces allowed
// between them to show the fields; "nil" is a nil record.
func parseHex(line string) ([]byte, error) {
	line = strings.TrimSpace(line)
	if line == "nil" {
		return nil, nil
	}
	b, err := hex.DecodeString(strings.ReplaceAll(line, " ", ""))
	if b == nil && err == nil {
		b = []byte{}
	}
	return b, err
}

// jsonRow decodes a row given as a JSON record, the readable way for a
// golden file to state the rows to encode.
func jsonRow(schema types.Schema, line string) (types.Row, error) {
	row := make(types.Row, schema.Len())
	return row, NewJSONDecoder(schema).Decode([]byte(line), row)
}

func renderRow(schema types.Schema, row types.Row) string {
	parts := make([]string, len(row))
	for i, v := range row {
		text := types.Text(v, schema.Columns[i].Type)
		if strings.IndexFunc(text, func(r rune) bool { return !unicode.IsPrint(r) || r == utf8.RuneError }) >= 0 {
			text = strconv.Quote(text) // make control characters visible
		}
		parts[i] = schema.Columns[i].Name + "=" + text
	}
	return strings.Join(parts, " | ")
}

// parseType parses the type names the test files use, e.g. BIGINT,
// DECIMAL(10, 2), TIMESTAMP(3), ARRAY<INT>, MAP<STRING, INT>,
// ROW<a INT, b STRING>.
func parseType(s string) (types.Type, error) {
	p := &typeParser{s: s}
	t := p.typ()
	if p.err == nil && strings.TrimSpace(p.s[p.i:]) != "" {
		p.err = fmt.Errorf("unexpected %q", p.s[p.i:])
	}
	return t, p.err
}

type typeParser struct {
	s   string
	i   int
	err error
}

var typeIDs = map[string]types.TypeID{
	"BOOLEAN": types.Boolean, "TINYINT": types.TinyInt, "SMALLINT": types.SmallInt, "INT": types.Int,
	"BIGINT": types.BigInt, "FLOAT": types.Float, "DOUBLE": types.Double, "DECIMAL": types.Decimal,
	"CHAR": types.Char, "VARCHAR": types.Varchar, "STRING": types.Varchar, "BINARY": types.Binary,
	"VARBINARY": types.Varbinary, "BYTES": types.Varbinary, "DATE": types.Date, "TIME": types.Time,
	"TIMESTAMP": types.Timestamp, "TIMESTAMP_LTZ": types.TimestampLTZ, "ARRAY": types.Array,
	"MAP": types.Map, "ROW": types.RowType, "JSON": types.JSON,
	"INTERVAL_YM": types.IntervalYM, "INTERVAL_DT": types.IntervalDT,
}

func (p *typeParser) word() string {
	p.skipSpace()
	start := p.i
	for p.i < len(p.s) && (p.s[p.i] == '_' || p.s[p.i] >= 'A' && p.s[p.i] <= 'Z' ||
		p.s[p.i] >= 'a' && p.s[p.i] <= 'z' || p.s[p.i] >= '0' && p.s[p.i] <= '9') {
		p.i++
	}
	return p.s[start:p.i]
}

func (p *typeParser) skipSpace() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *typeParser) eat(c byte) bool {
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *typeParser) typ() types.Type {
	name := p.word()
	id, ok := typeIDs[strings.ToUpper(name)]
	if !ok {
		p.err = fmt.Errorf("unknown type %q", name)
		return types.Type{}
	}
	t := types.Type{ID: id}
	switch id {
	case types.Timestamp, types.TimestampLTZ:
		t.Precision = 6 // Flink's default; TIME defaults to 0
	case types.Decimal:
		t.Precision = 10
	}
	if p.eat('(') {
		n, _ := strconv.Atoi(p.word())
		if id == types.Decimal || t.IsTemporal() {
			t.Precision = n
		} else {
			t.Length = n
		}
		if p.eat(',') {
			t.Scale, _ = strconv.Atoi(p.word())
		}
		p.eat(')')
	}
	if p.eat('<') {
		switch id {
		case types.Array:
			e := p.typ()
			t.Elem = &e
		case types.Map:
			k := p.typ()
			p.eat(',')
			v := p.typ()
			t.Key, t.Elem = &k, &v
		case types.RowType:
			for p.err == nil {
				name := p.word()
				t.Fields = append(t.Fields, types.Field{Name: name, Type: p.typ()})
				if !p.eat(',') {
					break
				}
			}
		}
		if !p.eat('>') && p.err == nil {
			p.err = fmt.Errorf("expected '>' at %d in %q", p.i, p.s)
		}
	}
	return t
}

// codecFile runs one golden file of a format. Its directives:
//
//	schema [options]  one column per line, "name TYPE [NOT NULL]"; build
//	                  makes the codecs for it (the output is a construction
//	                  error, if any)
//	decode            one record per line → the row, "col=text | …", or the error
//	encode            one JSON record per line, the row to encode → the record
//	roundtrip         one record per line, decoded and encoded again
//
// Binary formats write records in hex (spaces allowed, "nil" for a nil
// record, or a Go-quoted string); text formats as the line itself, or
// "q:" and a Go-quoted string for records with line breaks. Commands the
// file's format adds go to extra, which returns false for unknown ones and
// may replace the codecs in the state.
type codecFile struct {
	text  bool
	build func(d *datadriven.TestData, schema types.Schema) (Decoder, Encoder, error)
	extra func(t *testing.T, d *datadriven.TestData, c *codecState) (string, bool)
}

// codecState is what the directives of a golden file have set up.
type codecState struct {
	schema types.Schema
	dec    Decoder
	enc    Encoder
}

func (f codecFile) run(t *testing.T, path string) {
	var c codecState
	datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
		switch d.Cmd {
		case "schema":
			var err error
			if c.schema, err = parseSchema(d.Input); err != nil {
				d.Fatalf(t, "%v", err)
			}
			if c.dec, c.enc, err = f.build(d, c.schema); err != nil {
				return "error: " + err.Error() + "\n"
			}
			return ""
		case "decode", "encode", "roundtrip":
			if c.dec == nil {
				d.Fatalf(t, "no codec: the schema failed")
			}
			return f.lines(t, d, c.schema, c.dec, c.enc)
		}
		if f.extra != nil {
			if out, ok := f.extra(t, d, &c); ok {
				return out
			}
		}
		d.Fatalf(t, "unknown command %s", d.Cmd)
		return ""
	})
}

func (f codecFile) lines(t *testing.T, d *datadriven.TestData, schema types.Schema, dec Decoder, enc Encoder) string {
	var out strings.Builder
	row := make(types.Row, schema.Len())
	for _, line := range strings.Split(d.Input, "\n") {
		var err error
		if d.Cmd == "encode" {
			row, err = jsonRow(schema, line)
			if err != nil {
				d.Fatalf(t, "%s: %v", line, err)
			}
		} else {
			data, err := f.parseRecord(line)
			if err != nil {
				d.Fatalf(t, "%s: %v", line, err)
			}
			if err := dec.Decode(data, row); err != nil {
				fmt.Fprintf(&out, "error: %v\n", err)
				continue
			}
			if d.Cmd == "decode" {
				out.WriteString(renderRow(schema, row) + "\n")
				continue
			}
		}
		b, err := enc.Encode(nil, row)
		if err != nil {
			fmt.Fprintf(&out, "encode error: %v\n", err)
			continue
		}
		out.WriteString(f.renderRecord(b) + "\n")
	}
	return out.String()
}

func (f codecFile) parseRecord(line string) ([]byte, error) {
	if f.text {
		if q, ok := strings.CutPrefix(line, "q:"); ok {
			s, err := strconv.Unquote(q)
			return []byte(s), err
		}
		return []byte(line), nil
	}
	if strings.HasPrefix(line, `"`) {
		s, err := strconv.Unquote(line)
		return []byte(s), err
	}
	return parseHex(line)
}

func (f codecFile) renderRecord(b []byte) string {
	switch {
	case b == nil:
		return "nil"
	case len(b) == 0 && f.text:
		return `q:""` // a blank line would end the expected output
	case len(b) == 0:
		return `""`
	case !f.text:
		return hex.EncodeToString(b)
	case strings.ContainsAny(string(b), "\r\n") || !utf8.Valid(b):
		return "q:" + strconv.Quote(string(b))
	}
	return string(b)
}
