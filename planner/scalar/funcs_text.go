package scalar

import (
	"encoding/hex"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// ParseText converts the text form of a value to type t, as CAST(text AS t)
// and PostgreSQL's input functions do. It lives here rather than in exec/expr
// because the binder folds untyped literals ('2024-01-01' compared with a
// DATE) with it and reports bad input before the query runs; exec/expr uses it
// for casts from strings at run time.
//
// Bad input is a 22P02 error naming the type the way PostgreSQL does
// (`invalid input syntax for type integer: "abc"`); a number that does not fit
// is 22003.
func ParseText(s string, t types.Type) (types.Value, error) {
	if t.IsCanonicalText() {
		c, err := types.CanonicalText(s, t)
		if err != nil {
			return types.Null, sqlerr.New(sqlerr.InvalidText, "%s", err.Error())
		}
		return types.NewString(c), nil
	}
	switch t.ID {
	case types.Unknown, types.Char, types.Varchar:
		return types.NewString(truncateChars(s, t.Length)), nil
	case types.Boolean:
		return parseBool(s)
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
		return parseInt(s, t)
	case types.Float, types.Double:
		return parseFloat(s, t)
	case types.Decimal:
		d, err := types.ParseDec(s)
		if err != nil {
			return types.Null, badInput(t, s)
		}
		return FitDecimal(d, t)
	case types.Binary, types.Varbinary:
		if rest, ok := strings.CutPrefix(s, `\x`); ok {
			b, err := hex.DecodeString(rest)
			if err != nil {
				return types.Null, badInput(t, s)
			}
			return types.NewBytes(b), nil
		}
		return types.Value{K: types.KBytes, S: s}, nil
	case types.Date:
		us, err := parseTimestamp(s, t, false)
		return types.NewDate(floorDiv(us, 86400e6)), err
	case types.Time:
		us, ok := parseClock(strings.TrimSpace(s))
		if !ok || us < 0 || us > 86400e6 {
			if clockShape(strings.TrimSpace(s)) {
				return types.Null, fieldOutOfRange(s)
			}
			return types.Null, badInput(t, s)
		}
		return types.NewTime(RoundMicros(us, t.Precision)), nil
	case types.Timestamp, types.TimestampLTZ:
		us, err := parseTimestamp(s, t, t.ID == types.TimestampLTZ)
		return types.NewTimestamp(RoundMicros(us, t.Precision)), err
	case types.IntervalDT, types.IntervalYM:
		return parseInterval(s, t)
	case types.JSON:
		if !json.Valid([]byte(s)) {
			return types.Null, badInput(t, s)
		}
		return types.NewJSON(s), nil
	case types.Array:
		return parseArray(s, t)
	}
	return types.Null, sqlerr.New(sqlerr.FeatureNotSupported, "cannot cast STRING to %s", t)
}

// parseArray reads PostgreSQL's text form of a one-dimensional array,
// {a,"b c",NULL}, as clients write array parameters and psql compares
// catalog arrays ('{0}'). int2vector and oidvector read as space-separated
// numbers, their text form.
func parseArray(s string, t types.Type) (types.Value, error) {
	in := strings.TrimSpace(s)
	var items []string
	var quoted []bool
	if t.PG == "int2vector" || t.PG == "oidvector" {
		items = strings.Fields(in)
		quoted = make([]bool, len(items))
	} else {
		if len(in) < 2 || in[0] != '{' || in[len(in)-1] != '}' {
			return types.Null, sqlerr.New(sqlerr.InvalidText, "malformed array literal: %q", s).
				WithHint(`array value must start with "{"`)
		}
		body := in[1 : len(in)-1]
		for i := 0; i < len(body); {
			for i < len(body) && body[i] == ' ' {
				i++
			}
			var b strings.Builder
			q := false
			if i < len(body) && body[i] == '"' {
				q = true
				for i++; i < len(body) && body[i] != '"'; i++ {
					if body[i] == '\\' && i+1 < len(body) {
						i++
					}
					b.WriteByte(body[i])
				}
				if i >= len(body) {
					return types.Null, sqlerr.New(sqlerr.InvalidText, "malformed array literal: %q", s)
				}
				i++
				for i < len(body) && body[i] == ' ' {
					i++
				}
			} else {
				for i < len(body) && body[i] != ',' {
					b.WriteByte(body[i])
					i++
				}
			}
			if i < len(body) && body[i] != ',' {
				return types.Null, sqlerr.New(sqlerr.InvalidText, "malformed array literal: %q", s)
			}
			items, quoted = append(items, strings.TrimSpace(b.String())), append(quoted, q)
			if i < len(body) {
				i++ // the comma
				if i == len(body) {
					return types.Null, sqlerr.New(sqlerr.InvalidText, "malformed array literal: %q", s)
				}
			}
		}
	}
	out := make([]types.Value, len(items))
	for i, item := range items {
		if !quoted[i] && strings.EqualFold(item, "NULL") {
			continue
		}
		v, err := ParseText(item, *t.Elem)
		if err != nil {
			return types.Null, err
		}
		out[i] = v
	}
	return types.Value{K: types.KArray, X: out}, nil
}

// PGName is the name PostgreSQL gives a type in error messages.
func PGName(t types.Type) string {
	switch t.ID {
	case types.Boolean:
		return "boolean"
	case types.TinyInt:
		return "tinyint"
	case types.SmallInt:
		return "smallint"
	case types.Int:
		return "integer"
	case types.BigInt:
		return "bigint"
	case types.Float:
		return "real"
	case types.Double:
		return "double precision"
	case types.Decimal:
		return "numeric"
	case types.Binary, types.Varbinary:
		return "bytea"
	case types.Date:
		return "date"
	case types.Time:
		return "time"
	case types.Timestamp:
		return "timestamp"
	case types.TimestampLTZ:
		return "timestamp with time zone"
	case types.IntervalDT, types.IntervalYM:
		return "interval"
	case types.JSON:
		return "json"
	}
	return strings.ToLower(t.String())
}

func badInput(t types.Type, s string) error {
	if t.IsTemporal() || t.ID == types.IntervalDT || t.ID == types.IntervalYM {
		// PostgreSQL's datetime input functions report bad syntax as
		// invalid_datetime_format, not invalid_text_representation.
		return sqlerr.New(invalidDatetimeFormat, "invalid input syntax for type %s: \"%s\"", PGName(t), s)
	}
	return sqlerr.New(sqlerr.InvalidText, "invalid input syntax for type %s: \"%s\"", PGName(t), s)
}

// SQLSTATEs of PostgreSQL's datetime input errors.
const (
	invalidDatetimeFormat = "22007"
	datetimeFieldOverflow = "22008"
)

func fieldOutOfRange(s string) error {
	return sqlerr.New(datetimeFieldOverflow, "date/time field value out of range: \"%s\"", s)
}

// OutOfRange is the 22003 error for a value that does not fit integer type t:
// "integer out of range", "bigint out of range".
func OutOfRange(t types.Type) error {
	return sqlerr.New(sqlerr.NumericOutOfRange, "%s out of range", PGName(t))
}

// IntRange returns the smallest and largest value of integer type t.
func IntRange(t types.Type) (lo, hi int64) {
	switch t.ID {
	case types.TinyInt:
		return math.MinInt8, math.MaxInt8
	case types.SmallInt:
		return math.MinInt16, math.MaxInt16
	case types.Int:
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}

func truncateChars(s string, n int) string {
	if n <= 0 || len(s) <= n {
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

func parseBool(s string) (types.Value, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "t", "tr", "tru", "true", "y", "ye", "yes", "on", "1":
		return types.NewBool(true), nil
	case "f", "fa", "fal", "fals", "false", "n", "no", "of", "off", "0":
		return types.NewBool(false), nil
	}
	return types.Null, badInput(types.TBoolean, s)
}

func parseInt(s string, t types.Type) (types.Value, error) {
	i, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return types.Null, sqlerr.New(sqlerr.NumericOutOfRange,
				"value \"%s\" is out of range for type %s", s, PGName(t))
		}
		return types.Null, badInput(t, s)
	}
	if lo, hi := IntRange(t); i < lo || i > hi {
		return types.Null, sqlerr.New(sqlerr.NumericOutOfRange,
			"value \"%s\" is out of range for type %s", s, PGName(t))
	}
	return types.NewInt(i), nil
}

func parseFloat(s string, t types.Type) (types.Value, error) {
	bits := 64
	if t.ID == types.Float {
		bits = 32
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), bits)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return types.Null, sqlerr.New(sqlerr.NumericOutOfRange,
				"\"%s\" is out of range for type %s", s, PGName(t))
		}
		return types.Null, badInput(t, s)
	}
	return types.NewFloat(f), nil
}

