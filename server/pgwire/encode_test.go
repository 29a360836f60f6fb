package pgwire

import (
	"testing"

	"riffle/sql/types"
)

// TestNumericBinaryRoundTrip encodes decimals in numeric_send's format and
// decodes them back to the same text.
func TestNumericBinaryRoundTrip(t *testing.T) {
	for _, s := range []string{
		"0", "0.00", "1", "-1", "10000", "12345678", "0.0001", "0.00001", "-0.5",
		"12.3456", "99999999.99999999", "1000000000000000000000000000000.000000001",
		"-12345.67890", "100", "0.1",
	} {
		d, err := types.ParseDec(s)
		if err != nil {
			t.Fatal(err)
		}
		b := appendBinaryNumeric(nil, types.NewDecimal(d))
		got, ok := numericText(b)
		if !ok || got != s {
			t.Errorf("%s: round trip gave %q (ok=%v), bytes %x", s, got, ok, b)
		}
	}
}

// TestBinaryArrayRoundTrip encodes arrays as pgx receives them and decodes
// them as the gateway reads array parameters.
func TestBinaryArrayRoundTrip(t *testing.T) {
	tt := types.Type{ID: types.Array, Elem: elem(types.TString)}
	v := types.Value{K: types.KArray, X: []types.Value{
		types.NewString("a"), types.Null, types.NewString("b c"), types.NewString(`q"`)}}
	b, err := appendBinaryValue(nil, v, tt)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := binaryParamText(b, OID(tt))
	if want := `{a,NULL,"b c","q\""}`; !ok || got != want {
		t.Errorf("got %q (ok=%v), want %q", got, ok, want)
	}
	if text := string(appendTextValue(nil, v, tt)); text != got {
		t.Errorf("text format %q differs from decoded binary %q", text, got)
	}
	if _, ok := binaryParamText(b[:len(b)-1], OID(tt)); ok {
		t.Error("truncated array accepted")
	}
}

func TestCharPosition(t *testing.T) {
	q := "select 'ë', 'ü', bad"
	for _, tc := range []struct{ pos, want int }{
		{0, 0}, {1, 1}, {9, 9}, {len(q) - 2, len(q) - 4}, {len(q) + 5, len(q) + 5},
	} {
		if got := charPosition(q, tc.pos); int(got) != tc.want {
			t.Errorf("charPosition(%d) = %d, want %d", tc.pos, got, tc.want)
		}
	}
}

func TestOIDs(t *testing.T) {
	for _, tc := range []struct {
		t    types.Type
		want string
	}{
		{types.TString, "text"},
		{types.Type{ID: types.Varchar, Length: 5}, "varchar"},
		{types.Type{ID: types.TinyInt}, "int2"},
		{types.Type{ID: types.Array, Elem: elem(types.TInt)}, "_int4"},
		{types.Type{ID: types.Array, Elem: elem(types.Type{ID: types.Array, Elem: elem(types.TInt)})}, "text"},
		{types.Type{ID: types.Map, Key: elem(types.TString), Elem: elem(types.TInt)}, "text"},
		{types.Type{ID: types.JSON}, "json"},
		{types.Type{ID: types.IntervalYM}, "interval"},
		{types.TUnknown, "unknown"},
	} {
		if got := TypeName(OID(tc.t)); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.t, got, tc.want)
		}
	}
	for _, info := range Types() {
		if info.Array != 0 {
			if a, ok := LookupOID(info.Array); !ok || a.Elem != info.OID {
				t.Errorf("%s: array type %d does not point back", info.Name, info.Array)
			}
		}
	}
}
