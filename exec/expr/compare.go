package expr

import (
	"cmp"
	"strings"

	"riffle/planner/scalar"
	"riffle/sql/types"
)

func init() {
	define(buildCompare, "=", "<>", "<", "<=", ">", ">=")
	define(buildDistinct, "is_distinct_from", "is_not_distinct_from")
	define(buildAnd, "and")
	define(buildOr, "or")
	define(buildXor, "xor")
	define(buildNot, "not")
	define(buildIsBool, "is_true", "is_false", "is_not_true", "is_not_false")
	define(buildIsNull, "is_null", "is_not_null")
	define(buildIn, "in")
	define(buildBetween, "between")
	define(buildCoalesce, "coalesce", "ifnull")
	define(buildNullif, "nullif")
	define(buildIf, "if")
	define(buildGreatest, "greatest", "least")
}

var (
	vTrue  = types.NewBool(true)
	vFalse = types.NewBool(false)
)

// comparer returns the ordering of two non-NULL values of type t, with a
// fast path for the kinds that need no conversion.
func comparer(t types.Type) func(x, y types.Value) int {
	switch {
	case t.IsEnum():
		return func(x, y types.Value) int { return types.CompareTyped(x, y, t) }
	case t.IsInteger(), t.IsTemporal(), t.ID == types.Boolean, t.ID == types.IntervalDT, t.ID == types.IntervalYM:
		return func(x, y types.Value) int { return cmp.Compare(x.I, y.I) }
	case t.IsString():
		return func(x, y types.Value) int { return strings.Compare(x.S, y.S) }
	case t.ID == types.Decimal:
		return func(x, y types.Value) int { return decCmp(x, y) }
	}
	return types.Compare
}

// test turns a comparison operator into a test of an ordering.
func test(fn string) func(int) bool {
	switch fn {
	case "=":
		return func(c int) bool { return c == 0 }
	case "<>":
		return func(c int) bool { return c != 0 }
	case "<":
		return func(c int) bool { return c < 0 }
	case "<=":
		return func(c int) bool { return c <= 0 }
	case ">":
		return func(c int) bool { return c > 0 }
	}
	return func(c int) bool { return c >= 0 }
}

func buildCompare(c *scalar.Call, args []Func) (Func, error) {
	if f, ok := intCompare(c, args); ok {
		return f, nil
	}
	order, ok := comparer(c.Args[0].Type()), test(c.Fn)
	a, b := args[0], args[1]
	return func(row types.Row) (types.Value, error) {
		x, err := a(row)
		if err != nil || x.K == types.KNull {
			return types.Null, err
		}
		y, err := b(row)
		if err != nil || y.K == types.KNull {
			return types.Null, err
		}
		return types.NewBool(ok(order(x, y))), nil
	}, nil
}

func buildDistinct(c *scalar.Call, args []Func) (Func, error) {
	order, distinct := comparer(c.Args[0].Type()), c.Fn == "is_distinct_from"
	a, b := args[0], args[1]
	return func(row types.Row) (types.Value, error) {
		x, err := a(row)
		if err != nil {
			return types.Null, err
		}
		y, err := b(row)
		if err != nil {
			return types.Null, err
		}
		var same bool
		switch {
		case x.K == types.KNull || y.K == types.KNull:
			same = x.K == y.K
		default:
			same = order(x, y) == 0
		}
		return types.NewBool(same != distinct), nil
	}, nil
}

// buildAnd implements AND's truth table: FALSE wins over NULL, so the right
// side is skipped (errors included) when the left is FALSE.
func buildAnd(_ *scalar.Call, args []Func) (Func, error) {
	a, b := args[0], args[1]
	return func(row types.Row) (types.Value, error) {
		x, err := a(row)
		if err != nil || (x.K == types.KBool && x.I == 0) {
			return x, err
		}
		y, err := b(row)
		if err != nil || (y.K == types.KBool && y.I == 0) {
			return y, err
		}
		if x.K == types.KNull || y.K == types.KNull {
			return types.Null, nil
		}
		return vTrue, nil
	}, nil
}

// buildOr implements OR's truth table: TRUE wins over NULL.
func buildOr(_ *scalar.Call, args []Func) (Func, error) {
	a, b := args[0], args[1]
	return func(row types.Row) (types.Value, error) {
		x, err := a(row)
		if err != nil || (x.K == types.KBool && x.I != 0) {
			return x, err
		}
		y, err := b(row)
		if err != nil || (y.K == types.KBool && y.I != 0) {
			return y, err
		}
		if x.K == types.KNull || y.K == types.KNull {
			return types.Null, nil
		}
		return vFalse, nil
	}, nil
}

func buildXor(_ *scalar.Call, args []Func) (Func, error) {
	return strict2(args[0], args[1], func(x, y types.Value) (types.Value, error) {
		return types.NewBool((x.I != 0) != (y.I != 0)), nil
	}), nil
}

func buildNot(_ *scalar.Call, args []Func) (Func, error) {
	return strict1(args[0], func(x types.Value) (types.Value, error) {
		return types.NewBool(x.I == 0), nil
	}), nil
}

// buildIsBool implements IS [NOT] TRUE / FALSE, which never return NULL.
func buildIsBool(c *scalar.Call, args []Func) (Func, error) {
	want, negate := strings.HasSuffix(c.Fn, "true"), strings.Contains(c.Fn, "_not_")
	a := args[0]
	return func(row types.Row) (types.Value, error) {
		x, err := a(row)
		if err != nil {
			return types.Null, err
		}
		is := x.K == types.KBool && (x.I != 0) == want
		return types.NewBool(is != negate), nil
	}, nil
}

