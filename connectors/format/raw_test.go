package format

import (
	"testing"

	"github.com/cockroachdb/datadriven"

	"riffle/sql/types"
)

// TestRaw runs testdata/connectors/raw.test; see codecFile for its
// directives.
func TestRaw(t *testing.T) {
	codecFile{build: func(_ *datadriven.TestData, schema types.Schema) (Decoder, Encoder, error) {
		dec, err := NewRawDecoder(schema)
		if err != nil {
			return nil, nil, err
		}
		enc, err := NewRawEncoder(schema)
		return dec, enc, err
	}}.run(t, "../../testdata/connectors/raw.test")
}

var rawSchemas = []string{"STRING", "BYTES", "TINYINT", "SMALLINT", "INT", "BIGINT", "FLOAT", "DOUBLE", "BOOLEAN"}

// FuzzRawDecode checks that any record decodes into every raw column type
// without a panic and that what decodes is a fixed point of encode ∘ decode.
func FuzzRawDecode(f *testing.F) {
	for _, seed := range []string{"", "a", "\x00\x01", "\xff\xff\xff\xff", "12345678", "caf\xc3\xa9\xff"} {
		f.Add(uint8(0), []byte(seed))
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		schema := mustSchema(t, "v", rawSchemas[int(which)%len(rawSchemas)])
		dec, _ := NewRawDecoder(schema)
		enc, _ := NewRawEncoder(schema)
		checkFixedPoint(t, dec, enc, schema, data)
	})
}

func TestRawFixedPoint(t *testing.T) {
	for _, typ := range rawSchemas {
		schema := mustSchema(t, "v", typ)
		dec, _ := NewRawDecoder(schema)
		enc, _ := NewRawEncoder(schema)
		for _, rec := range mutations([]byte("\x01\x02\x03\x04\x05\x06\x07\x08")) {
			checkFixedPoint(t, dec, enc, schema, rec)
		}
		checkFixedPoint(t, dec, enc, schema, nil)
	}
}

func TestRawAllocs(t *testing.T) {
	schema := mustSchema(t, "id", "BIGINT")
	dec, _ := NewRawDecoder(schema)
	enc, _ := NewRawEncoder(schema)
	row := make(types.Row, 1)
	rec := []byte{0, 0, 0, 0, 0, 0, 1, 0}
	buf := make([]byte, 0, 16)
	allocs := testing.AllocsPerRun(100, func() {
		if err := dec.Decode(rec, row); err != nil {
			t.Fatal(err)
		}
		var err error
		if buf, err = enc.Encode(buf[:0], row); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("decoding and encoding a raw BIGINT allocates %v times, want 0", allocs)
	}
}

func BenchmarkRawDecodeBigint(b *testing.B) {
	dec, _ := NewRawDecoder(mustSchema(b, "id", "BIGINT"))
	benchDecode(b, dec, 1, []byte{0, 0, 0, 0, 0, 0, 1, 0})
}

func BenchmarkRawDecodeString(b *testing.B) {
	dec, _ := NewRawDecoder(mustSchema(b, "url", "STRING"))
	benchDecode(b, dec, 1, []byte("https://www.nexmark.com/bwd/xsy/gcl/item.htm?query=1&channel_id=1234"))
}

func BenchmarkRawEncodeString(b *testing.B) {
	enc, _ := NewRawEncoder(mustSchema(b, "url", "STRING"))
	benchEncode(b, enc, types.Row{types.NewString("https://www.nexmark.com/bwd/xsy/gcl/item.htm?query=1&channel_id=1234")})
}
