package format

import (
	"bytes"
	"testing"

	"riffle/sql/types"
)

var bidSchema = types.Schema{Columns: []types.Column{
	{Name: "auction", Type: types.TBigInt},
	{Name: "bidder", Type: types.TBigInt},
	{Name: "price", Type: types.TBigInt},
	{Name: "channel", Type: types.TString},
	{Name: "url", Type: types.TString},
	{Name: "dateTime", Type: types.TTimestamp},
	{Name: "extra", Type: types.TString},
}}

var bidJSON = []byte(`{"auction":1000,"bidder":2001,"price":1234,"channel":"Google",` +
	`"url":"https://www.nexmark.com/bwd/xsy/gcl/item.htm?query=1&channel_id=1234","dateTime":"2024-01-01 00:00:01.123","extra":""}`)

// BenchmarkJSONDecodeBid decodes a Nexmark bid. The strings "Google" and the
// url cost one allocation each; "" and every other field cost none.
func BenchmarkJSONDecodeBid(b *testing.B) {
	dec := NewJSONDecoder(bidSchema)
	row := make(types.Row, bidSchema.Len())
	b.SetBytes(int64(len(bidJSON)))
	b.ReportAllocs()
	for b.Loop() {
		if err := dec.Decode(bidJSON, row); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkJSONEncodeBid(b *testing.B) {
	dec, enc := NewJSONDecoder(bidSchema), NewJSONEncoder(bidSchema)
	row := make(types.Row, bidSchema.Len())
	if err := dec.Decode(bidJSON, row); err != nil {
		b.Fatal(err)
	}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = enc.Encode(buf[:0], row); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

func TestDecodeBidAllocs(t *testing.T) {
	dec := NewJSONDecoder(bidSchema)
	row := make(types.Row, bidSchema.Len())
	allocs := testing.AllocsPerRun(100, func() {
		if err := dec.Decode(bidJSON, row); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 2 { // channel and url; extra is empty
		t.Errorf("decoding a bid allocates %v times, want at most 2", allocs)
	}
	enc := NewJSONEncoder(bidSchema)
	out, err := enc.Encode(nil, row)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, bidJSON) {
		t.Errorf("bid re-encoded as\n%s\nwant\n%s", out, bidJSON)
	}
}

func TestRowLength(t *testing.T) {
	if err := NewJSONDecoder(bidSchema).Decode(bidJSON, make(types.Row, 2)); err == nil {
		t.Error("decode into a short row succeeded")
	}
	if _, err := NewJSONEncoder(bidSchema).Encode(nil, make(types.Row, 2)); err == nil {
		t.Error("encode of a short row succeeded")
	}
}

// benchDecode decodes rec over and over, reporting rows per second.
func benchDecode(b *testing.B, dec Decoder, cols int, rec []byte) {
	row := make(types.Row, cols)
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for b.Loop() {
		if err := dec.Decode(rec, row); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// benchEncode encodes row over and over into one reused buffer, reporting
// rows per second.
func benchEncode(b *testing.B, enc Encoder, row types.Row) {
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = enc.Encode(buf[:0], row); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
