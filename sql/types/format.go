package types

import (
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"time"
)

// Text renders v in PostgreSQL's text output format for type t, the format
// psql shows and drivers parse. NULL renders as "NULL"; callers that must
// distinguish (the wire protocol) check IsNull first.
func Text(v Value, t Type) string {
	return string(AppendText(nil, v, t))
}

// AppendText appends Text(v, t) to b without intermediate allocation for
// scalar kinds.
func AppendText(b []byte, v Value, t Type) []byte {
	switch v.K {
	case KNull:
		return append(b, "NULL"...)
	case KBool:
		if v.I != 0 {
			return append(b, 't')
		}
		return append(b, 'f')
	case KInt:
		return strconv.AppendInt(b, v.I, 10)
	case KFloat:
		return appendFloat(b, v.Float(), t.ID == Float)
	case KDecimal:
		return append(b, v.Dec().String()...)
	case KString, KJSON:
		return append(b, v.S...)
	case KBytes:
		b = append(b, `\x`...)
		return hex.AppendEncode(b, []byte(v.S))
	case KDate:
		return time.Unix(v.I*86400, 0).UTC().AppendFormat(b, "2006-01-02")
	case KTime:
		return appendClock(b, v.I, t.Precision)
	case KTimestamp:
		ts := time.UnixMicro(v.I).UTC()
		b = ts.AppendFormat(b, "2006-01-02 ")
		return appendClock(b, v.I-floorDiv(v.I, 86400e6)*86400e6, t.Precision)
	case KInterval:
		return appendInterval(b, v.I, t.ID == IntervalYM)
	case KArray:
		b = append(b, '{')
		elem := Type{}
		if t.Elem != nil {
			elem = *t.Elem
		}
		for i, e := range v.List() {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendText(b, e, elem)
		}
		return append(b, '}')
	case KRow:
		b = append(b, '(')
		for i, e := range v.List() {
			if i > 0 {
				b = append(b, ',')
			}
			var ft Type
			if i < len(t.Fields) {
				ft = t.Fields[i].Type
			}
			if !e.IsNull() {
				b = AppendText(b, e, ft)
			}
		}
		return append(b, ')')
	case KMap:
		b = append(b, '{')
		l := v.List()
		var kt, vt Type
		if t.Key != nil {
			kt, vt = *t.Key, *t.Elem
		}
		for i := 0; i+1 < len(l); i += 2 {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendText(b, l[i], kt)
			b = append(b, '=')
			b = AppendText(b, l[i+1], vt)
		}
		return append(b, '}')
	}
	return b
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// appendClock renders microseconds since midnight as HH:MM:SS[.ffffff],
// trimming trailing zeros of the fraction as PostgreSQL does.
func appendClock(b []byte, micros int64, _ int) []byte {
	h, m, s, f := micros/3600e6, micros/60e6%60, micros/1e6%60, micros%1e6
	b = append(b, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+m/10), byte('0'+m%10), ':', byte('0'+s/10), byte('0'+s%10))
	if f != 0 {
		frac := strconv.AppendInt(nil, f+1e6, 10)[1:]
		for len(frac) > 0 && frac[len(frac)-1] == '0' {
			frac = frac[:len(frac)-1]
		}
		b = append(b, '.')
		b = append(b, frac...)
	}
	return b
}

func appendFloat(b []byte, f float64, single bool) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	}
	// PostgreSQL prints the shortest digits that read back exactly, in
	// fixed notation when the decimal exponent is in [-4, 15) for float8 and
	// [-4, 6) for float4 (printf's thresholds with DBL_DIG and FLT_DIG), and
	// otherwise as d.ddde±XX. Go's 'g' switches to the exponent form at 21
	// digits instead, so the decision is made here from the 'e' rendering.
	bits, limit := 64, 15
	if single {
		bits, limit = 32, 6
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, 'e', -1, bits)
	exp, neg := 0, false
	for i := len(b) - 1; i > start; i-- {
		switch c := b[i]; {
		case c >= '0' && c <= '9':
			continue
		case c == '-':
			neg = true
		}
		for _, d := range b[i+1:] {
			exp = exp*10 + int(d-'0')
		}
		break
	}
	if neg {
		exp = -exp
	}
	if exp >= -4 && exp < limit {
		b = strconv.AppendFloat(b[:start], f, 'f', -1, bits)
	}
	return b
}

func appendInterval(b []byte, n int64, yearMonth bool) []byte {
	if yearMonth {
		y, m := n/12, n%12
		var parts []string
		if y != 0 {
			parts = append(parts, strconv.FormatInt(y, 10)+plural(y, " year"))
		}
		if m != 0 || y == 0 {
			parts = append(parts, strconv.FormatInt(m, 10)+plural(m, " mon"))
		}
		return append(b, strings.Join(parts, " ")...)
	}
	neg := n < 0
	if neg {
		n = -n
	}
	days := n / 86400e6
	rest := n % 86400e6
	if days != 0 {
		if neg {
			b = append(b, '-')
		}
		b = strconv.AppendInt(b, days, 10)
		signed := days
		if neg {
			signed = -days
		}
		b = append(b, plural(signed, " day")...)
		if rest == 0 {
			return b
		}
		b = append(b, ' ')
	}
	if neg {
		b = append(b, '-')
	}
	return appendClock(b, rest, 6)
}

// plural spells a unit as PostgreSQL does: singular only for exactly 1
// ("1 day", "-1 days", "0 mons").
func plural(n int64, unit string) string {
	if n == 1 {
		return unit
	}
	return unit + "s"
}
