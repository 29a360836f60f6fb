package format

import (
	"bytes"
	"testing"

	"github.com/hamba/avro/v2"

	"riffle/sql/types"
)

// avroFuzzSchema has a column of every type the Avro codec handles.
func avroFuzzSchema(t testing.TB) types.Schema {
	return mustSchema(t, "id", "BIGINT NOT NULL", "i", "INT", "t", "TINYINT", "f", "FLOAT", "d", "DOUBLE",
		"m", "DECIMAL(12, 3)", "ok", "BOOLEAN", "s", "STRING", "by", "BYTES", "dt", "DATE", "tm", "TIME(3)",
		"ts", "TIMESTAMP(3)", "ltz", "TIMESTAMP_LTZ(6)", "a", "ARRAY<INT>", "mp", "MAP<STRING, DOUBLE>",
		"r", "ROW<x STRING, y ARRAY<ROW<z BIGINT>>>", "j", "JSON")
}

var avroFuzzRows = []string{
	`{"id":1,"i":-5,"t":7,"f":1.5,"d":-2.25,"m":-12.345,"ok":true,"s":"café","by":"AAEC","dt":"2024-02-29","tm":"12:00:00.5","ts":"2024-01-01 00:00:01.123","ltz":"2024-01-01 00:00:01.123456Z","a":[1,null,3],"mp":{"x":1e3},"r":{"x":"q","y":[{"z":1},null]},"j":{"k":[true]}}`,
	`{"id":-9223372036854775808}`,
	`{"id":9223372036854775807,"a":[],"mp":{},"r":{"y":[]},"m":999999999.999,"d":"NaN","s":""}`,
}

// avroFuzzRecords encodes avroFuzzRows.
func avroFuzzRecords(t testing.TB) [][]byte {
	schema := avroFuzzSchema(t)
	enc, err := NewAvroEncoder(schema)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, line := range avroFuzzRows {
		row, err := jsonRow(schema, line)
		if err != nil {
			t.Fatal(err)
		}
		b, err := enc.Encode(nil, row)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// FuzzAvroDecode checks that no record makes the decoder panic, and that
// what decodes is a fixed point of encode ∘ decode.
func FuzzAvroDecode(f *testing.F) {
	for _, rec := range avroFuzzRecords(f) {
		f.Add(rec)
	}
	for _, seed := range []string{"", "\x00", "\x02\x02\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", "\x02\x81\x80\x80\x80\x80\x80\x80\x80\x80\x01"} {
		f.Add([]byte(seed))
	}
	schema := avroFuzzSchema(f)
	dec, _ := NewAvroDecoder(schema)
	enc, _ := NewAvroEncoder(schema)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFixedPoint(t, dec, enc, schema, data)
	})
}

// TestAvroFixedPoint runs the fuzz property over every truncation and many
// single-byte changes of valid records, with every go test.
func TestAvroFixedPoint(t *testing.T) {
	schema := avroFuzzSchema(t)
	dec, _ := NewAvroDecoder(schema)
	enc, _ := NewAvroEncoder(schema)
	for _, rec := range avroFuzzRecords(t) {
		for _, m := range mutations(rec) {
			checkFixedPoint(t, dec, enc, schema, m)
		}
	}
}

// TestAvroMatchesHamba checks the encoding against hamba/avro, an
// independent implementation: hamba reads our records with the derived
// schema and writes them again (in its own way: arrays in sized blocks),
// and we read that back to the same row. (The rows' maps have one entry, as
// hamba writes a map in random order.)
func TestAvroMatchesHamba(t *testing.T) {
	schema := avroFuzzSchema(t)
	text, err := AvroSchema(schema)
	if err != nil {
		t.Fatal(err)
	}
	hs, err := avro.ParseWithCache(text, "", &avro.SchemaCache{})
	if err != nil {
		t.Fatal(err)
	}
	dec, _ := NewAvroDecoder(schema)
	enc, _ := NewAvroEncoder(schema)
	row := make(types.Row, schema.Len())
	for i, rec := range avroFuzzRecords(t) {
		var v map[string]any
		if err := avro.Unmarshal(hs, rec, &v); err != nil {
			t.Fatalf("row %d: hamba cannot read %x: %v", i, rec, err)
		}
		theirs, err := avro.Marshal(hs, v)
		if err != nil {
			t.Fatalf("row %d: hamba cannot write %v: %v", i, v, err)
		}
		if err := dec.Decode(theirs, row); err != nil {
			t.Fatalf("row %d: we cannot read hamba's %x: %v", i, theirs, err)
		}
		ours, err := enc.Encode(nil, row)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ours, rec) {
			t.Errorf("row %d: hamba's record\n%x\nreads as\n%x\nnot\n%x", i, theirs, ours, rec)
		}
	}
}

// TestAvroResolvingFuzz runs the mutations through a decoder whose writer
// schema differs from the table: every field skipped or promoted.
func TestAvroResolvingFuzz(t *testing.T) {
	text, err := AvroSchema(avroFuzzSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	reader := mustSchema(t, "i", "BIGINT", "f", "DOUBLE", "s", "BYTES", "extra", "STRING")
	dec, err := NewAvroResolvingDecoder(text, reader)
	if err != nil {
		t.Fatal(err)
	}
	row := make(types.Row, reader.Len())
	for _, rec := range avroFuzzRecords(t) {
		if err := dec.Decode(rec, row); err != nil {
			t.Fatalf("%x: %v", rec, err)
		}
		for _, m := range mutations(rec) {
			if err := dec.Decode(m, row); err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("error of type %T: %v", err, err)
				}
			}
		}
	}
}

// fuzzWriterSchema has every kind of writer type the resolving decoder
// reads or skips: unions, enums, fixed, recursion, maps of arrays.
const fuzzWriterSchema = `{"type":"record","name":"W","fields":[
  {"name":"id","type":"int"},
  {"name":"e","type":{"type":"enum","name":"E","symbols":["A","B","C"]}},
  {"name":"fx","type":{"type":"fixed","name":"F","size":3}},
  {"name":"dec","type":{"type":"fixed","name":"D","size":4,"logicalType":"decimal","precision":9,"scale":3}},
  {"name":"u","type":["null","int","string","float"]},
  {"name":"next","type":["null","W"]},
  {"name":"skipped","type":{"type":"map","values":{"type":"array","items":["null","E","F","double"]}}},
  {"name":"ts","type":{"type":"long","logicalType":"timestamp-nanos"}},
  {"name":"tags","type":{"type":"array","items":"null"}}
]}`

// FuzzAvroResolvingDecode checks that a decoder resolving a complex writer
// schema never panics and fails only with an *Error.
func FuzzAvroResolvingDecode(f *testing.F) {
	reader := mustSchema(f, "id", "BIGINT NOT NULL", "e", "STRING", "fx", "BYTES", "dec", "DECIMAL(5, 1)",
		"u", "DOUBLE", "ts", "TIMESTAMP(6)", "tags", "ARRAY<INT>", "absent", "INT")
	dec, err := NewAvroResolvingDecoder(fuzzWriterSchema, reader)
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte("\x02\x02abc\x00\x00\x01\x02\x02\x04\x02\x04\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte("\x02\x00abc\xff\xff\xff\xff\x06\x00\x00\x00\x00\x00\x00\x80\x40\x00\x04\x00\x00\x00"))
	row := make(types.Row, reader.Len())
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := dec.Decode(data, row); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
		}
	})
}
