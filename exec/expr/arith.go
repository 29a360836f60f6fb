package expr

import (
	"math"

	"riffle/planner/scalar"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

func init() {
	define(buildArith, "+", "-", "*", "/", "%", "mod", "div")
	define(buildNeg, "neg")
}

func errDivZero() error { return sqlerr.New(sqlerr.DivisionByZero, "division by zero") }

func buildArith(c *scalar.Call, args []Func) (Func, error) {
	ta, tb, t := c.Args[0].Type(), c.Args[1].Type(), c.T
	switch {
	case c.Fn == "div" && !(ta.IsInteger() && tb.IsInteger()):
		return divTruncate(ta, args[0], args[1]), nil
	case t.IsInteger() && ta.IsInteger() && tb.IsInteger():
		return intArith(c.Fn, t, args[0], args[1]), nil
	case t.IsFloat():
		return floatArith(c.Fn, t, args[0], args[1]), nil
	case t.ID == types.Decimal:
		return decArith(c, args)
	}
	return temporalArith(c, args)
}

// intOp is one checked integer operation; ok is false on overflow of int64.
type intOp func(x, y int64) (z int64, ok bool, err error)

func intOpFor(fn string) intOp {
	switch fn {
	case "+":
		return func(x, y int64) (int64, bool, error) {
			z := x + y
			return z, (z > x) == (y > 0), nil
		}
	case "-":
		return func(x, y int64) (int64, bool, error) {
			z := x - y
			return z, (z < x) == (y > 0), nil
		}
	case "*":
		return func(x, y int64) (int64, bool, error) {
			if x == 0 || y == 0 {
				return 0, true, nil
			}
			z := x * y
			return z, z/y == x && !(x == -1 && y == math.MinInt64) && !(y == -1 && x == math.MinInt64), nil
		}
	case "/", "div":
		return func(x, y int64) (int64, bool, error) {
			if y == 0 {
				return 0, false, errDivZero()
			}
			if y == -1 {
				return -x, x != math.MinInt64, nil
			}
			return x / y, true, nil
		}
	}
	return func(x, y int64) (int64, bool, error) { // % and mod: sign of the dividend
		if y == 0 {
			return 0, false, errDivZero()
		}
		if y == -1 {
			return 0, true, nil
		}
		return x % y, true, nil
	}
}

// intArith computes in int64 and checks the result against the range of the
// result type, so INT + INT overflows at 2^31 as in PostgreSQL and Flink
// (which, unlike Flink, riffle reports instead of wrapping).
func intArith(fn string, t types.Type, a, b Func) Func {
	op, typ := intOpFor(fn), t
	lo, hi := scalar.IntRange(t)
	return func(row types.Row) (types.Value, error) {
		x, err := a(row)
		if err != nil || x.K == types.KNull {
			return types.Null, err
		}
		y, err := b(row)
		if err != nil || y.K == types.KNull {
			return types.Null, err
		}
		z, ok, err := op(x.I, y.I)
		if err != nil {
			return types.Null, err
		}
		if !ok || z < lo || z > hi {
			return types.Null, scalar.OutOfRange(typ)
		}
		return types.Value{K: types.KInt, I: z}, nil
	}
}

func floatArith(fn string, t types.Type, a, b Func) Func {
	single := t.ID == types.Float
	var op func(x, y float64) (float64, error)
	switch fn {
	case "+":
		op = func(x, y float64) (float64, error) { return x + y, nil }
	case "-":
		op = func(x, y float64) (float64, error) { return x - y, nil }
	case "*":
		op = func(x, y float64) (float64, error) { return x * y, nil }
	case "/":
		op = func(x, y float64) (float64, error) {
			if y == 0 {
				return 0, errDivZero()
			}
			return x / y, nil
		}
	default:
		op = func(x, y float64) (float64, error) {
			if y == 0 {
				return 0, errDivZero()
			}
			return math.Mod(x, y), nil
		}
	}
	return strict2(a, b, func(x, y types.Value) (types.Value, error) {
		fx, fy := x.Float(), y.Float()
		z, err := op(fx, fy)
		if err != nil {
			return types.Null, err
		}
		if single {
			z = float64(float32(z))
		}
		if math.IsInf(z, 0) && !math.IsInf(fx, 0) && !math.IsInf(fy, 0) {
			return types.Null, sqlerr.New(sqlerr.NumericOutOfRange, "value out of range: overflow")
		}
		return types.NewFloat(z), nil
	})
}

// divTruncate is MySQL's DIV on non-integers: the quotient truncated
// toward zero, as a BIGINT.
func divTruncate(t types.Type, a, b Func) Func {
	return strict2(a, b, func(x, y types.Value) (types.Value, error) {
		var q float64
		if t.IsFloat() {
			if y.Float() == 0 {
				return types.Null, errDivZero()
			}
			q = math.Trunc(x.Float() / y.Float())
		} else {
			dx, dy := toDec(x), toDec(y)
			if dy.Unscaled.Sign() == 0 {
				return types.Null, errDivZero()
			}
			d := decQuo(dx, dy, 0, false)
			if !d.Unscaled.IsInt64() {
				return types.Null, scalar.OutOfRange(types.TBigInt)
			}
			return types.NewInt(d.Unscaled.Int64()), nil
		}
		if q >= math.MaxInt64 || q < math.MinInt64 || math.IsNaN(q) {
			return types.Null, scalar.OutOfRange(types.TBigInt)
		}
		return types.NewInt(int64(q)), nil
	})
}

func buildNeg(c *scalar.Call, args []Func) (Func, error) {
	t := c.T
	lo, hi := scalar.IntRange(t)
	return strict1(args[0], func(x types.Value) (types.Value, error) {
		switch {
		case t.IsInteger():
			if x.I == math.MinInt64 || -x.I < lo || -x.I > hi {
				return types.Null, scalar.OutOfRange(t)
			}
			return types.NewInt(-x.I), nil
		case t.IsFloat():
			return types.NewFloat(-x.Float()), nil
		case t.ID == types.Decimal:
			return types.NewDecimal(x.Dec().Neg()), nil
		}
		if x.I == math.MinInt64 {
			return types.Null, sqlerr.New(sqlerr.NumericOutOfRange, "interval out of range")
		}
		return types.NewInterval(-x.I), nil
	}), nil
}
