package expr

import (
	"math"
	"time"

	"riffle/planner/scalar"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

func init() {
	define(buildExtract, "extract")
	define(buildPGExtract, scalar.PGExtract)
	for name, unit := range map[string]string{"year": "YEAR", "quarter": "QUARTER", "month": "MONTH",
		"week": "WEEK", "dayofmonth": "DAY", "dayofyear": "DOY", "dayofweek": "DAYOFWEEK",
		"hour": "HOUR", "minute": "MINUTE", "second": "SECOND"} {
		define(func(c *scalar.Call, args []Func) (Func, error) {
			return extractFunc(unit, c.Args[0].Type(), args[0])
		}, name)
	}
	define(buildTimestampAdd, "timestampadd")
	define(buildTimestampDiff, "timestampdiff")
	define(buildDateFormat, "date_format", "from_unixtime")
	define(buildToTimestamp, "to_timestamp", "to_date", "unix_timestamp")
}

const (
	usPerSec = int64(1e6)
	usPerDay = int64(86400e6)
)

func errTimestampRange() error {
	return sqlerr.New("22008", "timestamp out of range")
}

// micros reads a DATE, TIME, TIMESTAMP or TIMESTAMP_LTZ value as
// microseconds (since the epoch, or since midnight for TIME).
func micros(v types.Value) int64 {
	if v.K == types.KDate {
		return v.I * usPerDay
	}
	return v.I
}

// fromMicros builds a value of temporal type t from microseconds.
func fromMicros(us int64, t types.Type) types.Value {
	if t.ID == types.Date {
		return types.NewDate(floorDiv(us, usPerDay))
	}
	return types.NewTimestamp(us)
}

// addMonths adds n months to an instant, clamping the day to the length of
// the target month (January 31 + 1 month is February 28 or 29).
func addMonths(us, n int64) (int64, error) {
	if n > 120000 || n < -120000 {
		return 0, errTimestampRange()
	}
	t := time.UnixMicro(us).UTC()
	total := int64(t.Year())*12 + int64(t.Month()) - 1 + n
	y, m := int(floorDiv(total, 12)), time.Month(total-floorDiv(total, 12)*12+1)
	d := min(t.Day(), daysIn(y, m))
	r := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).UnixMicro()
	return r + (us - floorDiv(us, usPerDay)*usPerDay), nil
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func addMicros(a, b int64) (int64, error) {
	z := a + b
	if (z > a) != (b > 0) {
		return 0, errTimestampRange()
	}
	return z, nil
}

// temporalArith implements + and - on dates, timestamps and intervals. The
// binder puts the date or timestamp operand first.
func temporalArith(c *scalar.Call, args []Func) (Func, error) {
	ta, tb, t := c.Args[0].Type(), c.Args[1].Type(), c.T
	sign := int64(1)
	if c.Fn == "-" {
		sign = -1
	}
	switch {
	case c.Fn == "*" || c.Fn == "/":
		return intervalScale(c.Fn, ta, args[0], args[1]), nil
	case ta.ID == types.Time && tb.ID == types.IntervalDT:
		return strict2(args[0], args[1], func(x, y types.Value) (types.Value, error) {
			us := (x.I + sign*(y.I%usPerDay)) % usPerDay
			if us < 0 {
				us += usPerDay
			}
			return types.NewTime(us), nil
		}), nil
	case ta.IsTemporal() && tb.ID == types.IntervalYM:
		return strict2(args[0], args[1], func(x, y types.Value) (types.Value, error) {
			us, err := addMonths(micros(x), sign*y.I)
			return fromMicros(us, t), err
		}), nil
	case ta.IsTemporal() && (tb.ID == types.IntervalDT || tb.IsInteger()):
		unit := int64(1)
		if tb.IsInteger() {
			unit = usPerDay
		}
		if k, ok := constValue(c.Args[1]); ok && k.K != types.KNull && k.I <= math.MaxInt64/unit && k.I >= -math.MaxInt64/unit {
			// A watermark's ts - INTERVAL '4' SECOND, evaluated for every
			// record: the constant is not a call.
			d, x := sign*k.I*unit, args[0]
			return func(row types.Row) (types.Value, error) {
				v, err := x(row)
				if err != nil || v.K == types.KNull {
					return types.Null, err
				}
				us, err := addMicros(micros(v), d)
				return fromMicros(us, t), err
			}, nil
		}
		return strict2(args[0], args[1], func(x, y types.Value) (types.Value, error) {
			if y.I > math.MaxInt64/unit || y.I < -math.MaxInt64/unit {
				return types.Null, errTimestampRange()
			}
			us, err := addMicros(micros(x), sign*y.I*unit)
			return fromMicros(us, t), err
		}), nil
	case t.ID == types.IntervalDT || t.ID == types.IntervalYM:
		return strict2(args[0], args[1], func(x, y types.Value) (types.Value, error) {
			z, err := addMicros(x.I, sign*y.I)
			if err != nil {
				return types.Null, sqlerr.New(sqlerr.NumericOutOfRange, "interval out of range")
			}
			return types.NewInterval(z), nil
		}), nil
	case ta.ID == types.Date && tb.ID == types.Date:
		return strict2(args[0], args[1], func(x, y types.Value) (types.Value, error) {
			return types.NewInt(x.I - y.I), nil
		}), nil
	}
	return nil, sqlerr.New(sqlerr.DatatypeMismatch, "operator does not exist: %s %s %s", ta, c.Fn, tb)
}

// intervalScale multiplies or divides an interval: DAY TO SECOND by a
// DOUBLE, rounding to the microsecond; YEAR TO MONTH by an integer.
func intervalScale(fn string, t types.Type, iv, n Func) Func {
	if t.ID == types.IntervalYM {
		return strict2(iv, n, func(x, y types.Value) (types.Value, error) {
			z := x.I * y.I
			if y.I != 0 && (z/y.I != x.I || z > math.MaxInt32*12 || z < -math.MaxInt32*12) {
				return types.Null, errIntervalRange()
			}
			return types.NewInterval(z), nil
		})
	}
	return strict2(iv, n, func(x, y types.Value) (types.Value, error) {
		f := y.Float()
		var z float64
		if fn == "/" {
			if f == 0 {
				return types.Null, errDivZero()
			}
			z = float64(x.I) / f
		} else {
			z = float64(x.I) * f
		}
		if math.IsNaN(z) || z >= math.MaxInt64 || z <= math.MinInt64 {
			return types.Null, errIntervalRange()
		}
		return types.NewInterval(int64(math.RoundToEven(z))), nil
	})
}

func errIntervalRange() error {
	return sqlerr.New(sqlerr.NumericOutOfRange, "interval out of range")
}

// unitFunc returns a field of an instant: EXTRACT's units on microseconds.
func unitFunc(unit string, isTime bool) (func(us int64) int64, error) {
	if isTime {
		switch unit {
		case "HOUR", "MINUTE", "SECOND", "MILLISECOND", "MICROSECOND", "EPOCH":
		default:
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "unit %q not supported for type TIME", unit)
		}
	}
	civil := func(f func(t time.Time) int64) func(int64) int64 {
		return func(us int64) int64 { return f(time.UnixMicro(us).UTC()) }
	}
	secOfMin := func(us int64) int64 { return (us - floorDiv(us, 60e6)*60e6) }
	switch unit {
	case "YEAR":
		return civil(func(t time.Time) int64 { return int64(t.Year()) }), nil
	case "QUARTER":
		return civil(func(t time.Time) int64 { return int64(t.Month()-1)/3 + 1 }), nil
	case "MONTH":
		return civil(func(t time.Time) int64 { return int64(t.Month()) }), nil
	case "WEEK":
		return civil(func(t time.Time) int64 { _, w := t.ISOWeek(); return int64(w) }), nil
	case "ISOYEAR":
		return civil(func(t time.Time) int64 { y, _ := t.ISOWeek(); return int64(y) }), nil
	case "DAY":
		return civil(func(t time.Time) int64 { return int64(t.Day()) }), nil
	case "DOW":
		return civil(func(t time.Time) int64 { return int64(t.Weekday()) }), nil
	case "DAYOFWEEK": // MySQL and Flink: 1 = Sunday
		return civil(func(t time.Time) int64 { return int64(t.Weekday()) + 1 }), nil
	case "ISODOW":
		return civil(func(t time.Time) int64 { return (int64(t.Weekday())+6)%7 + 1 }), nil
	case "DOY":
		return civil(func(t time.Time) int64 { return int64(t.YearDay()) }), nil
	case "HOUR":
		return func(us int64) int64 { return (us - floorDiv(us, usPerDay)*usPerDay) / 3600e6 }, nil
	case "MINUTE":
		return func(us int64) int64 { return (us - floorDiv(us, 3600e6)*3600e6) / 60e6 }, nil
	case "SECOND":
		return func(us int64) int64 { return secOfMin(us) / usPerSec }, nil
	case "MILLISECOND":
		return func(us int64) int64 { return secOfMin(us) / 1000 }, nil
	case "MICROSECOND":
		return secOfMin, nil
	case "EPOCH":
		return func(us int64) int64 { return floorDiv(us, usPerSec) }, nil
	}
	return nil, sqlerr.New(sqlerr.InvalidParameter, "unit %q not recognized", unit)
}

