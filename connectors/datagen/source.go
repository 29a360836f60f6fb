package datagen

import (
	"math"
	"strings"

	"riffle/connectors/gen"
	"riffle/sql/types"
)

// Source is a datagen table.
type Source struct {
	rows   int64   // -1: unbounded
	rate   float64 // rows per second
	splits int
	seed   uint64
	base   int64 // µs: the nominal time of row 0
	cols   []column
}

var _ gen.Source = (*Source)(nil)

// column is one generated column: where it goes, how its values are made,
// and its share of NULLs.
type column struct {
	idx  int
	seed uint64 // the column's own random stream
	f    valueFunc
}

// valueFunc makes the value of row n at nominal time now (µs).
type valueFunc func(r *gen.Rand, n, now int64) types.Value

// New builds the source of a datagen table, checking its columns and
// options. An error is a *gen.OptionError naming the option or column.
func New(t gen.Table) (*Source, error) {
	o := gen.NewOptions("datagen", t.Options)
	common, err := o.Common()
	if err != nil {
		return nil, err
	}
	rps, err := o.Float("rows-per-second", 10000, 0, 1e12)
	if err != nil {
		return nil, err
	}
	if rps == 0 {
		return nil, gen.Bad("rows-per-second", "'rows-per-second' must be above 0").
			WithHint("a datagen table is always paced; give a large rate to generate as fast as the query reads")
	}
	rows, err := o.Int("number-of-rows", -1, 0, math.MaxInt64)
	if err != nil {
		return nil, err
	}
	var specs []*spec
	for _, i := range t.Fill {
		c := t.Schema.Columns[i]
		specs = append(specs, newSpec(strings.ToLower(c.Name), c.Name, c.Type, !c.Nullable))
	}
	if err := fieldOptions(o, t.Options, specs); err != nil {
		return nil, err
	}
	if err := o.Unknown(known(specs)); err != nil {
		return nil, err
	}
	s := &Source{rows: rows, rate: rps, splits: common.Splits, seed: common.Seed, base: common.BaseTime * 1000}
	for k, i := range t.Fill {
		f, n, err := build(specs[k])
		if err != nil {
			return nil, err
		}
		if n >= 0 && (s.rows < 0 || n < s.rows) {
			s.rows = n // a sequence ends the table
		}
		s.cols = append(s.cols, column{idx: i, seed: common.Seed ^ uint64(k+1)*0x9e3779b97f4a7c15, f: f})
	}
	return s, nil
}

// Len is 'number-of-rows', or the length of the shortest sequence if less;
// -1 without either. The table ends after its last row.
func (s *Source) Len() (int64, bool) { return s.rows, true }

// Splits is 'scan.parallelism'.
func (s *Source) Splits() int { return s.splits }

// Rate is 'rows-per-second'.
func (s *Source) Rate() float64 { return s.rate }

// Now is the nominal time of row n, µs since the epoch: when it comes due.
func (s *Source) Now(n int64) int64 {
	return s.base + int64(float64(n)*1e6/s.rate)
}

// Fill generates rows first, first+stride, …
func (s *Source) Fill(first, stride int64, rows []types.Row) {
	var r gen.Rand
	for i, row := range rows {
		n := first + int64(i)*stride
		now := s.Now(n)
		for _, c := range s.cols {
			r.Seed(c.seed, n)
			row[c.idx] = c.f(&r, n, now)
		}
	}
}
