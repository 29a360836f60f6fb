package expr

import (
	"math"
	"math/big"

	"riffle/planner/scalar"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

func init() {
	define(buildAbs, "abs")
	define(buildSign, "sign")
	define(buildRound, "round")
	define(buildFloorCeil, "floor", "ceil", "ceiling")
	define(buildPower, "power", "pow")
	define(buildFloat1, "sqrt", "ln", "log10", "log2", "exp")
}

func buildAbs(c *scalar.Call, args []Func) (Func, error) {
	t := c.T
	return strict1(args[0], func(x types.Value) (types.Value, error) {
		switch x.K {
		case types.KInt:
			if x.I >= 0 {
				return x, nil
			}
			if _, hi := scalar.IntRange(t); x.I == math.MinInt64 || -x.I > hi {
				return types.Null, scalar.OutOfRange(t)
			}
			return types.NewInt(-x.I), nil
		case types.KFloat:
			return types.NewFloat(math.Abs(x.Float())), nil
		}
		if x.Dec().Unscaled.Sign() < 0 {
			return types.NewDecimal(x.Dec().Neg()), nil
		}
		return x, nil
	}), nil
}

func buildSign(c *scalar.Call, args []Func) (Func, error) {
	t := c.T
	return strict1(args[0], func(x types.Value) (types.Value, error) {
		switch x.K {
		case types.KInt:
			return types.NewInt(int64(cmpZero(x.I))), nil
		case types.KFloat:
			f := x.Float()
			if f == 0 || math.IsNaN(f) {
				return x, nil
			}
			return types.NewFloat(math.Copysign(1, f)), nil
		}
		return scalar.FitDecimal(types.DecFromInt(int64(x.Dec().Unscaled.Sign())), t)
	}), nil
}

func cmpZero(i int64) int {
	switch {
	case i > 0:
		return 1
	case i < 0:
		return -1
	}
	return 0
}

// buildRound rounds half away from zero for every type (as Flink and MySQL
// do; PostgreSQL agrees for DECIMAL), to d digits after the point, where a
// negative d rounds to tens, hundreds, ….
func buildRound(c *scalar.Call, args []Func) (Func, error) {
	t := c.T
	digits := func(types.Row) (types.Value, error) { return types.NewInt(0), nil }
	if len(args) == 2 {
		digits = args[1]
	}
	return strict2(args[0], digits, func(x, d types.Value) (types.Value, error) {
		n := max(min(d.I, 400), -400)
		switch x.K {
		case types.KInt:
			return roundInt(x.I, n, t)
		case types.KFloat:
			f := x.Float()
			if n > 300 || math.IsInf(f, 0) || math.IsNaN(f) {
				return x, nil
			}
			// Half to even, as PostgreSQL's round(float8) (rint) and
			// MySQL's ROUND of an approximate value do.
			p := math.Pow10(int(n))
			r := math.RoundToEven(f*p) / p
			if math.IsNaN(r) || math.IsInf(r, 0) {
				return x, nil
			}
			return types.NewFloat(r), nil
		}
		return scalar.FitDecimal(x.Dec().Rescale(int32(n)), t)
	}), nil
}

func roundInt(i, n int64, t types.Type) (types.Value, error) {
	if n >= 0 {
		return types.NewInt(i), nil
	}
	if n < -18 {
		return types.NewInt(0), nil
	}
	d := types.DecFromInt(i).Rescale(int32(n)).Rescale(0)
	lo, hi := scalar.IntRange(t)
	if !d.Unscaled.IsInt64() || d.Unscaled.Int64() < lo || d.Unscaled.Int64() > hi {
		return types.Null, scalar.OutOfRange(t)
	}
	return types.NewInt(d.Unscaled.Int64()), nil
}

func buildFloorCeil(c *scalar.Call, args []Func) (Func, error) {
	ceil := c.Fn != "floor"
	if len(args) == 2 {
		return floorTime(c, args, ceil)
	}
	t := c.T
	return strict1(args[0], func(x types.Value) (types.Value, error) {
		switch x.K {
		case types.KInt:
			return x, nil
		case types.KFloat:
			if ceil {
				return types.NewFloat(math.Ceil(x.Float())), nil
			}
			return types.NewFloat(math.Floor(x.Float())), nil
		}
		d := x.Dec()
		if d.Scale <= 0 {
			return scalar.FitDecimal(d, t)
		}
		q, m := new(big.Int).QuoRem(&d.Unscaled, pow10(d.Scale), new(big.Int))
		if m.Sign() != 0 && (m.Sign() > 0) == ceil {
			q.Add(q, big.NewInt(int64(m.Sign())))
		}
		r := &types.Dec{}
		r.Unscaled.Set(q)
		return scalar.FitDecimal(r, t)
	}), nil
}

func errOverflow() error { return sqlerr.New(sqlerr.NumericOutOfRange, "value out of range: overflow") }

func buildPower(_ *scalar.Call, args []Func) (Func, error) {
	return strict2(args[0], args[1], func(x, y types.Value) (types.Value, error) {
		a, b := x.Float(), y.Float()
		if a == 0 && b < 0 {
			return types.Null, sqlerr.New("2201F", "zero raised to a negative power is undefined")
		}
		if a < 0 && b != math.Trunc(b) {
			return types.Null, sqlerr.New("2201F", "a negative number raised to a non-integer power yields a complex result")
		}
		r := math.Pow(a, b)
		if math.IsInf(r, 0) && !math.IsInf(a, 0) && !math.IsInf(b, 0) {
			return types.Null, errOverflow()
		}
		return types.NewFloat(r), nil
	}), nil
}

// buildFloat1 implements the DOUBLE functions of one argument, with
// PostgreSQL's errors where the result would be NaN or complex.
func buildFloat1(c *scalar.Call, args []Func) (Func, error) {
	var f func(float64) (float64, error)
	logOf := func(g func(float64) float64) func(float64) (float64, error) {
		return func(x float64) (float64, error) {
			switch {
			case x == 0:
				return 0, sqlerr.New("2201E", "cannot take logarithm of zero")
			case x < 0:
				return 0, sqlerr.New("2201E", "cannot take logarithm of a negative number")
			}
			return g(x), nil
		}
	}
	switch c.Fn {
	case "sqrt":
		f = func(x float64) (float64, error) {
			if x < 0 {
				return 0, sqlerr.New("2201F", "cannot take square root of a negative number")
			}
			return math.Sqrt(x), nil
		}
	case "ln":
		f = logOf(math.Log)
	case "log10":
		f = logOf(math.Log10)
	case "log2":
		f = logOf(math.Log2)
	default:
		f = func(x float64) (float64, error) {
			r := math.Exp(x)
			if math.IsInf(r, 0) && !math.IsInf(x, 0) {
				return 0, errOverflow()
			}
			return r, nil
		}
	}
	return strict1(args[0], func(x types.Value) (types.Value, error) {
		r, err := f(x.Float())
		if err != nil {
			return types.Null, err
		}
		return types.NewFloat(r), nil
	}), nil
}
