package expr

import (
	"math"
	"math/big"
	"math/bits"

	"riffle/planner/scalar"
	"riffle/sql/types"
)

// decArith computes DECIMAL +, -, *, / and % exactly and fits the result to
// the type the binder chose (Flink's precision and scale rules). An integer
// operand the binder wrapped in a CAST to DECIMAL is read directly as an
// integer, which saves building a decimal for it on every row.
func decArith(c *scalar.Call, args []Func) (Func, error) {
	t := c.T
	for i, a := range c.Args {
		if cast, ok := a.(*scalar.Cast); ok && !cast.Try && cast.Arg.Type().IsInteger() && cast.T.ID == types.Decimal {
			f, err := Compile(cast.Arg)
			if err != nil {
				return nil, err
			}
			args[i] = f
		}
	}
	var op func(x, y types.Value) (*types.Dec, error)
	switch c.Fn {
	case "+":
		op = func(x, y types.Value) (*types.Dec, error) { return toDec(x).Add(toDec(y)), nil }
	case "-":
		op = func(x, y types.Value) (*types.Dec, error) { return toDec(x).Sub(toDec(y)), nil }
	case "*":
		op = decMul
	case "/":
		op = func(x, y types.Value) (*types.Dec, error) {
			dy := toDec(y)
			if dy.Unscaled.Sign() == 0 {
				return nil, errDivZero()
			}
			return decQuo(toDec(x), dy, int32(t.Scale), true), nil
		}
	default:
		op = decRem
	}
	return strict2(args[0], args[1], func(x, y types.Value) (types.Value, error) {
		d, err := op(x, y)
		if err != nil {
			return types.Null, err
		}
		return scalar.FitDecimal(d, t)
	}), nil
}

// toDec reads an exact number as a decimal.
func toDec(v types.Value) *types.Dec {
	if v.K == types.KInt {
		return types.DecFromInt(v.I)
	}
	return v.Dec()
}

// small returns an exact number's unscaled value and scale when the value
// fits in an int64.
func small(v types.Value) (u int64, scale int32, ok bool) {
	if v.K == types.KInt {
		return v.I, 0, true
	}
	d := v.Dec()
	if !d.Unscaled.IsInt64() {
		return 0, 0, false
	}
	return d.Unscaled.Int64(), d.Scale, true
}

func decMul(x, y types.Value) (*types.Dec, error) {
	if u1, s1, ok1 := small(x); ok1 {
		if u2, s2, ok2 := small(y); ok2 {
			hi, lo := bits.Mul64(absU(u1), absU(u2))
			if hi == 0 && lo <= math.MaxInt64 {
				z := int64(lo)
				if (u1 < 0) != (u2 < 0) {
					z = -z
				}
				return decFromParts(z, s1+s2), nil
			}
		}
	}
	return toDec(x).Mul(toDec(y)), nil
}

func absU(i int64) uint64 {
	if i < 0 {
		return uint64(-i)
	}
	return uint64(i)
}

// decBox holds a Dec and the one word its big.Int needs, so that a decimal
// that fits in 64 bits costs a single allocation.
type decBox struct {
	d types.Dec
	w [1]big.Word
}

// decFromParts returns u × 10^-scale.
func decFromParts(u int64, scale int32) *types.Dec {
	b := &decBox{}
	b.d.Scale = scale
	if u != 0 {
		b.w[0] = big.Word(absU(u))
		b.d.Unscaled.SetBits(b.w[:])
		if u < 0 {
			b.d.Unscaled.Neg(&b.d.Unscaled)
		}
	}
	return &b.d
}

// decCmp orders two exact numbers without rescaling when their scales agree.
func decCmp(x, y types.Value) int {
	dx, dy := toDec(x), toDec(y)
	if dx.Scale == dy.Scale {
		return dx.Unscaled.Cmp(&dy.Unscaled)
	}
	return dx.Cmp(dy)
}

var bigTen = big.NewInt(10)

func pow10(n int32) *big.Int {
	return new(big.Int).Exp(bigTen, big.NewInt(int64(n)), nil)
}

// decQuo returns x / y at the given scale, rounded half away from zero, or
// truncated toward zero when round is false.
func decQuo(x, y *types.Dec, scale int32, round bool) *types.Dec {
	num, den := new(big.Int).Set(&x.Unscaled), new(big.Int).Set(&y.Unscaled)
	if e := scale - x.Scale + y.Scale; e >= 0 {
		num.Mul(num, pow10(e))
	} else {
		den.Mul(den, pow10(-e))
	}
	r := &types.Dec{Scale: scale}
	q, m := r.Unscaled.QuoRem(num, den, new(big.Int))
	if round {
		m.Abs(m).Lsh(m, 1)
		if m.CmpAbs(den) >= 0 {
			if num.Sign() != den.Sign() {
				q.Sub(q, big.NewInt(1))
			} else {
				q.Add(q, big.NewInt(1))
			}
		}
	}
	return r
}

// decRem is x - trunc(x / y) × y, with the sign of x, as PostgreSQL's
// numeric %.
func decRem(x, y types.Value) (*types.Dec, error) {
	dx, dy := toDec(x), toDec(y)
	if dy.Unscaled.Sign() == 0 {
		return nil, errDivZero()
	}
	s := max(dx.Scale, dy.Scale)
	a, b := dx.Rescale(s), dy.Rescale(s)
	r := &types.Dec{Scale: s}
	r.Unscaled.Rem(&a.Unscaled, &b.Unscaled)
	return r, nil
}
