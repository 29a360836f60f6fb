package parse

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// Interval literals. TiDB reads INTERVAL '5' SECOND only as the right
// operand of + and - (turning it into DATE_ADD / DATE_SUB) and not as a
// function argument, which window functions need (TUMBLE(…, INTERVAL '10'
// SECOND)). The rewrite therefore replaces every interval literal with a
// placeholder call __riffle_interval_N(), a primary expression like the
// literal, so precedence is unchanged and TiDB reads it anywhere.

// intervalLiteral rewrites INTERVAL <'text' | number> [unit [TO unit]]
// starting at toks[i] and returns the index after it, or i when the tokens
// are not an interval literal (MySQL's INTERVAL(n, …) function, or a unit
// riffle does not know such as WEEK, left for TiDB).
func (r *rewriter) intervalLiteral(i int) (int, error) {
	if i > r.lo && r.toks[i-1].IsOp(",") && tidbIntervalCalls[r.enclosingCall(i)] {
		return i, nil
	}
	iv, end, err := r.intervalAt(i, r.hi)
	if err != nil || iv == nil {
		return i, err
	}
	if r.src.Ext.Intervals == nil {
		r.src.Ext.Intervals = map[string]IntervalExt{}
	}
	start := r.toks[i]
	name := IntervalPrefix + strconv.Itoa(len(r.src.Ext.Intervals)+1)
	r.src.Ext.Intervals[name] = *iv
	last := r.toks[end-1]
	text := name + "()"
	if end < r.hi && (r.toks[end].Is("PRECEDING") || r.toks[end].Is("FOLLOWING")) {
		// A RANGE frame's bound: TiDB's grammar wants INTERVAL expr unit
		// there; the unit it reads is ignored, the placeholder is the value.
		text = "INTERVAL " + text + " SECOND"
	}
	r.add(start.Start, last.End-start.Start, text, false)
	r.castEnd[end-1] = i // so that INTERVAL '1' DAY::text casts the literal
	return end, nil
}

// intervalAt reads the interval literal INTERVAL <'text' | number> [unit
// [TO unit]] at toks[i], looking no further than toks[hi-1], and returns
// it with the index after it; nil when the tokens are not an interval
// literal riffle reads (MySQL's INTERVAL(n, …) function, or a unit riffle
// does not know such as WEEK, left for TiDB). A literal whose value does
// not fit its unit is an error at the value.
func (r *rewriter) intervalAt(i, hi int) (*IntervalExt, int, error) {
	if i+1 >= hi {
		return nil, i, nil
	}
	val := r.toks[i+1]
	if val.Kind != TokString && val.Kind != TokNumber && val.Kind != TokEString {
		return nil, i, nil
	}
	c := &cursor{src: r.src, toks: r.toks[:hi], i: i + 2}
	unit, typ, err := intervalQualifier(c)
	if err != nil {
		return nil, 0, err
	}
	if unit == "" && (val.Kind == TokNumber || isUnitLike(c.peek())) {
		return nil, i, nil // INTERVAL 5 WEEK and the like: TiDB's own
	}
	iv := &IntervalExt{Type: typ, Text: val.Val, Unit: unit, Pos: r.toks[i].Start}
	if _, _, err := iv.Value(); err != nil {
		msg := err.Error()
		if e, ok := sqlerr.As(err); ok {
			msg = e.Message
		}
		return nil, 0, r.src.Errorf(val.Start, sqlerr.InvalidText, "%s", msg)
	}
	return iv, c.i, nil
}

// tidbIntervalCalls are the MySQL functions whose grammar in TiDB requires
// an INTERVAL literal as written; they keep it, and TiDB parses it.
var tidbIntervalCalls = map[string]bool{"DATE_ADD": true, "DATE_SUB": true, "ADDDATE": true, "SUBDATE": true}

// enclosingCall returns the upper-cased name of the function whose
// argument list holds toks[i], or "".
func (r *rewriter) enclosingCall(i int) string {
	depth := 0
	for j := i - 1; j >= r.lo; j-- {
		switch t := r.toks[j]; {
		case t.IsOp(")"):
			depth++
		case t.IsOp("("):
			if depth == 0 {
				if j > r.lo && r.toks[j-1].Kind == TokIdent {
					return strings.ToUpper(r.toks[j-1].Val)
				}
				return ""
			}
			depth--
		}
	}
	return ""
}

// isUnitLike reports whether t looks like a MySQL interval unit riffle
// does not handle (WEEK, QUARTER, MICROSECOND, DAY_HOUR, …).
func isUnitLike(t Token) bool {
	switch strings.ToUpper(t.Val) {
	case "WEEK", "QUARTER", "MICROSECOND", "SECOND_MICROSECOND", "MINUTE_MICROSECOND",
		"MINUTE_SECOND", "HOUR_MICROSECOND", "HOUR_SECOND", "HOUR_MINUTE", "DAY_MICROSECOND",
		"DAY_SECOND", "DAY_MINUTE", "DAY_HOUR", "YEAR_MONTH":
		return t.Kind == TokIdent
	}
	return false
}

