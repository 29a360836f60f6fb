package datagen

import (
	"fmt"
	"slices"
	"testing"

	"riffle/connectors/gen"
	"riffle/sql/types"
)

func fill(src *Source, width int, first, stride, count int64) []types.Row {
	rows := make([]types.Row, count)
	for i := range rows {
		rows[i] = make(types.Row, width)
	}
	src.Fill(first, stride, rows)
	return rows
}

func newSource(t *testing.T, ddl string) (*Source, gen.Table) {
	t.Helper()
	tab := table(t, ddl)
	src, err := New(tab)
	if err != nil {
		t.Fatal(err)
	}
	return src, tab
}

// TestSplitsAndDeterminism: k splits make exactly the rows one split
// makes, a second source of the same table makes the same rows, and a
// column's values do not depend on the other columns.
func TestSplitsAndDeterminism(t *testing.T) {
	ddl := `CREATE TABLE t (id INT, a BIGINT, s STRING, ts TIMESTAMP(3)) WITH ('connector' = 'datagen',
		'base-time' = '0', 'number-of-rows' = '1001', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1',
		'fields.id.end' = '5000', 'fields.s.length' = '4', 'fields.ts.max-past' = '5s')`
	src, tab := newSource(t, ddl)
	n, ends := src.Len()
	if n != 1001 || !ends {
		t.Fatalf("Len %d %v, want number-of-rows' 1001", n, ends)
	}
	render := func(rows []types.Row) []string {
		out := make([]string, len(rows))
		for i, r := range rows {
			out[i] = fmt.Sprint(r)
		}
		slices.Sort(out)
		return out
	}
	one := render(fill(src, 4, 0, 1, n))
	for k := 2; k <= 4; k++ {
		var all []types.Row
		for s := range k {
			all = append(all, fill(src, 4, int64(s), int64(k), gen.SplitLen(n, s, k))...)
		}
		if !slices.Equal(render(all), one) {
			t.Fatalf("%d splits differ from one", k)
		}
	}
	again, _ := New(tab)
	if !slices.Equal(render(fill(again, 4, 0, 1, n)), one) {
		t.Fatal("a second source of the table makes other rows")
	}
	// Another column in front leaves a's values as they were.
	wider, _ := newSource(t, `CREATE TABLE t (id INT, a BIGINT, x DOUBLE) WITH ('connector' = 'datagen', 'base-time' = '0',
		'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '5000')`)
	w := fill(wider, 3, 0, 1, 50)
	o := fill(src, 4, 0, 1, 50)
	for i := range w {
		if types.Compare(w[i][1], o[i][1]) != 0 {
			t.Fatalf("row %d: column a is %v beside x, %v without", i, w[i][1], o[i][1])
		}
	}
}

// TestBounds: random values stay within min and max and cover them; the
// null rate is kept; a sequence bounds the table.
func TestBounds(t *testing.T) {
	src, _ := newSource(t, `CREATE TABLE t (i INT, d DECIMAL(5, 2), f FLOAT, s VARCHAR, n BIGINT) WITH ('connector' = 'datagen',
		'base-time' = '0', 'fields.i.min' = '-3', 'fields.i.max' = '3', 'fields.d.min' = '-1.5', 'fields.d.max' = '2.25',
		'fields.f.min' = '10', 'fields.f.max' = '20', 'fields.s.length' = '7', 'fields.s.var-len' = 'true',
		'fields.n.null-rate' = '0.25')`)
	rows := fill(src, 5, 0, 1, 20_000)
	seen := map[int64]bool{}
	nulls := 0
	lo, hi := types.Value{}, types.Value{}
	for _, r := range rows {
		if r[0].I < -3 || r[0].I > 3 {
			t.Fatalf("i = %d", r[0].I)
		}
		seen[r[0].I] = true
		d := r[1]
		if lo.IsNull() || types.Compare(d, lo) < 0 {
			lo = d
		}
		if hi.IsNull() || types.Compare(d, hi) > 0 {
			hi = d
		}
		if f := r[2].Float(); f < 10 || f >= 20 {
			t.Fatalf("f = %v", f)
		}
		if l := len(r[3].S); l < 1 || l > 7 {
			t.Fatalf("s = %q", r[3].S)
		}
		if r[4].IsNull() {
			nulls++
		}
	}
	if len(seen) != 7 {
		t.Errorf("i took %d values, want all 7 of -3..3", len(seen))
	}
	if lo.Dec().String() != "-1.50" || hi.Dec().String() != "2.25" {
		t.Errorf("d spans %s..%s, want -1.50..2.25", lo.Dec(), hi.Dec())
	}
	if nulls < 4700 || nulls > 5300 {
		t.Errorf("%d NULLs in 20,000 rows at a rate of 0.25", nulls)
	}
	seq, _ := newSource(t, `CREATE TABLE t (a INT, b INT) WITH ('connector' = 'datagen', 'number-of-rows' = '100',
		'fields.a.kind' = 'sequence', 'fields.a.start' = '-5', 'fields.a.end' = '5', 'fields.b.kind' = 'sequence',
		'fields.b.start' = '1', 'fields.b.end' = '50')`)
	if n, _ := seq.Len(); n != 11 {
		t.Errorf("sequences of 11 and 50 rows and number-of-rows 100: %d rows, want 11", n)
	}
}

// TestNominalTime: time columns follow the row's due time.
func TestNominalTime(t *testing.T) {
	src, _ := newSource(t, `CREATE TABLE t (ts TIMESTAMP(3), d DATE) WITH ('connector' = 'datagen',
		'base-time' = '2024-01-01 23:59:59', 'rows-per-second' = '4')`)
	rows := fill(src, 2, 0, 1, 9)
	for i, r := range rows {
		want := int64(1704153599000+250*i) * 1000
		if r[0].I != want {
			t.Errorf("row %d: ts %d, want %d", i, r[0].I, want)
		}
		day := int64(19723)
		if i >= 4 {
			day++
		}
		if r[1].I != day {
			t.Errorf("row %d: date %d, want %d", i, r[1].I, day)
		}
	}
}