// buildPGExtract is EXTRACT as PostgreSQL has it: a numeric, exact to
// the microsecond for the units with a fraction of the second (whose
// values the BIGINT units count in microseconds).
func buildPGExtract(c *scalar.Call, args []Func) (Func, error) {
	unit, t := scalar.UnitOf(c.Args[0]), c.Args[1].Type()
	scale := int32(c.T.Scale)
	var f Func
	var err error
	switch {
	case scale == 0:
		f, err = extractFunc(unit, t, args[1])
	case unit == "EPOCH":
		f = epochMicros(t, args[1])
	case t.ID == types.IntervalDT: // SECOND, MILLISECOND: of the minute
		f = strict1(args[1], func(x types.Value) (types.Value, error) { return types.NewInt(x.I % 60e6), nil })
	default: // SECOND, MILLISECOND of a time: the second of the minute in µs
		f, err = extractFunc("MICROSECOND", t, args[1])
	}
	if err != nil {
		return nil, err
	}
	return strict1(f, func(x types.Value) (types.Value, error) {
		d := types.DecFromInt(x.Int())
		d.Scale = scale
		return types.NewDecimal(d), nil
	}), nil
}

// epochMicros is the microseconds since the epoch of a time value, or the
// length of an interval in microseconds.
func epochMicros(t types.Type, arg Func) Func {
	if t.ID == types.IntervalYM {
		return strict1(arg, func(x types.Value) (types.Value, error) {
			// A year is 365.25 days and a month 30, as in PostgreSQL.
			m := x.Int()
			return types.NewInt(m/12*36525*usPerDay/100 + m%12*30*usPerDay), nil
		})
	}
	return strict1(arg, func(x types.Value) (types.Value, error) { return types.NewInt(micros(x)), nil })
}

