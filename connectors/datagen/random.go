package datagen

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	"riffle/connectors/gen"
	"riffle/sql/types"
)

// random makes a random column of any type, within its options.
func random(s *spec) (valueFunc, int64, error) {
	t := s.t
	switch {
	case t.ID == types.Boolean:
		return func(r *gen.Rand, _, _ int64) types.Value { return types.NewBool(r.Intn(2) == 1) }, -1, nil
	case t.IsInteger():
		lo, hi := intRange(t.ID)
		return intRandom(s, lo, hi, types.NewInt)
	case t.IsFloat():
		return floatRandom(s)
	case t.ID == types.Decimal:
		return decimalRandom(s)
	case t.ID == types.IntervalYM:
		// Months; Flink's INTERVAL YEAR TO MONTH. A century unless bounded.
		return intRandom(s, 0, 1200, types.NewInterval)
	case t.ID == types.IntervalDT:
		// Given in milliseconds, as Flink's INTERVAL DAY TO SECOND is
		// held; a day unless bounded.
		return intRandom(s, 0, 86_400_000, func(ms int64) types.Value { return types.NewInterval(ms * 1000) })
	case t.IsString(), t.ID == types.Binary, t.ID == types.Varbinary, t.ID == types.JSON:
		return bytesRandom(s)
	case t.ID == types.Date:
		return func(_ *gen.Rand, _, now int64) types.Value { return types.NewDate(floorDiv(now, 86_400e6)) }, -1, nil
	case t.ID == types.Time:
		p := t.Precision
		return func(_ *gen.Rand, _, now int64) types.Value {
			return types.NewTime(truncate(now-floorDiv(now, 86_400e6)*86_400e6, p))
		}, -1, nil
	case t.ID == types.Timestamp, t.ID == types.TimestampLTZ:
		return timestampRandom(s)
	case t.ID == types.Array, t.ID == types.Map:
		return collectionRandom(s)
	case t.ID == types.RowType:
		return rowRandom(s)
	}
	return nil, 0, gen.BadColumn(strings.SplitN(s.name, ".", 2)[0], "datagen cannot generate %s values", t)
}

// intRandom is uniform on ['min', 'max'], by default [lo, hi].
func intRandom(s *spec, lo, hi int64, mk func(int64) types.Value) (valueFunc, int64, error) {
	tlo, thi := lo, hi
	if s.t.IsInteger() {
		tlo, thi = intRange(s.t.ID)
	} else {
		tlo, thi = math.MinInt64/1000, math.MaxInt64/1000
	}
	var err error
	if _, ok := s.opts["min"]; ok {
		if lo, err = s.intOpt("min", tlo, thi); err != nil {
			return nil, 0, err
		}
	}
	if _, ok := s.opts["max"]; ok {
		if hi, err = s.intOpt("max", tlo, thi); err != nil {
			return nil, 0, err
		}
	}
	if hi < lo {
		return nil, 0, s.bad("max", "'%s' (%d) is below the minimum (%d)", s.keys["max"], hi, lo)
	}
	return func(r *gen.Rand, _, _ int64) types.Value { return mk(r.Range(lo, hi)) }, -1, nil
}

// floatRandom is uniform on ['min', 'max'), by default the type's range.
func floatRandom(s *spec) (valueFunc, int64, error) {
	lo, hi := -math.MaxFloat64, math.MaxFloat64
	f32 := s.t.ID == types.Float
	if f32 {
		lo, hi = -math.MaxFloat32, math.MaxFloat32
	}
	var err error
	if _, ok := s.opts["min"]; ok {
		if lo, err = s.floatOpt("min"); err != nil {
			return nil, 0, err
		}
	}
	if _, ok := s.opts["max"]; ok {
		if hi, err = s.floatOpt("max"); err != nil {
			return nil, 0, err
		}
	}
	if hi < lo {
		return nil, 0, s.bad("max", "'%s' is below the minimum", s.keys["max"])
	}
	return func(r *gen.Rand, _, _ int64) types.Value {
		v := r.Between(lo, hi)
		if f32 {
			v = float64(float32(v))
		}
		return types.NewFloat(v)
	}, -1, nil
}

// decimalRandom is uniform over the values of the column's scale in
// ['min', 'max'], by default every value of its precision.
func decimalRandom(s *spec) (valueFunc, int64, error) {
	limit := new(big.Int).Sub(pow10(s.t.Precision), big.NewInt(1))
	lo, hi := new(big.Int).Neg(limit), limit
	for _, p := range []string{"min", "max"} {
		if _, ok := s.opts[p]; !ok {
			continue
		}
		d, err := s.decOpt(p)
		if err != nil {
			return nil, 0, err
		}
		if p == "min" {
			lo = &d.Unscaled
		} else {
			hi = &d.Unscaled
		}
	}
	if hi.Cmp(lo) < 0 {
		return nil, 0, s.bad("max", "'%s' is below the minimum", s.keys["max"])
	}
	scale := int32(s.t.Scale)
	if lo.IsInt64() && hi.IsInt64() {
		l, h := lo.Int64(), hi.Int64()
		return func(r *gen.Rand, _, _ int64) types.Value {
			d := &types.Dec{Scale: scale}
			d.Unscaled.SetInt64(r.Range(l, h))
			return types.NewDecimal(d)
		}, -1, nil
	}
	span := new(big.Int).Add(new(big.Int).Sub(hi, lo), big.NewInt(1))
	words := span.BitLen()/64 + 2 // enough bits that the modulo's bias is negligible
	return func(r *gen.Rand, _, _ int64) types.Value {
		x := new(big.Int)
		for range words {
			x.Lsh(x, 64).Or(x, new(big.Int).SetUint64(r.Uint64()))
		}
		d := &types.Dec{Scale: scale}
		d.Unscaled.Add(lo, x.Mod(x, span))
		return types.NewDecimal(d)
	}, -1, nil
}

