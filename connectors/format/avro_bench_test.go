package format

import (
	"bytes"
	"testing"

	"github.com/hamba/avro/v2"

	"riffle/sql/types"
)

// bidAvro is the Nexmark bid of bidJSON in the derived Avro schema.
func bidAvro(t testing.TB) []byte {
	row, err := jsonRow(bidSchema, string(bidJSON))
	if err != nil {
		t.Fatal(err)
	}
	enc, err := NewAvroEncoder(bidSchema)
	if err != nil {
		t.Fatal(err)
	}
	b, err := enc.Encode(nil, row)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAvroBidAllocs(t *testing.T) {
	rec := bidAvro(t)
	dec, _ := NewAvroDecoder(bidSchema)
	enc, _ := NewAvroEncoder(bidSchema)
	row := make(types.Row, bidSchema.Len())
	allocs := testing.AllocsPerRun(100, func() {
		if err := dec.Decode(rec, row); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 2 { // channel and url; extra is empty
		t.Errorf("decoding an Avro bid allocates %v times, want at most 2", allocs)
	}
	buf := make([]byte, 0, 256)
	allocs = testing.AllocsPerRun(100, func() {
		var err error
		if buf, err = enc.Encode(buf[:0], row); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0 {
		t.Errorf("encoding an Avro bid allocates %v times, want 0", allocs)
	}
	if !bytes.Equal(buf, rec) {
		t.Errorf("bid re-encoded as %x, want %x", buf, rec)
	}
}

func BenchmarkAvroDecodeBid(b *testing.B) {
	dec, _ := NewAvroDecoder(bidSchema)
	benchDecode(b, dec, bidSchema.Len(), bidAvro(b))
}

func BenchmarkAvroEncodeBid(b *testing.B) {
	enc, _ := NewAvroEncoder(bidSchema)
	row := make(types.Row, bidSchema.Len())
	dec, _ := NewAvroDecoder(bidSchema)
	if err := dec.Decode(bidAvro(b), row); err != nil {
		b.Fatal(err)
	}
	benchEncode(b, enc, row)
}

// BenchmarkAvroDecodeBidHamba is hamba/avro's generic decoding of the same
// record into a map, for comparison: it allocates per field, which is why
// the decoder is hand-written.
func BenchmarkAvroDecodeBidHamba(b *testing.B) {
	text, _ := AvroSchema(bidSchema)
	s := avro.MustParse(text)
	rec := bidAvro(b)
	b.ReportAllocs()
	for b.Loop() {
		var v map[string]any
		if err := avro.Unmarshal(s, rec, &v); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkAvroDecodeDecimals decodes a row of exact decimals, which
// allocate (math/big) as in every format.
func BenchmarkAvroDecodeDecimals(b *testing.B) {
	schema := mustSchema(b, "a", "DECIMAL(10, 2)", "b", "DECIMAL(18, 4)", "c", "DECIMAL(38, 10)")
	row, err := jsonRow(schema, `{"a":12.5,"b":-99999.1234,"c":1234567890.0123456789}`)
	if err != nil {
		b.Fatal(err)
	}
	enc, _ := NewAvroEncoder(schema)
	rec, _ := enc.Encode(nil, row)
	dec, _ := NewAvroDecoder(schema)
	benchDecode(b, dec, schema.Len(), rec)
}