func buildIsNull(c *scalar.Call, args []Func) (Func, error) {
	want, a := c.Fn == "is_null", args[0]
	return func(row types.Row) (types.Value, error) {
		x, err := a(row)
		if err != nil {
			return types.Null, err
		}
		return types.NewBool((x.K == types.KNull) == want), nil
	}, nil
}

// buildIn implements x IN (list): TRUE on a match, else NULL if x or any
// element is NULL, else FALSE.
func buildIn(c *scalar.Call, args []Func) (Func, error) {
	order, probe, list := comparer(c.Args[0].Type()), args[0], args[1:]
	return func(row types.Row) (types.Value, error) {
		x, err := probe(row)
		if err != nil || x.K == types.KNull {
			return types.Null, err
		}
		sawNull := false
		for _, e := range list {
			y, err := e(row)
			if err != nil {
				return types.Null, err
			}
			if y.K == types.KNull {
				sawNull = true
			} else if order(x, y) == 0 {
				return vTrue, nil
			}
		}
		if sawNull {
			return types.Null, nil
		}
		return vFalse, nil
	}, nil
}

// buildBetween is lo <= x AND x <= hi, with AND's treatment of NULL.
func buildBetween(c *scalar.Call, args []Func) (Func, error) {
	order := comparer(c.Args[0].Type())
	x, lo, hi := args[0], args[1], args[2]
	return func(row types.Row) (types.Value, error) {
		v, err := x(row)
		if err != nil || v.K == types.KNull {
			return types.Null, err
		}
		l, err := lo(row)
		if err != nil {
			return types.Null, err
		}
		h, err := hi(row)
		if err != nil {
			return types.Null, err
		}
		if (l.K != types.KNull && order(v, l) < 0) || (h.K != types.KNull && order(v, h) > 0) {
			return vFalse, nil
		}
		if l.K == types.KNull || h.K == types.KNull {
			return types.Null, nil
		}
		return vTrue, nil
	}, nil
}

// buildCoalesce returns the first non-NULL argument, evaluating no further.
func buildCoalesce(_ *scalar.Call, args []Func) (Func, error) {
	return func(row types.Row) (types.Value, error) {
		for _, a := range args {
			v, err := a(row)
			if err != nil || v.K != types.KNull {
				return v, err
			}
		}
		return types.Null, nil
	}, nil
}

func buildNullif(c *scalar.Call, args []Func) (Func, error) {
	order, a, b := comparer(c.T), args[0], args[1]
	return func(row types.Row) (types.Value, error) {
		x, err := a(row)
		if err != nil || x.K == types.KNull {
			return x, err
		}
		y, err := b(row)
		if err != nil {
			return types.Null, err
		}
		if y.K != types.KNull && order(x, y) == 0 {
			return types.Null, nil
		}
		return x, nil
	}, nil
}

// buildIf is MySQL's IF(cond, then, else): a NULL condition takes the else.
func buildIf(_ *scalar.Call, args []Func) (Func, error) {
	cond, then, els := args[0], args[1], args[2]
	return func(row types.Row) (types.Value, error) {
		v, err := cond(row)
		if err != nil {
			return types.Null, err
		}
		if v.K == types.KBool && v.I != 0 {
			return then(row)
		}
		return els(row)
	}, nil
}

// buildGreatest follows PostgreSQL: NULL arguments are ignored, and the
// result is NULL only when all of them are NULL.
func buildGreatest(c *scalar.Call, args []Func) (Func, error) {
	order, sign := comparer(c.T), 1
	if c.Fn == "least" {
		sign = -1
	}
	return func(row types.Row) (types.Value, error) {
		best := types.Null
		for _, a := range args {
			v, err := a(row)
			if err != nil {
				return types.Null, err
			}
			if v.K != types.KNull && (best.K == types.KNull || order(v, best)*sign > 0) {
				best = v
			}
		}
		return best, nil
	}, nil
}

// intCompare compares values ordered by I (integers, temporal values,
// booleans, intervals) without the indirections of the general case: one
// call for a column against a constant (a view's event_type = 2), a test
// of the operator inline.
func intCompare(c *scalar.Call, args []Func) (Func, bool) {
	t := c.Args[0].Type()
	// The types comparer orders by I: the same test, without its calls.
	if !(t.IsInteger() || t.IsTemporal() || t.ID == types.Boolean || t.ID == types.IntervalDT || t.ID == types.IntervalYM) {
		return nil, false
	}
	var op int
	switch c.Fn {
	case "=":
		op = 0
	case "<>":
		op = 1
	case "<":
		op = 2
	case "<=":
		op = 3
	case ">":
		op = 4
	case ">=":
		op = 5
	default:
		return nil, false
	}
	test := func(x, y int64) types.Value {
		var r bool
		switch op {
		case 0:
			r = x == y
		case 1:
			r = x != y
		case 2:
			r = x < y
		case 3:
			r = x <= y
		case 4:
			r = x > y
		default:
			r = x >= y
		}
		return types.NewBool(r)
	}
	col, isCol := c.Args[0].(*scalar.ColRef)
	k, isConst := constValue(c.Args[1])
	if isCol && isConst && k.K != types.KNull {
		i, y := col.Idx, k.I
		return func(row types.Row) (types.Value, error) {
			if i >= len(row) {
				return types.Null, errColumn(i, len(row))
			}
			if row[i].K == types.KNull {
				return types.Null, nil
			}
			return test(row[i].I, y), nil
		}, true
	}
	a, b := args[0], args[1]
	return func(row types.Row) (types.Value, error) {
		x, err := a(row)
		if err != nil || x.K == types.KNull {
			return types.Null, err
		}
		y, err := b(row)
		if err != nil || y.K == types.KNull {
			return types.Null, err
		}
		return test(x.I, y.I), nil
	}, true
}
