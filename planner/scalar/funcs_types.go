package scalar

import (
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// MaxDecimalPrecision is the largest DECIMAL precision, as in Flink.
const MaxDecimalPrecision = 38

// CommonType returns the type every one of ts converts to implicitly: the
// result type of CASE, COALESCE, UNION and the element type an IN list is
// compared in. Unknown (an untyped literal or NULL) adopts the others' type;
// when every input is Unknown the result is STRING, as in PostgreSQL.
func CommonType(ts ...types.Type) (types.Type, error) {
	res := types.TUnknown
	for _, t := range ts {
		c, ok := commonPair(res, t)
		if !ok {
			return types.Type{}, sqlerr.New(sqlerr.DatatypeMismatch,
				"types %s and %s cannot be matched", res, t)
		}
		res = c
	}
	if res.ID == types.Unknown {
		return types.TString, nil
	}
	return res, nil
}

func commonPair(a, b types.Type) (types.Type, bool) {
	switch {
	case a.ID == types.Unknown:
		return b, true
	case b.ID == types.Unknown:
		return a, true
	case a.IsNumeric() && b.IsNumeric():
		return numericCommon(a, b), true
	case a.IsCanonicalText() && a.Equal(b):
		// Two values of one enum compare as the enum, by declaration.
		return a, true
	case a.IsString() && b.IsString() && a.PG == "name" && b.ID == types.Varchar:
		// PostgreSQL resolves a name with text to name (psql's completion
		// queries UNION them).
		return a, true
	case a.IsString() && b.IsString():
		if a.ID == types.Char && b.ID == types.Char {
			return types.Type{ID: types.Char, Length: max(a.Length, b.Length)}, true
		}
		return types.Type{ID: types.Varchar, Length: mergeLength(a, b)}, true
	case isBinary(a) && isBinary(b):
		return types.Type{ID: types.Varbinary, Length: mergeLength(a, b)}, true
	case a.IsTemporal() && b.IsTemporal():
		return temporalCommon(a, b)
	case a.ID == types.Array && b.ID == types.Array:
		e, ok := commonPair(*a.Elem, *b.Elem)
		return types.Type{ID: types.Array, Elem: &e}, ok
	case a.ID == b.ID && a.ID != types.Map && a.ID != types.RowType:
		return a, true
	}
	return a, a.Equal(b)
}

func isBinary(t types.Type) bool { return t.ID == types.Binary || t.ID == types.Varbinary }

// mergeLength is the length of a string type that holds both: unbounded
// when either is.
func mergeLength(a, b types.Type) int {
	if a.Length == 0 || b.Length == 0 {
		return 0
	}
	return max(a.Length, b.Length)
}

func temporalCommon(a, b types.Type) (types.Type, bool) {
	if a.ID == b.ID {
		a.Precision = max(a.Precision, b.Precision)
		return a, true
	}
	if a.ID == types.Time || b.ID == types.Time {
		return a, false
	}
	// DATE < TIMESTAMP < TIMESTAMP_LTZ: the wider keeps the time of day
	// (and the instant) that the narrower lacks.
	if a.ID < b.ID {
		a, b = b, a
	}
	if b.ID != types.Date {
		a.Precision = max(a.Precision, b.Precision)
	}
	return a, true
}

// numericCommon follows Flink: integers widen to the larger integer, an
// integer meeting a DECIMAL becomes the DECIMAL that holds it, and anything
// meeting a float becomes DOUBLE (FLOAT only when both are FLOAT).
func numericCommon(a, b types.Type) types.Type {
	switch {
	case a.IsFloat() || b.IsFloat():
		if a.ID == types.Float && b.ID == types.Float {
			return a
		}
		return types.TDouble
	case a.ID == types.Decimal || b.ID == types.Decimal:
		a, b = DecimalOf(a), DecimalOf(b)
		s := max(a.Scale, b.Scale)
		return decimalType(max(a.Precision-a.Scale, b.Precision-b.Scale)+s, s)
	case a.ID >= b.ID:
		return a
	}
	return b
}

// DecimalOf returns the DECIMAL type that holds every value of an exact
// numeric type t: DECIMAL(10, 0) for INT, t itself for a DECIMAL.
func DecimalOf(t types.Type) types.Type {
	switch t.ID {
	case types.TinyInt:
		return types.Type{ID: types.Decimal, Precision: 3}
	case types.SmallInt:
		return types.Type{ID: types.Decimal, Precision: 5}
	case types.Int:
		return types.Type{ID: types.Decimal, Precision: 10}
	case types.BigInt:
		return types.Type{ID: types.Decimal, Precision: 19}
	}
	return t
}

// decimalType caps precision at 38 the way Flink (after SQL Server) does:
// integer digits are kept and the scale gives way, but never below 6.
func decimalType(p, s int) types.Type {
	if p > MaxDecimalPrecision {
		intDigits := p - s
		s = max(MaxDecimalPrecision-intDigits, min(s, 6))
		p = MaxDecimalPrecision
	}
	if p < 1 {
		p = 1
	}
	return types.Type{ID: types.Decimal, Precision: p, Scale: s}
}

// decimalArith returns the result type of a DECIMAL operation, with Flink's
// rules (LogicalTypeMerging): + and - keep the larger scale and add a carry
// digit, * adds precisions and scales, / keeps at least six fractional
// digits, % is no wider than the narrower operand.
func decimalArith(op string, a, b types.Type) types.Type {
	a, b = DecimalOf(a), DecimalOf(b)
	p1, s1, p2, s2 := a.Precision, a.Scale, b.Precision, b.Scale
	switch op {
	case "*":
		return decimalType(p1+p2, s1+s2)
	case "/":
		s := max(6, s1+p2+1)
		return decimalType(p1-s1+s2+s, s)
	case "%", "mod":
		s := max(s1, s2)
		return decimalType(min(p1-s1, p2-s2)+s, s)
	}
	s := max(s1, s2)
	return decimalType(max(p1-s1, p2-s2)+s+1, s)
}

// CanCast reports whether an explicit CAST from one type to another exists.
// Every scalar type converts to and from strings; numbers convert among
// themselves and to and from BOOLEAN (integers only); DATE, TIMESTAMP and
// TIMESTAMP_LTZ convert among themselves and a timestamp to TIME.
func CanCast(from, to types.Type) bool {
	switch {
	case from.ID == types.Unknown || from.ID == to.ID && from.ID != types.Array:
		return true
	case from.IsString() || to.IsString():
		return !isNested(from) || to.IsString()
	case from.IsNumeric() && to.IsNumeric():
		return true
	case from.ID == types.Boolean && to.IsInteger(), from.IsInteger() && to.ID == types.Boolean:
		return true
	case isBinary(from) && isBinary(to):
		return true
	case from.IsTemporal() && to.IsTemporal():
		if to.ID == types.Time {
			return from.ID == types.Timestamp || from.ID == types.TimestampLTZ
		}
		return from.ID != types.Time
	case from.ID == types.Array && to.ID == types.Array:
		return CanCast(*from.Elem, *to.Elem)
	}
	return false
}

func isNested(t types.Type) bool {
	return t.ID == types.Array || t.ID == types.Map || t.ID == types.RowType
}

// NewCast returns e converted to t: e itself when it already has type t, a
// typed constant when e is an untyped literal whose text parses as t, and a
// Cast node otherwise. It does not check CanCast; callers that take the
// target from the user do.
func NewCast(e Expr, t types.Type) Expr {
	if e.Type().Equal(t) {
		return e
	}
	if c, ok := e.(*Const); ok && c.T.ID == types.Unknown {
		if c.V.IsNull() {
			if c.Param != nil && c.Param.T.ID == types.Unknown {
				c.Param.T = t
			}
			return &Const{V: types.Null, T: t}
		}
		if v, err := ParseText(c.V.S, t); err == nil && !zoneLocal(c.V.S, t) {
			return &Const{V: v, T: t}
		}
		return &Cast{Arg: &Const{V: c.V, T: types.TString}, T: t}
	}
	return &Cast{Arg: e, T: t}
}

// zoneLocal reports whether text read as t depends on the session time
// zone: a TIMESTAMP_LTZ written without an offset is wall-clock time
// there, so it stays a cast for exec/expr, which knows the zone.
func zoneLocal(text string, t types.Type) bool {
	return t.ID == types.TimestampLTZ && !TextHasZone(text)
}

// coerce converts e to t for an implicit conversion chosen by Resolve. It
// differs from NewCast in that an untyped literal that does not parse as t
// is an error now (as PostgreSQL reports it at bind time), not at run time.
func coerce(e Expr, t types.Type) (Expr, error) {
	if c, ok := e.(*Const); ok && c.T.ID == types.Unknown && !c.V.IsNull() {
		if t.ID == types.Unknown {
			t = types.TString
		}
		v, err := ParseText(c.V.S, t)
		if err != nil {
			return nil, err
		}
		if zoneLocal(c.V.S, t) {
			return NewCast(e, t), nil
		}
		return &Const{V: v, T: t}, nil
	}
	return NewCast(e, t), nil
}

// Coerce converts e to t as an implicit conversion: like NewCast, but an
// untyped literal that does not parse as t is an error now (22P02 and
// friends), as PostgreSQL reports CASE WHEN … THEN 1 ELSE 'a' END at bind
// time. Binders use it for the arms of CASE and the rows of VALUES.
func Coerce(e Expr, t types.Type) (Expr, error) { return coerce(e, t) }

// coerceAll converts every expression in es to t.
func coerceAll(es []Expr, t types.Type) ([]Expr, error) {
	out := make([]Expr, len(es))
	for i, e := range es {
		c, err := coerce(e, t)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// isUnknown reports whether e is an untyped literal (a string literal or NULL).
func isUnknown(e Expr) bool { return e.Type().ID == types.Unknown }