// bytesRandom makes strings of random lower-case hex, and byte strings of
// random bytes: 'length' long (default 100, or the declared length if
// shorter), or from 1 to 'length' with 'var-len'. A JSON column holds a
// JSON string of such hex.
func bytesRandom(s *spec) (valueFunc, int64, error) {
	declared := s.t.Length // 0: unbounded
	length := int64(100)
	if declared > 0 && (s.t.ID == types.Char || s.t.ID == types.Binary || declared < 100) {
		length = int64(declared)
	}
	if _, ok := s.opts["length"]; ok {
		hi := int64(1 << 20)
		if declared > 0 {
			hi = int64(declared)
		}
		var err error
		if length, err = s.intOpt("length", 0, hi); err != nil {
			return nil, 0, err
		}
	}
	varLen := false
	if v, ok := s.opts["var-len"]; ok {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return nil, 0, s.bad("var-len", "'%s' must be 'true' or 'false', not %q", s.keys["var-len"], v)
		}
		varLen = b
	}
	n := int(length)
	id := s.t.ID
	return func(r *gen.Rand, _, _ int64) types.Value {
		k := n
		if varLen && n > 0 {
			k = 1 + r.Intn(n)
		}
		switch id {
		case types.Binary, types.Varbinary:
			b := make([]byte, k)
			for i := range b {
				b[i] = byte(r.Intn(256))
			}
			return types.Value{K: types.KBytes, S: string(b)}
		case types.JSON:
			return types.NewJSON(`"` + hex(r, k) + `"`)
		}
		return types.NewString(hex(r, k))
	}, -1, nil
}

func hex(r *gen.Rand, n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[r.Intn(16)]
	}
	return string(b)
}

// timestampRandom is the row's nominal time less a random part of
// 'max-past' (default none), at the column's precision.
func timestampRandom(s *spec) (valueFunc, int64, error) {
	var us int64
	if v, ok := s.opts["max-past"]; ok {
		k := s.keys["max-past"]
		past, ok := types.ParseDuration(v)
		if !ok || strings.TrimSpace(v) == "" {
			return nil, 0, gen.Bad(k, "'%s' must be a duration such as '600 s', '10 min' or '500 ms', not %q", k, v)
		}
		us = past.Microseconds()
	}
	p := s.t.Precision
	return func(r *gen.Rand, _, now int64) types.Value {
		if us > 0 {
			now -= r.Int63n(us + 1)
		}
		return types.NewTimestamp(truncate(now, p))
	}, -1, nil
}

// collectionRandom makes 'length' (default 3) random elements, or map
// entries, of the element types' defaults.
func collectionRandom(s *spec) (valueFunc, int64, error) {
	length := int64(3)
	if _, ok := s.opts["length"]; ok {
		var err error
		if length, err = s.intOpt("length", 0, 1<<16); err != nil {
			return nil, 0, err
		}
	}
	elem, key := elemType(s.t.Elem), elemType(s.t.Key)
	ef, _, err := build(newSpec(s.path+".element", s.name+" element", elem, false))
	if err != nil {
		return nil, 0, err
	}
	if s.t.ID == types.Array {
		return func(r *gen.Rand, n, now int64) types.Value {
			vals := make([]types.Value, length)
			for i := range vals {
				vals[i] = ef(r, n, now)
			}
			return types.Value{K: types.KArray, X: vals}
		}, -1, nil
	}
	kf, _, err := build(newSpec(s.path+".key", s.name+" key", key, false))
	if err != nil {
		return nil, 0, err
	}
	return func(r *gen.Rand, n, now int64) types.Value {
		vals := make([]types.Value, 2*length)
		for i := range length {
			vals[2*i], vals[2*i+1] = kf(r, n, now), ef(r, n, now)
		}
		return types.Value{K: types.KMap, X: vals}
	}, -1, nil
}

// rowRandom makes each field by its own options.
func rowRandom(s *spec) (valueFunc, int64, error) {
	fs := make([]valueFunc, len(s.fields))
	limit := int64(-1)
	for i, f := range s.fields {
		var n int64
		var err error
		if fs[i], n, err = build(f); err != nil {
			return nil, 0, err
		}
		if n >= 0 && (limit < 0 || n < limit) {
			limit = n
		}
	}
	return func(r *gen.Rand, n, now int64) types.Value {
		vals := make([]types.Value, len(fs))
		for i, f := range fs {
			vals[i] = f(r, n, now)
		}
		return types.Value{K: types.KRow, X: vals}
	}, limit, nil
}

func elemType(t *types.Type) types.Type {
	if t == nil {
		return types.TString
	}
	return *t
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// truncate drops the digits of a µs time beyond precision p (0–6).
func truncate(us int64, p int) int64 {
	if p >= 6 {
		return us
	}
	unit := int64(math.Pow10(6 - p))
	return floorDiv(us, unit) * unit
}
