package scalar

import (
	"strings"

	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

func registerOperators() {
	numSigs := []string{"numeric op numeric", "TIMESTAMP ± INTERVAL", "DATE ± INT", "DATE - DATE", "TIMESTAMP - TIMESTAMP"}
	register([]string{"+", "-"}, funcDef{minArgs: 2, maxArgs: 2, sigs: numSigs, resolve: resolveArith})
	register([]string{"*", "/", "%", "div", "mod"}, funcDef{minArgs: 2, maxArgs: 2,
		sigs: []string{"(numeric, numeric)"}, resolve: resolveArith})
	register([]string{"neg"}, funcDef{minArgs: 1, maxArgs: 1, resolve: resolveNeg})
	register([]string{"=", "<>", "<", "<=", ">", ">=", "is_distinct_from", "is_not_distinct_from"},
		funcDef{minArgs: 2, maxArgs: 2, resolve: resolveCompare})
	register([]string{"and", "or", "xor"}, funcDef{minArgs: 2, maxArgs: 2, resolve: resolveLogic})
	register([]string{"not", "is_true", "is_false", "is_not_true", "is_not_false"},
		funcDef{minArgs: 1, maxArgs: 1, resolve: resolveLogic})
	register([]string{"is_null", "is_not_null"}, funcDef{minArgs: 1, maxArgs: 1, resolve: resolveIsNull})
	register([]string{"||"}, funcDef{minArgs: 2, maxArgs: 2, resolve: resolveConcatOp})
	register([]string{"like", "not_like", "ilike", "not_ilike"}, funcDef{minArgs: 2, maxArgs: 3,
		sigs: []string{"(STRING, STRING)", "(STRING, STRING, STRING escape)"}, resolve: resolveLike})
	register([]string{"in"}, funcDef{minArgs: 2, maxArgs: -1, resolve: resolveCommon(TBool, 0)})
	register([]string{"between"}, funcDef{minArgs: 3, maxArgs: 3, resolve: resolveCommon(TBool, 0)})
	register([]string{"coalesce", "greatest", "least"}, funcDef{minArgs: 1, maxArgs: -1, resolve: resolveCommon(types.TUnknown, 0)})
	register([]string{"nullif", "ifnull"}, funcDef{minArgs: 2, maxArgs: 2, resolve: resolveCommon(types.TUnknown, 0)})
	register([]string{"if"}, funcDef{minArgs: 3, maxArgs: 3, sigs: []string{"(BOOLEAN, T, T)"}, resolve: resolveIf})
}

// TBool is BOOLEAN, the result type of predicates.
var TBool = types.TBoolean

func resolveArith(fn string, args []Expr) (Expr, error) {
	a, b := args[0], args[1]
	ta, tb := adoptPair(fn, a.Type(), b.Type())
	var err error
	if a, err = coerce(a, ta); err != nil {
		return nil, err
	}
	if b, err = coerce(b, tb); err != nil {
		return nil, err
	}
	if ta.IsNumeric() && tb.IsNumeric() {
		return arithNumeric(fn, a, b)
	}
	if fn == "*" || fn == "/" {
		return arithInterval(fn, a, b)
	}
	if fn == "+" || fn == "-" {
		return arithTemporal(fn, a, b)
	}
	return nil, errNoMatch
}

// adoptPair gives an untyped literal operand of an arithmetic operator the
// type the other operand implies: the same numeric type, or an interval
// when added to or subtracted from a date or timestamp.
func adoptPair(fn string, ta, tb types.Type) (types.Type, types.Type) {
	adopt := func(other types.Type) types.Type {
		if other.IsTemporal() {
			return types.Type{ID: types.IntervalDT}
		}
		if other.ID == types.IntervalDT || other.ID == types.IntervalYM {
			return types.Type{ID: types.Timestamp, Precision: 6}
		}
		return other
	}
	switch {
	case ta.ID == types.Unknown && tb.ID == types.Unknown:
		return types.TInt, types.TInt
	case ta.ID == types.Unknown:
		return adopt(tb), tb
	case tb.ID == types.Unknown:
		return ta, adopt(ta)
	}
	return ta, tb
}

func arithNumeric(fn string, a, b Expr) (Expr, error) {
	ta, tb := a.Type(), b.Type()
	switch {
	case fn == "div":
		t := types.TBigInt
		if ta.IsInteger() && tb.IsInteger() {
			t = numericCommon(ta, tb)
		}
		op := numericCommon(ta, tb)
		if op.ID == types.Decimal {
			return call(fn, t, NewCast(a, DecimalOf(ta)), NewCast(b, DecimalOf(tb))), nil
		}
		return call(fn, t, NewCast(a, op), NewCast(b, op)), nil
	case ta.IsFloat() || tb.IsFloat() || (ta.IsInteger() && tb.IsInteger()):
		t := numericCommon(ta, tb)
		return call(fn, t, NewCast(a, t), NewCast(b, t)), nil
	}
	// DECIMAL: each operand keeps its own scale (integers become the DECIMAL
	// that holds them); exec/expr computes exactly and fits the result type.
	return call(fn, decimalArith(fn, ta, tb), NewCast(a, DecimalOf(ta)), NewCast(b, DecimalOf(tb))), nil
}

// arithInterval types INTERVAL * number, number * INTERVAL and INTERVAL /
// number. A DAY TO SECOND interval scales by a DOUBLE (rounded to the
// microsecond, as PostgreSQL does); a YEAR TO MONTH interval, a whole
// number of months in riffle, scales only by an integer.
func arithInterval(fn string, a, b Expr) (Expr, error) {
	ta, tb := a.Type(), b.Type()
	if fn == "*" && ta.IsNumeric() && isInterval(tb) {
		a, b, ta, tb = b, a, tb, ta
	}
	switch {
	case ta.ID == types.IntervalDT && tb.IsNumeric():
		return call(fn, ta, a, NewCast(b, types.TDouble)), nil
	case ta.ID == types.IntervalYM && tb.IsInteger() && fn == "*":
		return call(fn, ta, a, NewCast(b, types.TBigInt)), nil
	}
	return nil, errNoMatch
}

func isInterval(t types.Type) bool { return t.ID == types.IntervalDT || t.ID == types.IntervalYM }

// arithTemporal types date and time arithmetic. The operand that is a date
// or timestamp always comes first in the bound call, so that exec/expr
// handles one order.
func arithTemporal(fn string, a, b Expr) (Expr, error) {
	ta, tb := a.Type(), b.Type()
	if fn == "+" && (isInterval(ta) || ta.IsInteger()) && (tb.IsTemporal() || isInterval(tb)) {
		a, b, ta, tb = b, a, tb, ta
	}
	isStamp := func(t types.Type) bool { return t.ID == types.Timestamp || t.ID == types.TimestampLTZ }
	switch {
	case (isStamp(ta) || ta.ID == types.Date) && isInterval(tb):
		return call(fn, ta, a, b), nil
	case ta.ID == types.Time && tb.ID == types.IntervalDT:
		// TIME ± INTERVAL wraps around midnight, as in PostgreSQL.
		return call(fn, ta, a, b), nil
	case ta.ID == types.Date && tb.IsInteger():
		return call(fn, ta, a, NewCast(b, types.TInt)), nil
	case isInterval(ta) && ta.ID == tb.ID:
		return call(fn, ta, a, b), nil
	case fn == "-" && ta.ID == types.Date && tb.ID == types.Date:
		return call(fn, types.TInt, a, b), nil
	case fn == "-" && ta.IsTemporal() && tb.IsTemporal() && ta.ID != types.Time && tb.ID != types.Time:
		t, err := CommonType(ta, tb)
		if err != nil {
			return nil, errNoMatch
		}
		return call(fn, types.Type{ID: types.IntervalDT}, NewCast(a, t), NewCast(b, t)), nil
	}
	return nil, errNoMatch
}

func resolveNeg(fn string, args []Expr) (Expr, error) {
	a := args[0]
	if isUnknown(a) {
		var err error
		if a, err = coerce(a, types.TInt); err != nil {
			return nil, err
		}
	}
	t := a.Type()
	if !t.IsNumeric() && !isInterval(t) {
		return nil, errNoMatch
	}
	return call(fn, t, a), nil
}

func resolveCompare(fn string, args []Expr) (Expr, error) {
	t, err := CommonType(args[0].Type(), args[1].Type())
	if err != nil {
		return nil, errNoMatch
	}
	cargs, err := coerceAll(args, t)
	if err != nil {
		return nil, err
	}
	return call(fn, TBool, cargs...), nil
}

func resolveLogic(fn string, args []Expr) (Expr, error) {
	for _, a := range args {
		if id := a.Type().ID; id != types.Boolean && id != types.Unknown {
			return nil, errNoMatch
		}
	}
	cargs, err := coerceAll(args, TBool)
	if err != nil {
		return nil, err
	}
	return call(fn, TBool, cargs...), nil
}

func resolveIsNull(fn string, args []Expr) (Expr, error) {
	a := args[0]
	if isUnknown(a) {
		a = NewCast(a, types.TString)
	}
	return call(fn, TBool, a), nil
}

func resolveConcatOp(fn string, args []Expr) (Expr, error) {
	if a, b := args[0].Type(), args[1].Type(); a.ID == types.Array || b.ID == types.Array {
		return resolveArrayCat(args)
	}
	if !args[0].Type().IsString() && !args[1].Type().IsString() && !isUnknown(args[0]) && !isUnknown(args[1]) {
		return nil, errNoMatch
	}
	cargs, err := toStrings(args)
	if err != nil {
		return nil, err
	}
	return call(fn, types.TString, cargs...), nil
}

// toStrings converts every argument to STRING, as concatenation does.
func toStrings(args []Expr) ([]Expr, error) {
	out := make([]Expr, len(args))
	for i, a := range args {
		t := a.Type()
		switch {
		case t.IsString():
			out[i] = a
		case isUnknown(a) || CanCast(t, types.TString) && !isNested(t):
			out[i] = NewCast(a, types.TString)
		default:
			return nil, errNoMatch
		}
	}
	return out, nil
}

func resolveLike(fn string, args []Expr) (Expr, error) {
	for _, a := range args {
		if !a.Type().IsString() && !isUnknown(a) {
			return nil, errNoMatch
		}
	}
	cargs, err := coerceAll(args, types.TString)
	if err != nil {
		return nil, err
	}
	for i, a := range args {
		if a.Type().IsString() {
			cargs[i] = a // keep CHAR/VARCHAR(n) as they are: same storage
		}
	}
	return call(fn, TBool, cargs...), nil
}

// resolveCommon types a function whose arguments from index from on share
// one type (IN, BETWEEN, COALESCE, NULLIF, GREATEST, …). The result is ret,
// or the common type when ret is Unknown.
func resolveCommon(ret types.Type, from int) func(string, []Expr) (Expr, error) {
	return func(fn string, args []Expr) (Expr, error) {
		ts := make([]types.Type, 0, len(args))
		for _, a := range args[from:] {
			ts = append(ts, a.Type())
		}
		t, err := CommonType(ts...)
		if err != nil {
			e, _ := sqlerr.As(err)
			e.Message = strings.ToUpper(fn) + " " + e.Message
			return nil, e
		}
		cargs, err := coerceAll(args[from:], t)
		if err != nil {
			return nil, err
		}
		rt := ret
		if rt.ID == types.Unknown {
			rt = t
		}
		return call(fn, rt, append(append([]Expr(nil), args[:from]...), cargs...)...), nil
	}
}

func resolveIf(fn string, args []Expr) (Expr, error) {
	cond, err := resolveLogic("if", args[:1])
	if err != nil {
		return nil, err
	}
	rest, err := resolveCommon(types.TUnknown, 0)(fn, args[1:])
	if err != nil {
		return nil, err
	}
	c := rest.(*Call)
	return call(fn, c.T, cond.(*Call).Args[0], c.Args[0], c.Args[1]), nil
}

// resolveArrayCat types arr || arr, arr || elem and elem || arr: one array
// of the common element type (PostgreSQL's array_cat, array_append and
// array_prepend).
func resolveArrayCat(args []Expr) (Expr, error) {
	elemOf := func(e Expr) types.Type {
		if t := e.Type(); t.ID == types.Array {
			return *t.Elem
		}
		return e.Type()
	}
	t, err := CommonType(elemOf(args[0]), elemOf(args[1]))
	if err != nil {
		return nil, errNoMatch
	}
	if t.ID == types.Unknown {
		t = types.TString
	}
	arr := types.Type{ID: types.Array, Elem: &t}
	out := make([]Expr, 2)
	for i, a := range args {
		want := t
		if a.Type().ID == types.Array || isUnknown(a) && args[1-i].Type().ID != types.Array {
			want = arr
		}
		if out[i], err = coerce(a, want); err != nil {
			return nil, err
		}
	}
	return call("array_cat", arr, out...), nil
}