// FitDecimal rescales d to t's scale (rounding half away from zero) and checks
// that it fits t's precision: 22003 "numeric field overflow" otherwise.
func FitDecimal(d *types.Dec, t types.Type) (types.Value, error) {
	if d.Scale != int32(t.Scale) {
		d = d.Rescale(int32(t.Scale))
	}
	p := t.Precision
	if p == 0 {
		p = MaxDecimalPrecision
	}
	if digits(d) > p {
		return types.Null, sqlerr.New(sqlerr.NumericOutOfRange, "numeric field overflow")
	}
	return types.NewDecimal(d), nil
}

// digits counts the decimal digits of d's unscaled value.
func digits(d *types.Dec) int {
	if d.Unscaled.IsInt64() {
		u := d.Unscaled.Int64()
		n := 1
		for u >= 10 || u <= -10 {
			u /= 10
			n++
		}
		return n
	}
	s := d.Unscaled.String()
	return len(strings.TrimPrefix(s, "-"))
}

// RoundMicros rounds a microsecond count to p fractional-second digits, half
// up, as PostgreSQL rounds timestamp(p) input.
func RoundMicros(us int64, p int) int64 {
	if p >= 6 || p < 0 {
		return us
	}
	unit := int64(math.Pow10(6 - p))
	return floorDiv(us+unit/2, unit) * unit
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// parseTimestamp reads 'YYYY-MM-DD[( |T)HH:MM[:SS[.ffffff]]][Z|±HH[:MM]]'.
// A zone is applied only when zoned is set (TIMESTAMP_LTZ); a TIMESTAMP
// ignores it, as PostgreSQL's timestamp without time zone does.
func parseTimestamp(s string, t types.Type, zoned bool) (int64, error) {
	in := strings.TrimSpace(s)
	if len(in) < 8 {
		return 0, badInput(t, s)
	}
	datePart, rest, _ := strings.Cut(in, " ")
	if i := strings.IndexByte(datePart, 'T'); i >= 0 {
		datePart, rest = datePart[:i], datePart[i+1:]+" "+rest
	}
	rest = strings.TrimSpace(rest)
	ys, ms, ok1 := strings.Cut(datePart, "-")
	ms, ds, ok2 := strings.Cut(ms, "-")
	y, e1 := strconv.Atoi(ys)
	m, e2 := strconv.Atoi(ms)
	d, e3 := strconv.Atoi(ds)
	if !ok1 || !ok2 || e1 != nil || e2 != nil || e3 != nil {
		return 0, badInput(t, s)
	}
	date := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if date.Year() != y || int(date.Month()) != m || date.Day() != d {
		return 0, fieldOutOfRange(s)
	}
	us := date.UnixMicro()
	if rest == "" {
		return us, nil
	}
	clock, zone := splitZone(rest)
	c, ok := parseClock(clock)
	if !ok {
		if clockShape(clock) {
			return 0, fieldOutOfRange(s)
		}
		return 0, badInput(t, s)
	}
	off, ok := parseZone(zone)
	if !ok {
		return 0, badInput(t, s)
	}
	if zoned {
		us -= off
	}
	return us + c, nil
}

func splitZone(s string) (clock, zone string) {
	if i := strings.IndexAny(s, "Z+-"); i >= 0 {
		return strings.TrimSpace(s[:i]), s[i:]
	}
	return s, ""
}

// parseZone returns the offset of 'Z', '+HH', '+HH:MM' or '+HHMM' in
// microseconds.
func parseZone(z string) (int64, bool) {
	z = strings.TrimSpace(z)
	if z == "" || z == "Z" || strings.EqualFold(z, "UTC") {
		return 0, true
	}
	sign := int64(1)
	if z[0] == '-' {
		sign = -1
	}
	z = strings.ReplaceAll(z[1:], ":", "")
	if len(z) != 2 && len(z) != 4 {
		return 0, false
	}
	h, err := strconv.Atoi(z[:2])
	if err != nil {
		return 0, false
	}
	m := 0
	if len(z) == 4 {
		if m, err = strconv.Atoi(z[2:]); err != nil {
			return 0, false
		}
	}
	return sign * (int64(h)*3600e6 + int64(m)*60e6), true
}

// parseClock reads HH:MM[:SS[.ffffff]] into microseconds since midnight.
func parseClock(s string) (int64, bool) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	h, e1 := strconv.Atoi(parts[0])
	m, e2 := strconv.Atoi(parts[1])
	if e1 != nil || e2 != nil || h < 0 || h > 24 || m < 0 || m > 59 {
		return 0, false
	}
	us := int64(h)*3600e6 + int64(m)*60e6
	if len(parts) == 3 {
		secs, frac, _ := strings.Cut(parts[2], ".")
		sec, err := strconv.Atoi(secs)
		if err != nil || sec < 0 || sec > 60 || len(secs) == 0 {
			return 0, false
		}
		us += int64(sec) * 1e6
		if frac != "" {
			f, ok := parseFraction(frac)
			if !ok {
				return 0, false
			}
			us += f
		}
	}
	return us, true
}

