package scalar

import (
	"slices"
	"testing"

	"riffle/sql/types"
)

// The catalogue's typing is tested end to end by the golden files in
// testdata/expr (exec/expr's TestExpr binds every expression through
// Resolve). These tests pin the small pure helpers.

func TestFuncsSorted(t *testing.T) {
	fs := Funcs()
	if !slices.IsSorted(fs) || len(slices.Compact(slices.Clone(fs))) != len(fs) {
		t.Fatalf("Funcs not sorted and unique: %v", fs)
	}
}

func TestCommonType(t *testing.T) {
	dec := func(p, s int) types.Type { return types.Type{ID: types.Decimal, Precision: p, Scale: s} }
	ts := func(p int) types.Type { return types.Type{ID: types.Timestamp, Precision: p} }
	for _, c := range []struct {
		in   []types.Type
		want string
	}{
		{[]types.Type{types.TInt, types.TBigInt}, "BIGINT"},
		{[]types.Type{types.TInt, dec(5, 2)}, "DECIMAL(12, 2)"},
		{[]types.Type{dec(5, 2), types.TDouble}, "DOUBLE"},
		{[]types.Type{{ID: types.Float}, {ID: types.Float}}, "FLOAT"},
		{[]types.Type{types.TUnknown, types.TDate}, "DATE"},
		{[]types.Type{types.TUnknown, types.TUnknown}, "STRING"},
		{[]types.Type{types.TDate, ts(3), ts(6)}, "TIMESTAMP(6)"},
		{[]types.Type{{ID: types.Varchar, Length: 3}, {ID: types.Char, Length: 5}}, "VARCHAR(5)"},
		{[]types.Type{types.TInt, types.TBoolean}, "error"},
		{[]types.Type{types.TString, types.TInt}, "error"},
	} {
		got, err := CommonType(c.in...)
		s := got.String()
		if err != nil {
			s = "error"
		}
		if s != c.want {
			t.Errorf("CommonType(%v) = %s, want %s", c.in, s, c.want)
		}
	}
}

func TestCanCast(t *testing.T) {
	yes := [][2]types.Type{{types.TInt, types.TString}, {types.TString, types.TDate},
		{types.TDouble, types.TInt}, {types.TBoolean, types.TInt}, {types.TDate, types.TTimestamp},
		{types.TTimestamp, {ID: types.Time}}}
	no := [][2]types.Type{{types.TBoolean, types.TDouble}, {types.TDate, {ID: types.Time}},
		{types.TInt, types.TDate}, {{ID: types.IntervalDT}, {ID: types.IntervalYM}}}
	for _, c := range yes {
		if !CanCast(c[0], c[1]) {
			t.Errorf("CanCast(%s, %s) = false", c[0], c[1])
		}
	}
	for _, c := range no {
		if CanCast(c[0], c[1]) {
			t.Errorf("CanCast(%s, %s) = true", c[0], c[1])
		}
	}
}
