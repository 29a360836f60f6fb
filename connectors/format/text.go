package format

import (
	"bytes"
	"encoding/base64"
	"math"
	"strconv"
	"strings"

	"riffle/sql/types"
)

// Conversions between a scalar value and its text, shared by the formats
// that hold values as text (CSV). The forms are the JSON format's string
// forms, so that every text format reads and writes values the same way.

// parseText converts the text of one value to type t. Numbers, booleans and
// intervals may have surrounding spaces, as Flink trims them; strings are
// taken as they are. Errors carry no field; the caller adds it.
func parseText(t types.Type, b []byte) (types.Value, *Error) {
	switch t.ID {
	case types.Char, types.Varchar, types.Unknown:
		if t.IsCanonicalText() {
			return canonical(types.NewString(validString(b)), t)
		}
		return types.NewString(validString(b)), nil
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
		return parseIntText(t, bytes.TrimSpace(b))
	case types.Float, types.Double:
		f, err := strconv.ParseFloat(bytesString(bytes.TrimSpace(b)), 64)
		if err != nil && !isRangeErr(err) {
			return types.Null, errorf("", "expected a number, got "+quoteText(b))
		}
		if t.ID == types.Float {
			f = float64(float32(f))
		}
		return types.NewFloat(f), nil
	case types.Decimal:
		return parseDecimalText(t, bytes.TrimSpace(b))
	case types.Boolean:
		switch s := bytesString(bytes.TrimSpace(b)); {
		case strings.EqualFold(s, "true"):
			return types.NewBool(true), nil
		case strings.EqualFold(s, "false"):
			return types.NewBool(false), nil
		}
		return types.Null, errorf("", "expected a boolean, got "+quoteText(b))
	case types.Binary, types.Varbinary:
		out := make([]byte, base64.StdEncoding.DecodedLen(len(b)))
		n, err := base64.StdEncoding.Decode(out, b)
		if err != nil {
			return types.Null, errorf("", "expected base64, got "+quoteText(b))
		}
		return types.Value{K: types.KBytes, S: string(out[:n])}, nil
	case types.Date, types.Time, types.Timestamp, types.TimestampLTZ:
		return parseTemporalText(t, b)
	case types.IntervalYM, types.IntervalDT:
		v, err := parseIntText(types.TBigInt, bytes.TrimSpace(b))
		if err != nil || t.ID == types.IntervalYM {
			return types.NewInterval(v.I), err
		}
		if v.I > math.MaxInt64/1000 || v.I < math.MinInt64/1000 {
			return types.Null, errorf("", "interval out of range")
		}
		return types.NewInterval(v.I * 1000), nil
	case types.JSON:
		s := scanner{data: b}
		if err := s.skip(0); err != nil || s.ws() != 0 {
			return types.Null, errorf("", "expected a JSON value, got "+quoteText(b))
		}
		return types.NewJSON(string(b)), nil
	}
	return types.Null, errorf("", "type "+t.String()+" has no text form")
}

func parseIntText(t types.Type, b []byte) (types.Value, *Error) {
	v, err := strconv.ParseInt(bytesString(b), 10, 64)
	switch {
	case err != nil && isRangeErr(err), err == nil && !fitsInt(v, t.ID):
		return types.Null, errorf("", "value "+quoteText(b)+" is out of range for "+t.String())
	case err != nil:
		return types.Null, errorf("", "expected an integer, got "+quoteText(b))
	}
	return types.NewInt(v), nil
}

// maxExponent bounds the exponent of a decimal's text: math/big would take
// minutes to scale 1e999999999, and no DECIMAL has a thousand digits.
const maxExponent = 1000

// exponentOK reports whether a JSON number's text has no exponent beyond
// ±maxExponent.
func exponentOK(b []byte) bool {
	i := bytes.IndexAny(b, "eE")
	if i < 0 {
		return true
	}
	exp, err := strconv.Atoi(bytesString(b[i+1:]))
	return err == nil && exp >= -maxExponent && exp <= maxExponent
}

// decimalSyntax reports whether b is a number types.ParseDec reads as
// meant: [+-]digits[.digits][(e|E)[+-]digits], with digits on at least one
// side of the point. ParseDec alone reads "1e7\x1f0" as 1e7.
func decimalSyntax(b []byte) bool {
	i := 0
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		i++
	}
	start := i
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	digits := i > start
	if i < len(b) && b[i] == '.' {
		i++
		start = i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		digits = digits || i > start
	}
	if !digits {
		return false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		start = i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	return i == len(b)
}

