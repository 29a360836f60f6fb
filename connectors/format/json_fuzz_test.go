package format

import (
	"bytes"
	"testing"

	"riffle/sql/types"
)

// fuzzSchema has a column of every kind the decoder handles.
func fuzzSchema(t testing.TB) types.Schema {
	var s types.Schema
	for _, c := range []struct{ name, typ string }{
		{"i", "INT"}, {"t", "TINYINT"}, {"b", "BIGINT"}, {"f", "FLOAT"}, {"d", "DOUBLE"},
		{"m", "DECIMAL(12, 3)"}, {"ok", "BOOLEAN"}, {"s", "STRING"}, {"by", "BYTES"},
		{"dt", "DATE"}, {"tm", "TIME(3)"}, {"ts", "TIMESTAMP(3)"}, {"ltz", "TIMESTAMP_LTZ(6)"},
		{"a", "ARRAY<INT>"}, {"mp", "MAP<STRING, DOUBLE>"}, {"mi", "MAP<INT, STRING>"},
		{"r", "ROW<x STRING, y ARRAY<ROW<z BIGINT>>>"}, {"j", "JSON"}, {"ym", "INTERVAL_YM"},
		{"ds", "INTERVAL_DT"},
	} {
		ty, err := parseType(c.typ)
		if err != nil {
			t.Fatal(err)
		}
		s.Columns = append(s.Columns, types.Column{Name: c.name, Type: ty, Nullable: true})
	}
	return s
}

// FuzzJSONDecode checks that no input makes the decoder panic, and that
// whatever it accepts encodes to JSON it reads back to the same row: the
// encoding of a decoded record is a fixed point.
func FuzzJSONDecode(f *testing.F) {
	for _, seed := range []string{
		string(bidJSON),
		`{"i":1,"t":-2,"b":"3","f":1.5,"d":"NaN","m":12.3456,"ok":"true","s":"a\u00e9\ud83d\ude00"}`,
		`{"by":"aGk=","dt":"2024-02-29","tm":"12:00:00.5","ts":1704067201123,"ltz":"2024-01-01T00:00:00+01:00"}`,
		`{"a":[1,null,3],"mp":{"x":1e3},"mi":{"7":"seven"},"r":{"x":"q","y":[{"z":1},null]},"j":{"k":[true]}}`,
		`{"ym":14,"ds":1000,"unknown":[{},[],"",0,-0.5e-3,null,false]}`,
		`{"s":{"nested":"\"quoted\""},"i":1e2}`,
		`{"ts":253402300800000,"ltz":"0000-01-01 00:00:00+01:00"}`, `{"ltz":"9999-12-31 23:30:00-01:00"}`,
		`{`, `{"i":`, `{"s":"\u12`, `[]`, `null`, `{"a":[[[[[[[[1]]]]]]]]}`,
	} {
		f.Add([]byte(seed))
	}
	schema := fuzzSchema(f)
	dec, enc := NewJSONDecoder(schema), NewJSONEncoder(schema)
	row := make(types.Row, schema.Len())
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := dec.Decode(data, row); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		once, err := enc.Encode(nil, row)
		if err != nil {
			t.Fatalf("encode of decoded %q: %v", data, err)
		}
		if err := dec.Decode(once, row); err != nil {
			t.Fatalf("decode of re-encoded %s (from %q): %v", once, data, err)
		}
		twice, err := enc.Encode(nil, row)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(once, twice) {
			t.Fatalf("encoding is not a fixed point:\n%s\n%s\n(from %q)", once, twice, data)
		}
	})
}
