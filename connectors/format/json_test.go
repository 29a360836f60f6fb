package format

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/cockroachdb/datadriven"

	"riffle/sql/types"
)

// TestJSON runs testdata/connectors/json*.test:
//
//	schema            one column per line, "name TYPE"
//	decode            one JSON record per line → the row, "col=text | …", or the error
//	encode            one JSON record per line, decoded and encoded again
func TestJSON(t *testing.T) {
	datadriven.Walk(t, "../../testdata/connectors", func(t *testing.T, path string) {
		if !strings.Contains(path, "json") {
			t.Skip()
		}
		var schema types.Schema
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "schema":
				schema = types.Schema{}
				for _, line := range strings.Split(strings.TrimSpace(d.Input), "\n") {
					name, typ, _ := strings.Cut(strings.TrimSpace(line), " ")
					ty, err := parseType(typ)
					if err != nil {
						d.Fatalf(t, "%s: %v", line, err)
					}
					schema.Columns = append(schema.Columns, types.Column{Name: name, Type: ty, Nullable: true})
				}
				return ""
			case "decode", "encode":
				return runLines(schema, d.Cmd, d.Input)
			}
			d.Fatalf(t, "unknown command %s", d.Cmd)
			return ""
		})
	})
}

func runLines(schema types.Schema, cmd, input string) string {
	dec, enc := NewJSONDecoder(schema), NewJSONEncoder(schema)
	row := make(types.Row, schema.Len())
	var out strings.Builder
	for _, line := range strings.Split(input, "\n") {
		if err := dec.Decode([]byte(line), row); err != nil {
			fmt.Fprintf(&out, "error: %v\n", err)
			continue
		}
		if cmd == "decode" {
			out.WriteString(renderRow(schema, row) + "\n")
			continue
		}
		b, err := enc.Encode(nil, row)
		if err != nil {
			fmt.Fprintf(&out, "encode error: %v\n", err)
			continue
		}
		out.Write(b)
		out.WriteByte('\n')
	}
	return out.String()
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