// clockShape reports whether s looks like HH:MM[:SS[.ffffff]], so that a
// clock parseClock refused had a field out of range (22008), not bad syntax.
func clockShape(s string) bool {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return false
	}
	for i, p := range parts {
		if i == 2 {
			p, _, _ = strings.Cut(p, ".")
		}
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}

// parseFraction reads the digits after a decimal point as microseconds,
// rounding digits beyond the sixth.
func parseFraction(frac string) (int64, bool) {
	var us int64
	for i := 0; i < len(frac); i++ {
		c := frac[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		switch {
		case i < 6:
			us = us*10 + int64(c-'0')
		case i == 6 && c >= '5':
			us++
		}
	}
	for i := len(frac); i < 6; i++ {
		us *= 10
	}
	return us, true
}

// intervalUnits maps PostgreSQL's interval unit spellings (singular, after
// a trailing "s" is dropped) to microseconds; negative entries are months.
var intervalUnits = map[string]int64{
	"microsecond": 1, "usec": 1, "us": 1, "millisecond": 1e3, "msec": 1e3, "ms": 1e3,
	"second": 1e6, "sec": 1e6, "minute": 60e6, "min": 60e6, "hour": 3600e6, "hr": 3600e6,
	"day": 86400e6, "week": 7 * 86400e6, "month": -1, "mon": -1, "year": -12, "yr": -12,
}

// parseInterval reads PostgreSQL's interval input: a list of "<n> <unit>"
// pairs, optionally followed by HH:MM:SS, or 'Y-M' for YEAR TO MONTH.
func parseInterval(s string, t types.Type) (types.Value, error) {
	fields := strings.Fields(strings.ToLower(s))
	var us, months int64
	if len(fields) == 0 {
		return types.Null, badInput(t, s)
	}
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		if c, ok := parseClock(strings.TrimPrefix(f, "-")); ok {
			if f[0] == '-' {
				c = -c
			}
			us += c
			continue
		}
		if y, m, ok := strings.Cut(f, "-"); ok && y != "" && t.ID == types.IntervalYM {
			yi, e1 := strconv.ParseInt(y, 10, 64)
			mi, e2 := strconv.ParseInt(m, 10, 64)
			if e1 != nil || e2 != nil {
				return types.Null, badInput(t, s)
			}
			months += yi*12 + mi
			continue
		}
		n, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return types.Null, badInput(t, s)
		}
		unit := int64(1e6) // a bare number is seconds
		if i+1 < len(fields) {
			i++
			u, ok := intervalUnits[strings.TrimSuffix(fields[i], "s")]
			if !ok {
				return types.Null, badInput(t, s)
			}
			unit = u
		}
		if unit < 0 {
			months += int64(n * float64(-unit))
		} else {
			us += int64(math.Round(n * float64(unit)))
		}
	}
	if t.ID == types.IntervalYM {
		if us != 0 {
			return types.Null, badInput(t, s)
		}
		return types.NewInterval(months), nil
	}
	return types.NewInterval(us + months*30*86400e6), nil
}

// TextHasZone reports whether the text of a timestamp names its zone
// ('2024-07-01 10:00:00+02', '…Z'): one that does not is wall-clock time
// in the session zone when read as a TIMESTAMP_LTZ.
func TextHasZone(s string) bool {
	datePart, rest, _ := strings.Cut(strings.TrimSpace(s), " ")
	if i := strings.IndexByte(datePart, 'T'); i >= 0 {
		rest = datePart[i+1:] + " " + rest // the clock of 2024-07-01T10:00:00+02
	}
	_, zone := splitZone(strings.TrimSpace(rest))
	return zone != ""
}