// parseDecimalText reads a DECIMAL(p, s) exactly, rounding half away from
// zero to scale s; more than p digits is an error.
func parseDecimalText(t types.Type, b []byte) (types.Value, *Error) {
	switch {
	case len(b) > maxExponent:
		return types.Null, errorf("", "number too long for "+t.String())
	case !decimalSyntax(b):
		return types.Null, errorf("", "expected a number, got "+quoteText(b))
	case !exponentOK(b):
		return types.Null, errorf("", "exponent out of range for "+t.String()+": "+quoteText(b))
	}
	dec, err := types.ParseDec(string(b))
	if err != nil {
		return types.Null, errorf("", "expected a number, got "+quoteText(b))
	}
	dec = dec.Rescale(int32(t.Scale))
	if t.Precision > 0 && digitCount(dec) > t.Precision {
		return types.Null, errorf("", "value "+quoteText(b)+" does not fit "+t.String())
	}
	return types.NewDecimal(dec), nil
}

func parseTemporalText(t types.Type, b []byte) (types.Value, *Error) {
	switch t.ID {
	case types.Date:
		if v, n, ok := parseDate(b); ok && n == len(b) {
			return types.NewDate(v), nil
		}
	case types.Time:
		if v, n, ok := parseClock(b); ok && n == len(b) {
			return types.NewTime(truncMicros(v, t.Precision)), nil
		}
	default:
		v, ok := parseTimestamp(b)
		if ok && !inRange(v) {
			return types.Null, errorf("", "timestamp "+quoteText(b)+" is outside the years 0000-9999 in UTC")
		}
		if ok {
			return types.NewTimestamp(truncMicros(v, t.Precision)), nil
		}
	}
	want := temporalWant(t.ID)
	if t.ID == types.Timestamp || t.ID == types.TimestampLTZ {
		want = `a timestamp like "2024-01-01 00:00:01.123"`
	}
	return types.Null, errorf("", "expected "+want+", got "+quoteText(b))
}

// appendText writes the text form of v, a value of type t, that parseText
// reads back. ok is false for a value of the wrong kind.
func appendText(b []byte, t types.Type, v types.Value) (_ []byte, ok bool) {
	switch v.K {
	case types.KBool:
		return strconv.AppendBool(b, v.Bool()), true
	case types.KInt:
		return strconv.AppendInt(b, v.I, 10), true
	case types.KFloat:
		f := v.Float()
		switch {
		case math.IsNaN(f):
			return append(b, "NaN"...), true
		case math.IsInf(f, 1):
			return append(b, "Infinity"...), true
		case math.IsInf(f, -1):
			return append(b, "-Infinity"...), true
		}
		bits := 64
		if t.ID == types.Float {
			bits = 32
		}
		return strconv.AppendFloat(b, f, 'g', -1, bits), true
	case types.KDecimal:
		return append(b, v.Dec().String()...), true
	case types.KString, types.KJSON:
		return append(b, v.S...), true
	case types.KBytes:
		return base64.StdEncoding.AppendEncode(b, []byte(v.S)), true
	case types.KDate:
		return appendDate(b, v.I), true
	case types.KTime:
		return appendClock(b, v.I), true
	case types.KTimestamp:
		b = appendTimestamp(b, v.I)
		if t.ID == types.TimestampLTZ {
			b = append(b, 'Z')
		}
		return b, true
	case types.KInterval:
		if t.ID == types.IntervalDT {
			return strconv.AppendInt(b, v.I/1000, 10), true
		}
		return strconv.AppendInt(b, v.I, 10), true
	}
	return b, false
}

// quoteText quotes a value's text for an error message, cutting it short.
func quoteText(b []byte) string {
	const maxShown = 40
	if len(b) > maxShown {
		return strconv.Quote(string(b[:maxShown])) + "..."
	}
	return strconv.Quote(string(b))
}

// canonical checks a string value of an enum, point or int4range column
// and puts it in the form values of the type are held in: a record with a
// label the enum lacks is a bad record.
func canonical(v types.Value, t types.Type) (types.Value, *Error) {
	c, err := types.CanonicalText(v.S, t)
	if err != nil {
		return types.Null, errorf("", err.Error())
	}
	return types.NewString(c), nil
}

// checkedString is canonical for a decoder that returns a plain error.
func checkedString(s string, t types.Type) (types.Value, error) {
	v, err := canonical(types.NewString(s), t)
	if err != nil {
		return v, err
	}
	return v, nil
}