func buildExtract(c *scalar.Call, args []Func) (Func, error) {
	return extractFunc(scalar.UnitOf(c.Args[0]), c.Args[1].Type(), args[1])
}

func extractFunc(unit string, t types.Type, arg Func) (Func, error) {
	if t.ID == types.IntervalDT || t.ID == types.IntervalYM {
		return extractInterval(unit, t, arg)
	}
	f, err := unitFunc(unit, t.ID == types.Time)
	if err != nil {
		return nil, err
	}
	return strict1(arg, func(x types.Value) (types.Value, error) {
		return types.NewInt(f(micros(x))), nil
	}), nil
}

func extractInterval(unit string, t types.Type, arg Func) (Func, error) {
	var f func(n int64) int64
	if t.ID == types.IntervalYM {
		switch unit {
		case "YEAR":
			f = func(n int64) int64 { return n / 12 }
		case "MONTH":
			f = func(n int64) int64 { return n % 12 }
		}
	} else {
		switch unit {
		case "DAY":
			f = func(n int64) int64 { return n / usPerDay }
		case "HOUR":
			f = func(n int64) int64 { return n % usPerDay / 3600e6 }
		case "MINUTE":
			f = func(n int64) int64 { return n % 3600e6 / 60e6 }
		case "SECOND":
			f = func(n int64) int64 { return n % 60e6 / usPerSec }
		case "EPOCH":
			f = func(n int64) int64 { return n / usPerSec }
		}
	}
	if f == nil {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "unit %q not supported for type %s", unit, t)
	}
	return strict1(arg, func(x types.Value) (types.Value, error) { return types.NewInt(f(x.I)), nil }), nil
}

