package state

import (
	"bytes"
	"math"
	"math/big"
	"math/rand"
	"testing"

	"riffle/sql/types"
)

// genValue returns a random value of kind k, drawn from small domains so that
// equal and adjacent values come up often. One value in eight is NULL.
func genValue(rng *rand.Rand, k types.Kind, depth int) types.Value {
	if rng.Intn(8) == 0 {
		return types.Null
	}
	switch k {
	case types.KBool:
		return types.NewBool(rng.Intn(2) == 1)
	case types.KInt, types.KDate, types.KTime, types.KTimestamp, types.KInterval:
		return types.Value{K: k, I: genInt(rng)}
	case types.KFloat:
		return types.NewFloat(genFloat(rng))
	case types.KDecimal:
		return types.NewDecimal(genDec(rng))
	case types.KString, types.KBytes, types.KJSON:
		return types.Value{K: k, S: genString(rng)}
	case types.KArray, types.KMap, types.KRow:
		if depth > 2 {
			return types.Null
		}
		elem := listElems[depth]
		list := make([]types.Value, rng.Intn(4))
		for i := range list {
			list[i] = genValue(rng, elem, depth+1)
		}
		return types.Value{K: k, X: list}
	}
	return types.Null
}

// listElems holds the element kinds of lists at each depth, so that lists
// generated between two calls of pickListElems compare like a typed column's
// (types.Compare mixes INT and DOUBLE numerically, which keys do not).
var listElems = []types.Kind{types.KInt, types.KArray, types.KString, types.KInt}

func pickListElems(rng *rand.Rand) {
	for i := range listElems {
		listElems[i] = scalarKinds[rng.Intn(len(scalarKinds))]
		if i < 2 && rng.Intn(3) == 0 {
			listElems[i] = types.KRow
		}
	}
}

var scalarKinds = []types.Kind{
	types.KBool, types.KInt, types.KFloat, types.KDecimal, types.KString, types.KBytes,
	types.KDate, types.KTime, types.KTimestamp, types.KInterval, types.KJSON,
}

var allKinds = append(append([]types.Kind{}, scalarKinds...), types.KArray, types.KMap, types.KRow)

func genInt(rng *rand.Rand) int64 {
	switch rng.Intn(4) {
	case 0:
		return []int64{math.MinInt64, math.MaxInt64, 0, -1, 1, math.MinInt64 + 1}[rng.Intn(6)]
	case 1:
		return rng.Int63() - rng.Int63()
	}
	return int64(rng.Intn(11) - 5)
}

func genFloat(rng *rand.Rand) float64 {
	switch rng.Intn(4) {
	case 0:
		return []float64{math.Inf(1), math.Inf(-1), math.NaN(), math.Copysign(0, -1), 0,
			math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, math.MaxFloat64}[rng.Intn(8)]
	case 1:
		return rng.NormFloat64() * 1e10
	}
	return float64(rng.Intn(9)-4) / 2
}

func genDec(rng *rand.Rand) *types.Dec {
	d := &types.Dec{Scale: int32(rng.Intn(6))}
	switch rng.Intn(3) {
	case 0:
		d.Unscaled.SetInt64(int64(rng.Intn(2001) - 1000))
	case 1:
		// Same small number at different scales: 15, 1.50, 0.150 …
		d.Unscaled.SetInt64(int64(rng.Intn(5)-2) * 15)
		d.Unscaled.Mul(&d.Unscaled, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.Scale)), nil))
		d.Scale += int32(rng.Intn(3))
	default:
		d.Unscaled.Rand(rng, new(big.Int).Exp(big.NewInt(10), big.NewInt(40), nil))
		if rng.Intn(2) == 0 {
			d.Unscaled.Neg(&d.Unscaled)
		}
		d.Scale = int32(rng.Intn(40))
	}
	return d
}

func genString(rng *rand.Rand) string {
	const alphabet = "\x00\x01ab\xff"
	b := make([]byte, rng.Intn(5))
	for i := range b {
		b[i] = alphabet[rng.Intn(len(alphabet))]
	}
	return string(b)
}

func sign(c int) int {
	switch {
	case c < 0:
		return -1
	case c > 0:
		return 1
	}
	return 0
}

