package format

import (
	"bytes"
	"testing"

	"riffle/sql/types"
)

// checkFixedPoint is the property every format's fuzz test checks: decoding
// never panics and fails only with an *Error, and whatever decodes encodes
// to a record that decodes to a row encoding to the same bytes again.
func checkFixedPoint(t *testing.T, dec Decoder, enc Encoder, schema types.Schema, data []byte) {
	t.Helper()
	row := make(types.Row, schema.Len())
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
		t.Fatalf("decode of re-encoded %q (from %q): %v", once, data, err)
	}
	twice, err := enc.Encode(nil, row)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(once, twice) || (once == nil) != (twice == nil) {
		t.Fatalf("encoding is not a fixed point:\n%q\n%q\n(from %q)", once, twice, data)
	}
}

// mustSchema builds a schema from "name TYPE" pairs; all columns nullable
// unless the type ends in NOT NULL.
func mustSchema(t testing.TB, cols ...string) types.Schema {
	t.Helper()
	var s types.Schema
	for i := 0; i+1 < len(cols); i += 2 {
		one, err := parseSchema(cols[i] + " " + cols[i+1])
		if err != nil {
			t.Fatal(err)
		}
		s.Columns = append(s.Columns, one.Columns...)
	}
	return s
}

// mutations returns every truncation of rec and every single-byte change of
// it to a few interesting values: a deterministic stand-in for fuzzing that
// runs with every go test.
func mutations(rec []byte) [][]byte {
	var out [][]byte
	for i := 0; i < len(rec); i++ {
		out = append(out, rec[:i:i])
		for _, b := range []byte{0x00, 0x01, 0x02, 0x7f, 0x80, 0xff, rec[i] ^ 0x40} {
			m := bytes.Clone(rec)
			m[i] = b
			out = append(out, m)
		}
	}
	return out
}
