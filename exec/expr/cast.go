package expr

import (
	"math"
	"strconv"

	"riffle/planner/scalar"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// conv converts one non-NULL value between two fixed types.
type conv func(types.Value) (types.Value, error)

func (env Env) compileCast(e *scalar.Cast) (Func, error) {
	arg, err := env.compile(e.Arg)
	if err != nil {
		return nil, err
	}
	from, to := e.Arg.Type(), e.T
	if from.Equal(to) {
		return arg, nil
	}
	if env.Zone != nil {
		// An instant becomes wall-clock time in the session zone before it
		// converts like a TIMESTAMP; a wall-clock time becomes an instant
		// after converting to TIMESTAMP.
		switch {
		case from.ID == types.TimestampLTZ && to.ID != types.TimestampLTZ:
			arg, from = env.toLocal(arg), types.Type{ID: types.Timestamp, Precision: from.Precision}
		case to.ID == types.TimestampLTZ && (from.IsString() || from.ID == types.Unknown):
			return env.parseLocal(arg, to), nil
		case to.ID == types.TimestampLTZ && (from.ID == types.Timestamp || from.ID == types.Date):
			ts := types.Type{ID: types.Timestamp, Precision: to.Precision}
			c, err := Converter(from, ts)
			if err != nil {
				return nil, err
			}
			return env.fromLocal(strict1(arg, func(v types.Value) (types.Value, error) { return c(v) })), nil
		}
		if from.Equal(to) {
			return arg, nil
		}
	}
	c, err := Converter(from, to)
	if err != nil {
		return nil, err
	}
	try := e.Try
	return func(row types.Row) (types.Value, error) {
		v, err := arg(row)
		if err != nil || v.K == types.KNull {
			return types.Null, err
		}
		r, err := c(v)
		if err != nil && try {
			return types.Null, nil
		}
		return r, err
	}, nil
}

// Converter returns the function CAST(x AS to) applies to a non-NULL x of
// type from. Numbers round as PostgreSQL does: half away from zero from
// DECIMAL, half to even from floats (CAST(2.5 AS INT) is 3, CAST(2.5e0 AS
// INT) is 2); values that do not fit are 22003; strings parse with
// scalar.ParseText.
func Converter(from, to types.Type) (func(types.Value) (types.Value, error), error) {
	if from.ID == types.Unknown {
		from = types.TString
	}
	var c conv
	switch {
	case from.Equal(to):
		c = func(v types.Value) (types.Value, error) { return v, nil }
	case to.IsCanonicalText():
		// An enum label, a point or a range is checked and put in its
		// canonical form, from its text.
		str := toString(from, types.TString)
		c = func(v types.Value) (types.Value, error) {
			s, err := str(v)
			if err != nil {
				return s, err
			}
			return scalar.ParseText(s.S, to)
		}
	case to.IsString():
		c = toString(from, to)
	case from.IsString() || from.ID == types.JSON:
		c = func(v types.Value) (types.Value, error) { return scalar.ParseText(v.S, to) }
	case to.IsInteger():
		c = toInt(from, to)
	case to.IsFloat():
		c = toFloat(from, to)
	case to.ID == types.Decimal:
		c = toDecimal(from, to)
	case to.ID == types.Boolean && from.IsInteger():
		c = func(v types.Value) (types.Value, error) { return types.NewBool(v.I != 0), nil }
	case to.IsTemporal() && from.IsTemporal():
		c = toTemporal(from, to)
	case isBinaryT(from) && isBinaryT(to):
		c = func(v types.Value) (types.Value, error) {
			if to.Length > 0 && len(v.S) > to.Length {
				v.S = v.S[:to.Length]
			}
			return v, nil
		}
	case from.ID == types.Array && to.ID == types.Array:
		return arrayConv(*from.Elem, *to.Elem)
	case from.ID == to.ID && (from.ID == types.IntervalDT || from.ID == types.IntervalYM):
		c = func(v types.Value) (types.Value, error) { return v, nil }
	}
	if c == nil {
		return nil, sqlerr.New(sqlerr.DatatypeMismatch, "cannot cast type %s to %s", from, to)
	}
	return c, nil
}

func isBinaryT(t types.Type) bool { return t.ID == types.Binary || t.ID == types.Varbinary }

func toString(from, to types.Type) conv {
	return func(v types.Value) (types.Value, error) {
		var s string
		switch {
		case v.K == types.KBool && v.I != 0:
			s = "true" // PostgreSQL's boolean to text, not its output format 't'
		case v.K == types.KBool:
			s = "false"
		case v.K == types.KString:
			s = v.S
		default:
			s = types.Text(v, from)
		}
		if to.Length > 0 {
			s = truncateRunes(s, to.Length)
		}
		return types.NewString(s), nil
	}
}

func truncateRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

func toInt(from, to types.Type) conv {
	lo, hi := scalar.IntRange(to)
	return func(v types.Value) (types.Value, error) {
		var i int64
		switch v.K {
		case types.KInt, types.KBool:
			i = v.I
		case types.KFloat:
			f := math.RoundToEven(v.Float())
			if !(f >= -9.223372036854775808e18 && f < 9.223372036854775808e18) {
				return types.Null, scalar.OutOfRange(to)
			}
			i = int64(f)
		case types.KDecimal:
			d := v.Dec().Rescale(0)
			if !d.Unscaled.IsInt64() {
				return types.Null, scalar.OutOfRange(to)
			}
			i = d.Unscaled.Int64()
		default:
			return types.Null, sqlerr.New(sqlerr.DatatypeMismatch, "cannot cast type %s to %s", from, to)
		}
		if i < lo || i > hi {
			return types.Null, scalar.OutOfRange(to)
		}
		return types.NewInt(i), nil
	}
}

func toFloat(from, to types.Type) conv {
	single := to.ID == types.Float
	return func(v types.Value) (types.Value, error) {
		var f float64
		switch v.K {
		case types.KInt:
			f = float64(v.I)
		case types.KFloat:
			f = v.Float()
		case types.KDecimal:
			f = v.Dec().Float64()
		default:
			return types.Null, sqlerr.New(sqlerr.DatatypeMismatch, "cannot cast type %s to %s", from, to)
		}
		if single {
			g := float64(float32(f))
			if math.IsInf(g, 0) && !math.IsInf(f, 0) {
				return types.Null, sqlerr.New(sqlerr.NumericOutOfRange, "value out of range: overflow")
			}
			f = g
		}
		return types.NewFloat(f), nil
	}
}

func toDecimal(from, to types.Type) conv {
	bits := 64
	if from.ID == types.Float {
		bits = 32
	}
	return func(v types.Value) (types.Value, error) {
		switch v.K {
		case types.KInt:
			return scalar.FitDecimal(types.DecFromInt(v.I), to)
		case types.KDecimal:
			return scalar.FitDecimal(v.Dec(), to)
		case types.KFloat:
			f := v.Float()
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return types.Null, sqlerr.New(sqlerr.NumericOutOfRange, "cannot convert %s to numeric", types.Text(v, from))
			}
			d, err := types.ParseDec(strconv.FormatFloat(f, 'g', -1, bits))
			if err != nil {
				return types.Null, err
			}
			return scalar.FitDecimal(d, to)
		}
		return types.Null, sqlerr.New(sqlerr.DatatypeMismatch, "cannot cast type %s to %s", from, to)
	}
}

func toTemporal(from, to types.Type) conv {
	return func(v types.Value) (types.Value, error) {
		us := v.I
		if from.ID == types.Date {
			us = v.I * 86400e6
		}
		switch to.ID {
		case types.Date:
			return types.NewDate(floorDiv(us, 86400e6)), nil
		case types.Time:
			return types.NewTime(scalar.RoundMicros(us-floorDiv(us, 86400e6)*86400e6, to.Precision) % 86400e6), nil
		}
		return types.NewTimestamp(scalar.RoundMicros(us, to.Precision)), nil
	}
}

func arrayConv(from, to types.Type) (func(types.Value) (types.Value, error), error) {
	elem, err := Converter(from, to)
	if err != nil {
		return nil, err
	}
	return func(v types.Value) (types.Value, error) {
		in := v.List()
		out := make([]types.Value, len(in))
		for i, e := range in {
			if e.K == types.KNull {
				continue
			}
			c, err := elem(e)
			if err != nil {
				return types.Null, err
			}
			out[i] = c
		}
		return types.Value{K: types.KArray, X: out}, nil
	}, nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