// intervalQualifier reads an optional unit [(p)] [TO unit [(p)]] and
// returns it normalised with the interval type it gives. No qualifier
// gives "" and INTERVAL DAY TO SECOND (PostgreSQL's '1 day 2 hours').
func intervalQualifier(c *cursor) (string, types.Type, error) {
	dt := types.Type{ID: types.IntervalDT, Precision: 6}
	from, ok := unitAt(c.peek())
	if !ok {
		return "", dt, nil
	}
	c.i++
	if _, err := c.params(2); err != nil {
		return "", dt, err
	}
	unit, to := from, intervalUnits[from]
	if c.accept("TO") {
		u := c.peek()
		toName, ok := unitAt(u)
		if !ok || intervalUnits[toName] < intervalUnits[from] || (intervalUnits[from] <= 1) != (intervalUnits[toName] <= 1) {
			return "", dt, c.syntaxErr(u)
		}
		c.i++
		if _, err := c.params(1); err != nil {
			return "", dt, err
		}
		unit, to = from+" TO "+toName, intervalUnits[toName]
	}
	if to <= 1 {
		return unit, types.Type{ID: types.IntervalYM}, nil
	}
	return unit, dt, nil
}

// unitAt returns the unit t names, accepting the plural too (Flink and
// PostgreSQL both write '10' SECONDS).
func unitAt(t Token) (string, bool) {
	if t.Kind != TokIdent {
		return "", false
	}
	u := strings.ToUpper(t.Val)
	if _, ok := intervalUnits[u]; ok {
		return u, true
	}
	u = strings.TrimSuffix(u, "S")
	_, ok := intervalUnits[u]
	return u, ok
}

// unitMicros is the length of each day-time unit in microseconds, and of
// each year-month unit in months.
var unitMicros = map[string]int64{
	"YEAR": 12, "MONTH": 1,
	"DAY": 86400e6, "HOUR": 3600e6, "MINUTE": 60e6, "SECOND": 1e6,
}

// Value returns what the literal stands for: a number of months for
// INTERVAL YEAR TO MONTH, of microseconds for INTERVAL DAY TO SECOND.
func (iv IntervalExt) Value() (months, micros int64, err error) {
	text := strings.TrimSpace(iv.Text)
	neg := strings.HasPrefix(text, "-")
	text = strings.TrimSpace(strings.TrimLeft(text, "+-"))
	var total int64
	switch {
	case iv.Unit == "":
		months, micros, err = postgresInterval(text)
	case !strings.Contains(iv.Unit, " TO "):
		total, err = scaled(text, unitMicros[iv.Unit])
	default:
		total, err = rangeInterval(text, iv.Unit)
	}
	if err != nil {
		return 0, 0, err
	}
	if iv.Type.ID == types.IntervalYM {
		months = total
	} else if iv.Unit != "" {
		micros = total
	}
	if neg {
		months, micros = -months, -micros
	}
	return months, micros, nil
}

// scaled parses a decimal number of units of size per.
func scaled(text string, per int64) (int64, error) {
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f*float64(per)) > math.MaxInt64/2 {
		return 0, &sqlerr.Error{Code: sqlerr.InvalidText, Message: "invalid interval value '" + text + "'"}
	}
	return int64(math.Round(f * float64(per))), nil
}

// rangeInterval parses the SQL standard's 'y-m', 'd h:m:s.f', 'h:m' …
// forms of a ranged qualifier such as DAY TO SECOND.
func rangeInterval(text, unit string) (int64, error) {
	from, to, _ := strings.Cut(unit, " TO ")
	units := []string{"YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND"}
	lo, hi := intervalUnits[from], intervalUnits[to]
	fields := strings.FieldsFunc(text, func(r rune) bool { return r == ' ' || r == ':' || r == '-' })
	if len(fields) != hi-lo+1 {
		return 0, &sqlerr.Error{Code: sqlerr.InvalidText, Message: "invalid interval value '" + text + "' for " + unit}
	}
	var total int64
	for k, f := range fields {
		v, err := scaled(f, unitMicros[units[lo+k]])
		if err != nil {
			return 0, err
		}
		total += v
	}
	return total, nil
}

// postgresInterval parses PostgreSQL's '1 day 2 hours 3.5 seconds'.
func postgresInterval(text string) (months, micros int64, err error) {
	fields := strings.Fields(text)
	bad := &sqlerr.Error{Code: sqlerr.InvalidDatetime, Message: "invalid input syntax for type interval: \"" + text + "\""}
	if len(fields) == 0 {
		return 0, 0, bad
	}
	for k := 0; k < len(fields); {
		if strings.Contains(fields[k], ":") {
			// A clock field, as in '1 day 02:03:04': hours, minutes, seconds.
			v, err := clockMicros(fields[k])
			if err != nil {
				return 0, 0, bad
			}
			micros += v
			k++
			continue
		}
		if k+1 >= len(fields) {
			return 0, 0, bad
		}
		u, ok := unitAt(Token{Kind: TokIdent, Val: fields[k+1]})
		if !ok {
			return 0, 0, &sqlerr.Error{Code: sqlerr.InvalidDatetime, Message: "invalid interval unit '" + fields[k+1] + "'"}
		}
		v, err := scaled(fields[k], unitMicros[u])
		if err != nil {
			return 0, 0, err
		}
		if intervalUnits[u] <= 1 {
			months += v
		} else {
			micros += v
		}
		k += 2
	}
	return months, micros, nil
}

// clockMicros reads [-]H:MM[:SS[.ffffff]] as microseconds.
func clockMicros(f string) (int64, error) {
	neg := strings.HasPrefix(f, "-")
	parts := strings.Split(strings.TrimLeft(f, "+-"), ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, fmt.Errorf("bad clock %q", f)
	}
	var total int64
	for i, p := range parts {
		per := [3]int64{3600e6, 60e6, 1e6}[i]
		v, err := scaled(p, per)
		if err != nil {
			return 0, err
		}
		total += v
	}
	if neg {
		total = -total
	}
	return total, nil
}
