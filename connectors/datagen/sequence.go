package datagen

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	"riffle/connectors/gen"
	"riffle/sql/types"
)

// sequence makes a sequence column: row n holds start + n, up to end, which
// bounds the table (end - start + 1 rows). Strings hold the number as text.
func sequence(s *spec) (valueFunc, int64, error) {
	for _, p := range []string{"start", "end"} {
		if _, ok := s.opts[p]; !ok {
			return nil, 0, gen.Bad(s.keys["kind"], "a sequence needs 'fields.%s.start' and 'fields.%s.end'", s.path, s.path)
		}
	}
	switch {
	case s.t.IsInteger() || s.t.IsString():
		lo, hi := intRange(s.t.ID)
		start, err := s.intOpt("start", lo, hi)
		if err != nil {
			return nil, 0, err
		}
		end, err := s.intOpt("end", lo, hi)
		if err != nil {
			return nil, 0, err
		}
		if end < start {
			return nil, 0, s.bad("end", "'%s' (%d) is below '%s' (%d)", s.keys["end"], end, s.keys["start"], start)
		}
		n := int64(math.MaxInt64)
		if d := uint64(end) - uint64(start); d < math.MaxInt64 {
			n = int64(d) + 1
		}
		if s.t.IsString() {
			return func(_ *gen.Rand, n, _ int64) types.Value {
				return types.NewString(strconv.FormatInt(start+n, 10))
			}, n, nil
		}
		return func(_ *gen.Rand, n, _ int64) types.Value { return types.NewInt(start + n) }, n, nil
	case s.t.IsFloat():
		start, err := s.floatOpt("start")
		if err != nil {
			return nil, 0, err
		}
		end, err := s.floatOpt("end")
		if err != nil {
			return nil, 0, err
		}
		if end < start {
			return nil, 0, s.bad("end", "'%s' is below '%s'", s.keys["end"], s.keys["start"])
		}
		f32 := s.t.ID == types.Float
		return func(_ *gen.Rand, n, _ int64) types.Value {
			v := start + float64(n)
			if f32 {
				v = float64(float32(v))
			}
			return types.NewFloat(v)
		}, int64(math.Min(math.Floor(end-start), math.MaxInt64-1)) + 1, nil
	}
	// DECIMAL
	start, err := s.decOpt("start")
	if err != nil {
		return nil, 0, err
	}
	end, err := s.decOpt("end")
	if err != nil {
		return nil, 0, err
	}
	if end.Cmp(start) < 0 {
		return nil, 0, s.bad("end", "'%s' is below '%s'", s.keys["end"], s.keys["start"])
	}
	span := new(big.Int).Quo(&end.Sub(start).Unscaled, pow10(s.t.Scale))
	n := int64(math.MaxInt64)
	if span.IsInt64() && span.Int64() < math.MaxInt64 {
		n = span.Int64() + 1
	}
	return func(_ *gen.Rand, n, _ int64) types.Value {
		return types.NewDecimal(start.Add(types.DecFromInt(n)).Rescale(int32(s.t.Scale)))
	}, n, nil
}

func (s *spec) intOpt(p string, lo, hi int64) (int64, error) {
	v, err := strconv.ParseInt(strings.TrimSpace(s.opts[p]), 10, 64)
	if err != nil || v < lo || v > hi {
		return 0, s.bad(p, "'%s' must be an integer from %d to %d, not %q", s.keys[p], lo, hi, s.opts[p])
	}
	return v, nil
}

func (s *spec) floatOpt(p string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s.opts[p]), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || s.t.ID == types.Float && math.Abs(v) > math.MaxFloat32 {
		return 0, s.bad(p, "'%s' must be a %s number, not %q", s.keys[p], s.t, s.opts[p])
	}
	return v, nil
}

// decOpt reads a DECIMAL option at the column's scale, within its
// precision.
func (s *spec) decOpt(p string) (*types.Dec, error) {
	d, err := types.ParseDec(s.opts[p])
	if err == nil {
		d = d.Rescale(int32(s.t.Scale))
		if new(big.Int).Abs(&d.Unscaled).Cmp(pow10(s.t.Precision)) >= 0 {
			err = strconv.ErrRange
		}
	}
	if err != nil {
		return nil, s.bad(p, "'%s' must be a %s number, not %q", s.keys[p], s.t, s.opts[p])
	}
	return d, nil
}

func pow10(n int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }
