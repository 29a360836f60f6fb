package operator

import (
	"math"
	"math/big"

	"riffle/planner/logical"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// An accumulator is the state of one aggregate call for one group, held in
// two values of the group's state row: acc[0] is the running value (sum,
// count, current min/max), acc[1] the number of non-NULL inputs it saw.
// Both are updated by signed multiplicities, so a retraction undoes exactly
// what its insert did. MIN and MAX cannot be undone from the running value
// alone; the operator recomputes them from the value counts it keeps.

// accWidth is how many state values each aggregate call uses.
const accWidth = 2

// initAcc sets the empty-group state of call c into acc.
func initAcc(c *logical.AggCall, acc []types.Value) {
	acc[1] = types.NewInt(0)
	switch c.Func {
	case "count", "count_star":
		acc[0] = types.NewInt(0)
	default:
		acc[0] = types.Null
	}
}

// addAcc applies value v with multiplicity d to the running sum of c. It is
// not called for MIN and MAX, nor for NULL inputs (except COUNT(*)).
func addAcc(c *logical.AggCall, acc []types.Value, v types.Value, d int64) error {
	acc[1] = types.NewInt(acc[1].I + d)
	switch c.Func {
	case "count", "count_star":
		acc[0] = types.NewInt(acc[0].I + d)
		return nil
	case "sum", "avg":
		s, err := addScaled(acc[0], v, d, c.Args[0].Type())
		if err != nil {
			return err
		}
		if acc[1].I == 0 {
			s = types.Null // back to no inputs: forget float residue
		}
		acc[0] = s
	}
	return nil
}

// addScaled returns sum + d·v in the sum's representation: BIGINT for
// integer inputs (overflow is an error, as in PostgreSQL), exact decimals,
// or doubles.
func addScaled(sum, v types.Value, d int64, in types.Type) (types.Value, error) {
	switch {
	case in.IsInteger() || in.ID == types.Unknown:
		x := int64(0)
		if !sum.IsNull() {
			x = sum.I
		}
		hi, lo := mulAdd(v.I, d, x)
		if hi {
			return types.Null, sqlerr.New(sqlerr.NumericOutOfRange, "bigint out of range")
		}
		return types.NewInt(lo), nil
	case in.ID == types.Decimal:
		dv := v.Dec().Mul(types.DecFromInt(d))
		if sum.IsNull() {
			return types.NewDecimal(dv), nil
		}
		return types.NewDecimal(sum.Dec().Add(dv)), nil
	default:
		return addFloat(sum, v.Float(), d), nil
	}
}

// addFloat adds d·f to a sum of doubles. The sum is kept exactly, as a
// decimal (every finite double is a binary fraction, so an exact decimal):
// adding and later retracting a value then leaves no rounding error behind,
// and the result is rounded once, when it is shown. A non-finite input
// turns the sum into a plain double, as there is nothing exact to keep.
func addFloat(sum types.Value, f float64, d int64) types.Value {
	if math.IsInf(f, 0) || math.IsNaN(f) || sum.K == types.KFloat {
		s := 0.0
		switch sum.K {
		case types.KFloat:
			s = sum.Float()
		case types.KDecimal:
			s = sum.Dec().Float64()
		}
		return types.NewFloat(s + float64(d)*f)
	}
	x := exactDec(f).Mul(types.DecFromInt(d))
	if sum.IsNull() {
		return types.NewDecimal(x)
	}
	return types.NewDecimal(sum.Dec().Add(x))
}

// exactDec is the exact decimal value of a finite double.
func exactDec(f float64) *types.Dec {
	mant, exp := math.Frexp(f) // f = mant · 2^exp, 0.5 <= |mant| < 1
	m := int64(math.Ldexp(mant, 53))
	exp -= 53 // f = m · 2^exp exactly
	d := &types.Dec{}
	d.Unscaled.SetInt64(m)
	if exp >= 0 {
		d.Unscaled.Lsh(&d.Unscaled, uint(exp))
		return d
	}
	// m / 2^k = m · 5^k / 10^k
	k := int64(-exp)
	d.Unscaled.Mul(&d.Unscaled, new(big.Int).Exp(big.NewInt(5), big.NewInt(k), nil))
	d.Scale = int32(k)
	return d
}

// floatOf shows a double sum: exact sums are rounded once, here.
func floatOf(v types.Value) types.Value {
	if v.K == types.KDecimal {
		return types.NewFloat(v.Dec().Float64())
	}
	return v
}

// mulAdd computes a·b + c, reporting overflow of int64.
func mulAdd(a, b, c int64) (overflow bool, r int64) {
	if (b == 1 || b == -1) && a != math.MinInt64 {
		// A diff is nearly always one copy in or out: add without big.Int.
		a *= b
		r = a + c
		return (a > 0 && c > 0 && r < 0) || (a < 0 && c < 0 && r >= 0), r
	}
	p := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
	p.Add(p, big.NewInt(c))
	if !p.IsInt64() {
		return true, 0
	}
	return false, p.Int64()
}

// result is the value call c shows for accumulator acc.
func result(c *logical.AggCall, acc []types.Value) (types.Value, error) {
	switch c.Func {
	case "count", "count_star":
		return acc[0], nil
	case "sum":
		if acc[1].I == 0 {
			return types.Null, nil
		}
		if c.T.ID == types.Decimal {
			return types.NewDecimal(acc[0].Dec().Rescale(int32(c.T.Scale))), nil
		}
		if c.T.IsFloat() {
			return floatOf(acc[0]), nil
		}
		return acc[0], nil
	case "avg":
		if acc[1].I == 0 {
			return types.Null, nil
		}
		return average(acc[0], acc[1].I, c.T)
	}
	return acc[0], nil // min, max: the operator keeps it current
}

// average divides an exact or float sum by n, rounding an exact result half
// away from zero at the result type's scale.
func average(sum types.Value, n int64, t types.Type) (types.Value, error) {
	if t.ID != types.Decimal {
		return types.NewFloat(floatOf(sum).Float() / float64(n)), nil
	}
	var d *types.Dec
	if sum.K == types.KInt {
		d = types.DecFromInt(sum.I)
	} else {
		d = sum.Dec()
	}
	// Scale the numerator so the integer quotient has t.Scale digits plus
	// one for rounding.
	num := d.Rescale(int32(t.Scale) + 1)
	q := new(big.Int).Quo(&num.Unscaled, big.NewInt(n))
	out := &types.Dec{Scale: int32(t.Scale) + 1}
	out.Unscaled.Set(q)
	return types.NewDecimal(out.Rescale(int32(t.Scale))), nil
}

// valued reports whether call c needs the per-value counts.
func valued(c *logical.AggCall) bool {
	return c.Distinct || c.KeepsValues()
}

// mergeAcc adds accumulator src of call c to dst, as if dst had also seen
// src's inputs: how the slices of a HOP window make the window's
// (SliceAggregate). It serves the calls that merge: COUNT, SUM, AVG, and
// MIN and MAX over an append-only input (a running extreme).
func mergeAcc(c *logical.AggCall, dst, src []types.Value) error {
	if src[1].I == 0 {
		return nil // no input: nothing to add (a sum is NULL, a count 0)
	}
	switch c.Func {
	case "min", "max":
		runningExtreme(dst, src[0], c.Func == "max")
		dst[1] = types.NewInt(dst[1].I - 1 + src[1].I)
	case "count", "count_star":
		dst[0] = types.NewInt(dst[0].I + src[0].I)
		dst[1] = types.NewInt(dst[1].I + src[1].I)
	default: // sum, avg
		sum, err := addSums(dst[0], src[0])
		if err != nil {
			return err
		}
		dst[0], dst[1] = sum, types.NewInt(dst[1].I+src[1].I)
	}
	return nil
}

// addSums adds two running sums of a SUM or AVG call (addScaled's
// representation: BIGINT, exact decimal, or a double once a non-finite
// value came).
func addSums(x, y types.Value) (types.Value, error) {
	switch {
	case x.IsNull():
		return y, nil
	case y.IsNull():
		return x, nil
	case x.K == types.KFloat || y.K == types.KFloat:
		return types.NewFloat(floatOf(x).Float() + floatOf(y).Float()), nil
	case x.K == types.KInt && y.K == types.KInt:
		overflow, sum := mulAdd(y.I, 1, x.I)
		if overflow {
			return types.Null, sqlerr.New(sqlerr.NumericOutOfRange, "bigint out of range")
		}
		return types.NewInt(sum), nil
	}
	return types.NewDecimal(x.Dec().Add(y.Dec())), nil
}