// TestKeyOrder checks, for random pairs of values of each kind, that the
// byte order of the encodings is types.Compare's order, both directions.
func TestKeyOrder(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, k := range allKinds {
		for i := 0; i < 3000; i++ {
			if i%50 == 0 {
				pickListElems(rng)
			}
			a, b := genValue(rng, k, 0), genValue(rng, k, 0)
			want := sign(types.Compare(a, b))
			if got := sign(bytes.Compare(AppendKey(nil, a), AppendKey(nil, b))); got != want {
				t.Fatalf("%v: asc %s vs %s: bytes %d, Compare %d", k, show(a), show(b), got, want)
			}
			if got := sign(bytes.Compare(AppendKeyDesc(nil, a), AppendKeyDesc(nil, b))); got != -want {
				t.Fatalf("%v: desc %s vs %s: bytes %d, Compare %d", k, show(a), show(b), got, want)
			}
		}
	}
}

// TestTupleKeyOrder checks that tuples of values sort as types.CompareRows
// and that a leading column's encoding is a prefix of the tuple's.
func TestTupleKeyOrder(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for i := 0; i < 5000; i++ {
		kinds := []types.Kind{types.KInt, types.KString, types.KDecimal}
		a, b := make(types.Row, 3), make(types.Row, 3)
		for j, k := range kinds {
			a[j], b[j] = genValue(rng, k, 0), genValue(rng, k, 0)
		}
		ka, kb := AppendTupleKey(nil, a), AppendTupleKey(nil, b)
		if got, want := sign(bytes.Compare(ka, kb)), sign(types.CompareRows(a, b)); got != want {
			t.Fatalf("%v vs %v: bytes %d, CompareRows %d", a, b, got, want)
		}
		if !bytes.HasPrefix(ka, AppendKey(nil, a[0])) {
			t.Fatalf("%v: first column is not a prefix", a)
		}
		back, rest, err := DecodeTupleKey(ka, 3, nil)
		if err != nil || len(rest) != 0 || types.CompareRows(back, a) != 0 {
			t.Fatalf("%v: decoded %v rest %x err %v", a, back, rest, err)
		}
	}
}

// TestKeyRoundTrip checks that decoding gives back a value equal under
// types.Compare that encodes to the same bytes, in both directions, with
// trailing bytes left alone.
func TestKeyRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for _, k := range allKinds {
		for i := 0; i < 2000; i++ {
			v := genValue(rng, k, 0)
			for _, desc := range []bool{false, true} {
				enc := AppendKey(nil, v)
				if desc {
					enc = AppendKeyDesc(nil, v)
				}
				got, rest, err := DecodeKey(append(enc, 0x42))
				if err != nil {
					t.Fatalf("%v %s desc=%v: %v", k, show(v), desc, err)
				}
				if len(rest) != 1 || rest[0] != 0x42 {
					t.Fatalf("%v %s desc=%v: rest %x", k, show(v), desc, rest)
				}
				if types.Compare(got, v) != 0 || got.K != v.K {
					t.Fatalf("%v %s desc=%v: decoded %s", k, show(v), desc, show(got))
				}
			}
		}
	}
}

func TestKeyDecimalScale(t *testing.T) {
	for _, s := range []string{"1.50", "1500", "-0.0012", "0.000", "1e3", "-120.00"} {
		d, err := types.ParseDec(s)
		if err != nil {
			t.Fatal(err)
		}
		v, _, err := DecodeKey(AppendKey(nil, types.NewDecimal(d)))
		if err != nil {
			t.Fatal(err)
		}
		if v.Dec().Cmp(d) != 0 || v.Dec().Scale < 0 {
			t.Errorf("%s decoded as %s (scale %d)", s, v.Dec(), v.Dec().Scale)
		}
	}
}

// TestKeyDecodeGarbage feeds random and truncated bytes to DecodeKey: it
// must return errors, not panic.
func TestKeyDecodeGarbage(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	for i := 0; i < 20000; i++ {
		b := make([]byte, rng.Intn(24))
		rng.Read(b)
		_, _, _ = DecodeKey(b)
	}
	for _, k := range allKinds {
		enc := AppendKey(nil, genValue(rng, k, 0))
		for n := 0; n < len(enc); n++ {
			if _, _, err := DecodeKey(enc[:n]); err == nil && n < len(enc) && !prefixDecodes(enc[:n]) {
				t.Fatalf("%v: truncated %x decoded without error", k, enc[:n])
			}
		}
	}
}