// unitMicros is the length of the fixed-length units.
var unitMicros = map[string]int64{"WEEK": 7 * usPerDay, "DAY": usPerDay, "HOUR": 3600e6,
	"MINUTE": 60e6, "SECOND": usPerSec, "MILLISECOND": 1000, "MICROSECOND": 1}

var unitMonths = map[string]int64{"YEAR": 12, "QUARTER": 3, "MONTH": 1}

func buildTimestampAdd(c *scalar.Call, args []Func) (Func, error) {
	unit, t := scalar.UnitOf(c.Args[0]), c.T
	months, fixed := unitMonths[unit], unitMicros[unit]
	if months == 0 && fixed == 0 {
		return nil, sqlerr.New(sqlerr.InvalidParameter, "unit %q not supported by TIMESTAMPADD", unit)
	}
	return strict2(args[1], args[2], func(n, x types.Value) (types.Value, error) {
		if months != 0 {
			us, err := addMonths(micros(x), n.I*months)
			return fromMicros(us, t), err
		}
		us, err := addMicros(micros(x), n.I*fixed)
		return fromMicros(us, t), err
	}), nil
}

// buildTimestampDiff counts whole units from the first instant to the
// second, as Flink and MySQL do: a month has passed when the day and time of
// month have been reached again.
func buildTimestampDiff(c *scalar.Call, args []Func) (Func, error) {
	unit := scalar.UnitOf(c.Args[0])
	months, fixed := unitMonths[unit], unitMicros[unit]
	if months == 0 && fixed == 0 {
		return nil, sqlerr.New(sqlerr.InvalidParameter, "unit %q not supported by TIMESTAMPDIFF", unit)
	}
	return strict2(args[1], args[2], func(x, y types.Value) (types.Value, error) {
		a, b := micros(x), micros(y)
		var n int64
		if months != 0 {
			n = monthsBetween(a, b) / months
		} else {
			n = (b - a) / fixed
			if (b > a) != (b-a > 0) {
				return types.Null, scalar.OutOfRange(types.TInt)
			}
		}
		if n > math.MaxInt32 || n < math.MinInt32 {
			return types.Null, scalar.OutOfRange(types.TInt)
		}
		return types.NewInt(n), nil
	}), nil
}

func monthsBetween(a, b int64) int64 {
	ta, tb := time.UnixMicro(a).UTC(), time.UnixMicro(b).UTC()
	n := int64(tb.Year()-ta.Year())*12 + int64(tb.Month()-ta.Month())
	restA := a - time.Date(ta.Year(), ta.Month(), 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	restB := b - time.Date(tb.Year(), tb.Month(), 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	switch {
	case n > 0 && restB < restA:
		n--
	case n < 0 && restB > restA:
		n++
	}
	return n
}

// floorTime is FLOOR(ts TO unit) and CEIL(ts TO unit). Weeks start on
// Monday, as in PostgreSQL's date_trunc.
func floorTime(c *scalar.Call, args []Func, ceil bool) (Func, error) {
	unit, t := scalar.UnitOf(c.Args[1]), c.T
	months, fixed := unitMonths[unit], unitMicros[unit]
	if months == 0 && fixed == 0 {
		return nil, sqlerr.New(sqlerr.InvalidParameter, "unit %q not supported by FLOOR and CEIL", unit)
	}
	return strict1(args[0], func(x types.Value) (types.Value, error) {
		us := micros(x)
		var lo, hi int64
		var err error
		if months != 0 {
			tm := time.UnixMicro(us).UTC()
			m := (int(tm.Month()) - 1) / int(months) * int(months)
			lo = time.Date(tm.Year(), time.Month(m+1), 1, 0, 0, 0, 0, time.UTC).UnixMicro()
			if hi, err = addMonths(lo, months); err != nil {
				return types.Null, err
			}
		} else {
			shift := int64(0)
			if unit == "WEEK" {
				shift = 4 * usPerDay // 1970-01-01 was a Thursday
			}
			lo = floorDiv(us-shift, fixed)*fixed + shift
			hi = lo + fixed
		}
		if ceil && lo != us {
			lo = hi
		}
		return fromMicros(lo, t), nil
	}), nil
}
