package expr

import (
	"testing"

	"riffle/planner/scalar"
	"riffle/sql/types"
)

func benchRows(n int) []types.Row {
	rows := make([]types.Row, n)
	for i := range rows {
		s := "y"
		if i%3 == 0 {
			s = "x"
		}
		rows[i] = types.Row{types.NewInt(int64(i % 100)), types.NewString(s), types.NewInt(int64(1000 + i))}
	}
	return rows
}

func mustResolve(b *testing.B, fn string, args ...scalar.Expr) scalar.Expr {
	e, err := scalar.Resolve(fn, args)
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// BenchmarkNexmarkQ1 evaluates Nexmark q1's 0.908 * price, price a BIGINT:
// one allocation per row for the DECIMAL result.
func BenchmarkNexmarkQ1(b *testing.B) {
	dec, _ := types.ParseDec("0.908")
	e := mustResolve(b, "*",
		&scalar.Const{V: types.NewDecimal(dec), T: types.Type{ID: types.Decimal, Precision: 3, Scale: 3}},
		&scalar.ColRef{Idx: 2, Name: "price", T: types.TBigInt})
	f, err := Compile(e)
	if err != nil {
		b.Fatal(err)
	}
	rows := benchRows(1024)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, r := range rows {
			if _, err := f(r); err != nil {
				b.Fatal(err)
			}
		}
	}
	reportRows(b, len(rows))
}

// BenchmarkFilter evaluates a > 10 AND b = 'x' as a predicate: no
// allocation per row.
func BenchmarkFilter(b *testing.B) {
	a := &scalar.ColRef{Idx: 0, Name: "a", T: types.TInt}
	s := &scalar.ColRef{Idx: 1, Name: "b", T: types.TString}
	e := mustResolve(b, "and",
		mustResolve(b, ">", a, &scalar.Const{V: types.NewInt(10), T: types.TInt}),
		mustResolve(b, "=", s, &scalar.Const{V: types.NewString("x"), T: types.TUnknown}))
	pred, err := CompilePredicate(e)
	if err != nil {
		b.Fatal(err)
	}
	rows := benchRows(1024)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		for _, r := range rows {
			ok, err := pred(r)
			if err != nil {
				b.Fatal(err)
			}
			if ok {
				n++
			}
		}
	}
	reportRows(b, len(rows))
	_ = n
}

// reportRows reports ns/row and rows/s: the loops run on one goroutine, so
// rows/s is the figure per core.
func reportRows(b *testing.B, perOp int) {
	rows := float64(b.N * perOp)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/rows, "ns/row")
	b.ReportMetric(rows/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkProjectFilter is a representative SELECT over a batch: WHERE
// a > 10 AND b LIKE 'x%', then a projection of three expressions (integer
// arithmetic, a CASE, and a string concatenation, which allocates).
func BenchmarkProjectFilter(b *testing.B) {
	a := &scalar.ColRef{Idx: 0, Name: "a", T: types.TInt}
	s := &scalar.ColRef{Idx: 1, Name: "b", T: types.TString}
	c := &scalar.ColRef{Idx: 2, Name: "c", T: types.TInt}
	pred, err := CompilePredicate(mustResolve(b, "and",
		mustResolve(b, ">", a, &scalar.Const{V: types.NewInt(10), T: types.TInt}),
		mustResolve(b, "like", s, &scalar.Const{V: types.NewString("x%"), T: types.TUnknown})))
	if err != nil {
		b.Fatal(err)
	}
	exprs := []scalar.Expr{
		mustResolve(b, "+", mustResolve(b, "*", a, c), &scalar.Const{V: types.NewInt(1), T: types.TInt}),
		&scalar.Case{T: types.TString, Whens: []scalar.When{{
			Cond: mustResolve(b, ">", c, &scalar.Const{V: types.NewInt(1500), T: types.TInt}),
			Then: &scalar.Const{V: types.NewString("big"), T: types.TString}}},
			Else: &scalar.Const{V: types.NewString("small"), T: types.TString}},
		mustResolve(b, "||", s, &scalar.Const{V: types.NewString("!"), T: types.TUnknown}),
	}
	fs := make([]Func, len(exprs))
	for i, e := range exprs {
		if fs[i], err = Compile(e); err != nil {
			b.Fatal(err)
		}
	}
	rows := benchRows(1024)
	out := make(types.Row, len(fs))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, r := range rows {
			ok, err := pred(r)
			if err != nil {
				b.Fatal(err)
			}
			if !ok {
				continue
			}
			for j, f := range fs {
				if out[j], err = f(r); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	reportRows(b, len(rows))
}
