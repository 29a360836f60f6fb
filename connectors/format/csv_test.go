package format

import (
	"testing"

	"github.com/cockroachdb/datadriven"

	"riffle/sql/types"
)

// TestCSV runs testdata/connectors/csv.test; see codecFile for its
// directives. The schema directive takes the options: delimiter=C, quote=C,
// escape=C (C a character or its name: tab, semicolon, squote, dquote,
// backslash, pipe), null=TEXT (null= for the empty literal), no-quote.
func TestCSV(t *testing.T) {
	codecFile{text: true, build: func(d *datadriven.TestData, schema types.Schema) (Decoder, Encoder, error) {
		opts := csvOptions(d)
		dec, err := NewCSVDecoder(schema, opts)
		if err != nil {
			return nil, nil, err
		}
		enc, err := NewCSVEncoder(schema, opts)
		return dec, enc, err
	}}.run(t, "../../testdata/connectors/csv.test")
}

func csvOptions(d *datadriven.TestData) CSVOptions {
	var opts CSVOptions
	char := func(s string) byte {
		// Names, as datadriven's argument syntax has no room for quotes.
		if c, ok := map[string]byte{"tab": '\t', "semicolon": ';', "squote": '\'', "dquote": '"',
			"backslash": '\\', "pipe": '|'}[s]; ok {
			return c
		}
		return s[0]
	}
	for _, a := range d.CmdArgs {
		val := ""
		if len(a.Vals) > 0 {
			val = a.Vals[0]
		}
		switch a.Key {
		case "delimiter":
			opts.FieldDelimiter = char(val)
		case "quote":
			opts.QuoteCharacter = char(val)
		case "escape":
			opts.EscapeCharacter = char(val)
		case "null":
			opts.NullLiteral = &val
		case "no-quote":
			opts.DisableQuoteCharacter = true
		}
	}
	return opts
}

var bidCSV = []byte(`1000,2001,1234,Google,https://www.nexmark.com/bwd/xsy/gcl/item.htm?query=1&channel_id=1234,2024-01-01 00:00:01.123,`)

// FuzzCSVDecode checks that no record makes the decoder panic, and that
// what decodes is a fixed point of encode ∘ decode, under a few option
// sets (the first byte picks one).
func FuzzCSVDecode(f *testing.F) {
	for _, seed := range []string{
		string(bidCSV),
		`1,2,3.5,"a ""q"", b","x\ny",2024-01-01T00:00:00+01:00,`,
		`,,,,,,`, `"`, `a,"b`, `1,2,3,a,b,c,d,e`, "\r\n", `\`, `'a;b'`,
	} {
		f.Add(uint8(0), []byte(seed))
	}
	nul := "NULL"
	options := []CSVOptions{{}, {NullLiteral: &nul}, {FieldDelimiter: ';', QuoteCharacter: '\'', EscapeCharacter: '\\'},
		{FieldDelimiter: '\t', DisableQuoteCharacter: true, EscapeCharacter: '\\'}}
	schema := fuzzCSVSchema(f)
	var decs []Decoder
	var encs []Encoder
	for _, o := range options {
		dec, err := NewCSVDecoder(schema, o)
		if err != nil {
			f.Fatal(err)
		}
		enc, _ := NewCSVEncoder(schema, o)
		decs, encs = append(decs, dec), append(encs, enc)
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		i := int(which) % len(options)
		checkFixedPoint(t, decs[i], encs[i], schema, data)
	})
}

func fuzzCSVSchema(t testing.TB) types.Schema {
	return mustSchema(t, "i", "BIGINT", "t", "TINYINT", "m", "DECIMAL(12, 3)", "s", "STRING", "by", "BYTES",
		"ts", "TIMESTAMP(3)", "e", "STRING")
}

func TestCSVFixedPoint(t *testing.T) {
	schema := fuzzCSVSchema(t)
	dec, _ := NewCSVDecoder(schema, CSVOptions{})
	enc, _ := NewCSVEncoder(schema, CSVOptions{})
	for _, rec := range mutations([]byte(`1,-2,3.5,"a ""q"", b",aGk=,2024-01-01 00:00:00,x`)) {
		checkFixedPoint(t, dec, enc, schema, rec)
	}
}

func TestCSVBidAllocs(t *testing.T) {
	dec, _ := NewCSVDecoder(bidSchema, CSVOptions{})
	enc, _ := NewCSVEncoder(bidSchema, CSVOptions{})
	row := make(types.Row, bidSchema.Len())
	allocs := testing.AllocsPerRun(100, func() {
		if err := dec.Decode(bidCSV, row); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 2 { // channel and url; extra is empty
		t.Errorf("decoding a CSV bid allocates %v times, want at most 2", allocs)
	}
	buf := make([]byte, 0, 256)
	allocs = testing.AllocsPerRun(100, func() {
		var err error
		if buf, err = enc.Encode(buf[:0], row); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0 {
		t.Errorf("encoding a CSV bid allocates %v times, want 0", allocs)
	}
	if string(buf) != string(bidCSV) {
		t.Errorf("bid re-encoded as\n%s\nwant\n%s", buf, bidCSV)
	}
}

func BenchmarkCSVDecodeBid(b *testing.B) {
	dec, _ := NewCSVDecoder(bidSchema, CSVOptions{})
	benchDecode(b, dec, bidSchema.Len(), bidCSV)
}

func BenchmarkCSVEncodeBid(b *testing.B) {
	dec, _ := NewCSVDecoder(bidSchema, CSVOptions{})
	enc, _ := NewCSVEncoder(bidSchema, CSVOptions{})
	row := make(types.Row, bidSchema.Len())
	if err := dec.Decode(bidCSV, row); err != nil {
		b.Fatal(err)
	}
	benchEncode(b, enc, row)
}
