package scalar

import (
	"errors"
	"strings"

	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// class is what a parameter of a named function accepts, and how an
// argument is converted to what exec/expr expects.
type class uint8

const (
	cString   class = iota // CHAR or VARCHAR; an untyped literal is a STRING
	cInt                   // any integer type, used as is (all share one storage)
	cNum                   // any numeric type, used as is
	cDouble                // any numeric type, converted to DOUBLE
	cTime                  // DATE, TIME, TIMESTAMP or TIMESTAMP_LTZ; a literal is a TIMESTAMP
	cTimeStr               // like cTime, and a STRING is read as a TIMESTAMP (NULL if it is not one)
	cUnit                  // a constant string naming a time unit (EXTRACT's YEAR, …)
	cText                  // anything scalar, converted to STRING
	cInterval              // an INTERVAL of either kind
	cJSON                  // JSON, or a STRING holding JSON text
	cKey                   // a STRING member name or an integer index (json_arrow)
	cTrimDir               // a constant BOTH, LEADING or TRAILING ('' is BOTH): TRIM's direction
	cBool                  // BOOLEAN; an untyped literal is read as one
)

// TLiteralTimestamp is the type an untyped literal takes where a timestamp
// is expected: microsecond precision, so that nothing the user wrote is lost.
var TLiteralTimestamp = types.Type{ID: types.Timestamp, Precision: 6}

// sig is one overload of a named function.
type sig struct {
	text     string  // for the hint, e.g. "(STRING, INT)"
	params   []class // the last one repeats when variadic
	min      int     // fewest arguments; len(params) is the most unless variadic
	variadic bool
	ret      func(args []Expr) (types.Type, error)
}

func retT(t types.Type) func([]Expr) (types.Type, error) {
	return func([]Expr) (types.Type, error) { return t, nil }
}

func retArg(i int) func([]Expr) (types.Type, error) {
	return func(args []Expr) (types.Type, error) { return args[i].Type(), nil }
}

// named registers functions resolved by trying the overloads in order.
func named(names []string, sigs ...sig) {
	d := funcDef{minArgs: 1 << 30}
	for _, s := range sigs {
		d.minArgs = min(d.minArgs, s.min)
		switch {
		case s.variadic:
			d.maxArgs = -1
		case d.maxArgs >= 0:
			d.maxArgs = max(d.maxArgs, len(s.params))
		}
		d.sigs = append(d.sigs, strings.ToUpper(names[0])+s.text)
	}
	d.resolve = func(fn string, args []Expr) (Expr, error) {
		for _, s := range sigs {
			e, err := s.bind(fn, args)
			if !errors.Is(err, errNoMatch) {
				return e, err
			}
		}
		return nil, errNoMatch
	}
	register(names, d)
}

func (s sig) bind(fn string, args []Expr) (Expr, error) {
	if len(args) < s.min || (!s.variadic && len(args) > len(s.params)) {
		return nil, errNoMatch
	}
	out := make([]Expr, len(args))
	for i, a := range args {
		c := s.params[min(i, len(s.params)-1)]
		e, err := fitArg(c, a)
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	t, err := s.ret(out)
	if err != nil {
		return nil, err
	}
	return call(fn, t, out...), nil
}

func fitArg(c class, e Expr) (Expr, error) {
	t := e.Type()
	unknown := t.ID == types.Unknown
	switch c {
	case cString:
		if unknown || t.IsString() {
			return coerce(e, types.TString)
		}
	case cBool:
		if unknown || t.ID == types.Boolean {
			return coerce(e, types.TBoolean)
		}
	case cInt:
		if unknown || t.IsInteger() {
			return coerce(e, types.TInt)
		}
	case cNum:
		if t.IsNumeric() {
			return e, nil
		}
		if unknown {
			return coerce(e, types.TDouble)
		}
	case cDouble:
		if unknown || t.IsNumeric() {
			return coerce(e, types.TDouble)
		}
	case cTime, cTimeStr:
		if t.IsTemporal() {
			return e, nil
		}
		if unknown {
			return coerce(e, TLiteralTimestamp)
		}
		if c == cTimeStr && t.IsString() {
			return &Cast{Arg: e, T: TLiteralTimestamp, Try: true}, nil
		}
	case cUnit:
		return fitUnit(e)
	case cJSON:
		if t.ID == types.JSON || t.IsString() {
			return e, nil
		}
		if unknown {
			return coerce(e, types.TString)
		}
	case cKey:
		if t.IsString() || t.IsInteger() {
			return e, nil
		}
		if unknown {
			return coerce(e, types.TString)
		}
	case cTrimDir:
		if c, ok := e.(*Const); ok && c.V.K == types.KString {
			switch d := strings.ToUpper(c.V.S); d {
			case "", "BOTH", "LEADING", "TRAILING":
				return &Const{V: types.NewString(d), T: types.TString}, nil
			}
		}
		return nil, errNoMatch
	case cInterval:
		if isInterval(t) {
			return e, nil
		}
	case cText:
		if t.IsString() {
			return e, nil
		}
		if unknown || !isNested(t) {
			return NewCast(e, types.TString), nil
		}
	}
	if unknown {
		return coerce(e, t)
	}
	return nil, errNoMatch
}

// Units are the time units EXTRACT, FLOOR(… TO …), TIMESTAMPADD and
// TIMESTAMPDIFF name, in the upper-case spelling the bound Const carries.
var Units = []string{"YEAR", "QUARTER", "MONTH", "WEEK", "DAY", "HOUR", "MINUTE", "SECOND",
	"MILLISECOND", "MICROSECOND", "DOW", "DOY", "ISODOW", "ISOYEAR", "EPOCH"}

func fitUnit(e Expr) (Expr, error) {
	c, ok := e.(*Const)
	if !ok || c.V.K != types.KString {
		return nil, errNoMatch
	}
	u := strings.TrimPrefix(strings.ToUpper(c.V.S), "SQL_TSI_")
	switch u {
	case "FRAC_SECOND":
		u = "MICROSECOND"
	case "DAYOFWEEK":
		u = "DOW"
	case "DAYOFYEAR":
		u = "DOY"
	}
	for _, known := range Units {
		if u == known || u == known+"S" {
			return &Const{V: types.NewString(known), T: types.TString}, nil
		}
	}
	return nil, sqlerr.New(sqlerr.InvalidParameter, "unit %q not recognized", c.V.S)
}

// UnitOf returns the unit a bound cUnit argument names.
// PGExtract is EXTRACT with PostgreSQL's numeric result, which the
// binder uses for a SELECT whose rows go to a client (Binder.FoldNames).
const PGExtract = "pg_extract"

// PGExtractScale is the scale of PostgreSQL's EXTRACT(unit FROM a value
// of type t): microseconds for the units that carry the fraction of the
// second, none for the others.
func PGExtractScale(unit string, t types.Type) int {
	switch unit {
	case "SECOND", "EPOCH":
		if t.ID == types.Date {
			return 0
		}
		return 6
	case "MILLISECOND":
		return 3
	}
	return 0
}

func UnitOf(e Expr) string {
	if c, ok := e.(*Const); ok {
		return c.V.S
	}
	return ""
}

func p(cs ...class) []class { return cs }

func registerStrings() {
	str, integer, boolean := retT(types.TString), retT(types.TInt), retT(TBool)
	named([]string{"concat"}, sig{text: "(any, ...)", params: p(cText), min: 1, variadic: true, ret: str})
	named([]string{"concat_ws"}, sig{text: "(STRING sep, any, ...)", params: p(cText, cText), min: 2, variadic: true, ret: str})
	named([]string{"upper", "lower", "reverse", "initcap"}, sig{text: "(STRING)", params: p(cString), min: 1, ret: str})
	named([]string{"trim"}, sig{text: "(STRING[, STRING chars[, BOTH|LEADING|TRAILING]])", params: p(cString, cString, cTrimDir), min: 1, ret: str})
	named([]string{"ltrim", "rtrim"}, sig{text: "(STRING[, STRING chars])", params: p(cString, cString), min: 1, ret: str})
	named([]string{"substring", "substr"}, sig{text: "(STRING, INT start[, INT length])", params: p(cString, cInt, cInt), min: 2, ret: str})
	named([]string{"char_length", "character_length", "length"}, sig{text: "(STRING)", params: p(cString), min: 1, ret: integer})
	named([]string{"position"}, sig{text: "(STRING needle, STRING haystack)", params: p(cString, cString), min: 2, ret: integer})
	named([]string{"locate"}, sig{text: "(STRING needle, STRING haystack[, INT from])", params: p(cString, cString, cInt), min: 2, ret: integer})
	named([]string{"replace"}, sig{text: "(STRING, STRING from, STRING to)", params: p(cString, cString, cString), min: 3, ret: str})
	named([]string{"lpad", "rpad"}, sig{text: "(STRING, INT length[, STRING fill])", params: p(cString, cInt, cString), min: 2, ret: str})
	named([]string{"left", "right", "repeat"}, sig{text: "(STRING, INT)", params: p(cString, cInt), min: 2, ret: str})
	named([]string{"split_index"}, sig{text: "(STRING, STRING delimiter, INT index)", params: p(cString, cString, cInt), min: 3, ret: str})
	named([]string{"count_char"}, sig{text: "(STRING, STRING character)", params: p(cString, cString), min: 2, ret: retT(types.TBigInt)})
	named([]string{"regexp_extract"}, sig{text: "(STRING, STRING regex[, INT group])", params: p(cString, cString, cInt), min: 2, ret: str})
	named([]string{"regexp_replace"}, sig{text: "(STRING, STRING regex, STRING replacement)", params: p(cString, cString, cString), min: 3, ret: str})
	named([]string{"regexp", "rlike"}, sig{text: "(STRING, STRING regex)", params: p(cString, cString), min: 2, ret: boolean})
}

func registerMath() {
	double := retT(types.TDouble)
	named([]string{"abs", "sign"}, sig{text: "(numeric)", params: p(cNum), min: 1, ret: retArg(0)})
	named([]string{"round"}, sig{text: "(numeric[, INT digits])", params: p(cNum, cInt), min: 1, ret: roundType})
	named([]string{"floor", "ceil", "ceiling"},
		sig{text: "(numeric)", params: p(cNum), min: 1, ret: floorType},
		sig{text: "(TIMESTAMP TO unit)", params: p(cTime, cUnit), min: 2, ret: retArg(0)})
	named([]string{"power", "pow"}, sig{text: "(DOUBLE, DOUBLE)", params: p(cDouble, cDouble), min: 2, ret: double})
	named([]string{"sqrt", "ln", "log10", "log2", "exp"}, sig{text: "(DOUBLE)", params: p(cDouble), min: 1, ret: double})
}

// roundType follows Flink: rounding a DECIMAL(p, s) to d < s digits gives
// DECIMAL(p - s + d + 1, d) (one more integer digit for the carry); other
// types keep their type. A digits argument that is not a constant keeps the
// DECIMAL's type: the value is rounded, then shown at the original scale.
func roundType(args []Expr) (types.Type, error) {
	t := args[0].Type()
	if t.ID != types.Decimal {
		return t, nil
	}
	d := 0
	if len(args) == 2 {
		c, ok := args[1].(*Const)
		if !ok || c.V.IsNull() {
			return t, nil
		}
		d = int(c.V.I)
	}
	if d >= t.Scale {
		return t, nil
	}
	d = max(d, 0)
	return decimalType(min(t.Precision-t.Scale+d+1, MaxDecimalPrecision), d), nil
}

func floorType(args []Expr) (types.Type, error) {
	t := args[0].Type()
	if t.ID != types.Decimal || t.Scale == 0 {
		return t, nil
	}
	return decimalType(t.Precision-t.Scale+1, 0), nil
}

func registerTime() {
	bigint, str := retT(types.TBigInt), retT(types.TString)
	named([]string{"date_format"}, sig{text: "(TIMESTAMP, STRING format)", params: p(cTimeStr, cString), min: 2, ret: str})
	named([]string{"extract"}, sig{text: "(unit FROM TIMESTAMP)", params: p(cUnit, cTime), min: 2, ret: bigint},
		sig{text: "(unit FROM INTERVAL)", params: p(cUnit, cInterval), min: 2, ret: bigint})
	named([]string{"year", "quarter", "month", "week", "dayofmonth", "dayofyear", "dayofweek", "hour", "minute", "second"},
		sig{text: "(TIMESTAMP)", params: p(cTime), min: 1, ret: bigint})
	named([]string{"to_timestamp"}, sig{text: "(STRING[, STRING format])", params: p(cString, cString), min: 1, ret: retT(types.TTimestamp)})
	named([]string{"to_date"}, sig{text: "(STRING[, STRING format])", params: p(cString, cString), min: 1, ret: retT(types.TDate)})
	named([]string{"unix_timestamp"},
		sig{text: "()", min: 0, ret: bigint},
		sig{text: "(STRING[, STRING format])", params: p(cString, cString), min: 1, ret: bigint},
		sig{text: "(TIMESTAMP)", params: p(cTime), min: 1, ret: bigint})
	named([]string{"from_unixtime"}, sig{text: "(BIGINT seconds[, STRING format])", params: p(cInt, cString), min: 1, ret: str})
	named([]string{"timestampadd"}, sig{text: "(unit, INT, TIMESTAMP)", params: p(cUnit, cInt, cTime), min: 3, ret: timestampAddType})
	named([]string{"timestampdiff"}, sig{text: "(unit, TIMESTAMP, TIMESTAMP)", params: p(cUnit, cTime, cTime), min: 3, ret: retT(types.TInt)})
}

// timestampAddType keeps the type of the time argument, except that adding
// hours (or smaller units) to a DATE gives a TIMESTAMP(0), as in Flink.
func timestampAddType(args []Expr) (types.Type, error) {
	t := args[2].Type()
	if t.ID == types.Time {
		return t, errNoMatch
	}
	switch UnitOf(args[0]) {
	case "YEAR", "QUARTER", "MONTH", "WEEK", "DAY":
	default:
		if t.ID == types.Date {
			return types.Type{ID: types.Timestamp}, nil
		}
	}
	return t, nil
}