// prefixDecodes reports whether b is itself a complete encoding (a list
// prefix can be, e.g. an empty string inside a truncated array is not, but
// a NULL tag alone is).
func prefixDecodes(b []byte) bool {
	_, rest, err := DecodeKey(b)
	return err == nil && len(rest) == 0
}

// TestRowRoundTrip checks that rows come back exactly: same kinds, same
// bits, same decimal scales.
func TestRowRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	var into types.Row
	for i := 0; i < 5000; i++ {
		r := make(types.Row, rng.Intn(6))
		for j := range r {
			r[j] = genValue(rng, allKinds[rng.Intn(len(allKinds))], 0)
		}
		enc := AppendRow(nil, r)
		var err error
		into, err = DecodeRow(enc, into)
		if err != nil {
			t.Fatalf("%v: %v", r, err)
		}
		if !identicalRows(into, r) {
			t.Fatalf("row %v decoded as %v", r, into)
		}
	}
}

func identicalRows(a, b types.Row) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !identical(a[i], b[i]) {
			return false
		}
	}
	return true
}

// identical is stricter than types.Equal: the scale of a decimal and the
// bits of a float must match too.
func identical(a, b types.Value) bool {
	if a.K != b.K || a.I != b.I || a.S != b.S {
		return false
	}
	switch a.K {
	case types.KDecimal:
		return a.Dec().Scale == b.Dec().Scale && a.Dec().Unscaled.Cmp(&b.Dec().Unscaled) == 0
	case types.KArray, types.KMap, types.KRow:
		return identicalRows(a.List(), b.List())
	}
	return true
}

func TestRowDecodeGarbage(t *testing.T) {
	rng := rand.New(rand.NewSource(6))
	for i := 0; i < 20000; i++ {
		b := make([]byte, rng.Intn(32))
		rng.Read(b)
		_, _ = DecodeRow(b, nil)
	}
	r := types.Row{types.NewInt(7), types.NewString("hello"), types.NewDecimal(types.DecFromInt(-3))}
	enc := AppendRow(nil, r)
	for n := 0; n < len(enc); n++ {
		if _, err := DecodeRow(enc[:n], nil); err == nil {
			t.Fatalf("truncated row %x decoded without error", enc[:n])
		}
	}
	if _, err := DecodeRow(append(enc, 0), nil); err == nil {
		t.Fatal("row with trailing byte decoded without error")
	}
}

func FuzzDecodeRow(f *testing.F) {
	f.Add(AppendRow(nil, types.Row{types.NewInt(1), types.NewString("x"), types.Null}))
	f.Add(AppendRow(nil, types.Row{types.Value{K: types.KArray, X: []types.Value{types.NewFloat(1.5)}}}))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeRow(b, nil)
		if err != nil {
			return
		}
		// Whatever decodes must survive another round trip unchanged
		// (not byte for byte: varints may be padded in garbage).
		again, err := DecodeRow(AppendRow(nil, r), nil)
		if err != nil || !identicalRows(again, r) {
			t.Fatalf("%x decoded as %v, then as %v (%v)", b, r, again, err)
		}
	})
}

func FuzzDecodeKey(f *testing.F) {
	f.Add(AppendTupleKey(nil, types.Row{types.NewInt(1), types.NewString("a\x00b")}))
	f.Add(AppendKeyDesc(nil, types.NewDecimal(types.DecFromInt(-42))))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _, _ = DecodeKey(b)
	})
}

func show(v types.Value) string {
	switch v.K {
	case types.KNull:
		return "NULL"
	case types.KDecimal:
		return "dec(" + v.Dec().String() + ")"
	case types.KFloat:
		return "float(" + big.NewFloat(0).SetFloat64(clampNaN(v.Float())).String() + ")"
	case types.KArray, types.KMap, types.KRow:
		s := "["
		for i, e := range v.List() {
			if i > 0 {
				s += ","
			}
			s += show(e)
		}
		return s + "]"
	}
	return types.Text(v, types.Type{})
}

func clampNaN(f float64) float64 {
	if math.IsNaN(f) {
		return math.MaxFloat64
	}
	return f
}
