package expr

import (
	"math"
	"strconv"
	"strings"
	"time"

	"riffle/planner/scalar"
	"riffle/sql/types"
)

// fmtTok is one piece of a date pattern: a field or literal text.
type fmtTok struct {
	field byte // 0 for literal; Y y M N n d H h m s S p E e j Z (see compileDateFormat)
	width int  // zero-padded width of a number; digits of a fraction
	lit   string
}

// dateFormat is a DATE_FORMAT / TO_TIMESTAMP pattern compiled once.
type dateFormat []fmtTok

// compileDateFormat reads a MySQL pattern ('%Y-%m-%d') when the text holds a
// %, and a Java (Flink) pattern ('yyyy-MM-dd HH:mm:ss') otherwise.
func compileDateFormat(p string) dateFormat {
	if strings.Contains(p, "%") {
		return compileMySQLFormat(p)
	}
	return compileJavaFormat(p)
}

var javaFields = map[byte]byte{'y': 'Y', 'M': 'M', 'd': 'd', 'H': 'H', 'h': 'h', 'm': 'm', 's': 's',
	'S': 'S', 'a': 'p', 'E': 'E', 'D': 'j', 'Z': 'Z', 'X': 'Z'}

func compileJavaFormat(p string) dateFormat {
	var f dateFormat
	for i := 0; i < len(p); {
		c := p[i]
		if c == '\'' {
			end := strings.IndexByte(p[i+1:], '\'')
			if end < 0 {
				end = len(p) - i - 1
			}
			lit := p[i+1 : i+1+end]
			if lit == "" {
				lit = "'"
			}
			f = append(f, fmtTok{lit: lit})
			i += end + 2
			continue
		}
		j := i
		for j < len(p) && p[j] == c {
			j++
		}
		n := j - i
		field, ok := javaFields[c]
		switch {
		case !ok:
			f = append(f, fmtTok{lit: p[i:j]})
		case c == 'y' && n == 2:
			f = append(f, fmtTok{field: 'y', width: 2})
		case c == 'M' && n >= 4:
			f = append(f, fmtTok{field: 'N'})
		case c == 'M' && n == 3:
			f = append(f, fmtTok{field: 'n'})
		case c == 'E' && n < 4:
			f = append(f, fmtTok{field: 'e'})
		default:
			f = append(f, fmtTok{field: field, width: n})
		}
		i = j
	}
	return f
}

var mysqlFields = map[byte]fmtTok{
	'Y': {field: 'Y', width: 4}, 'y': {field: 'y', width: 2}, 'm': {field: 'M', width: 2},
	'c': {field: 'M', width: 1}, 'd': {field: 'd', width: 2}, 'e': {field: 'd', width: 1},
	'H': {field: 'H', width: 2}, 'k': {field: 'H', width: 1}, 'h': {field: 'h', width: 2},
	'I': {field: 'h', width: 2}, 'l': {field: 'h', width: 1}, 'i': {field: 'm', width: 2},
	's': {field: 's', width: 2}, 'S': {field: 's', width: 2}, 'f': {field: 'S', width: 6},
	'p': {field: 'p'}, 'M': {field: 'N'}, 'b': {field: 'n'}, 'W': {field: 'E'}, 'a': {field: 'e'},
	'j': {field: 'j', width: 3},
}

func compileMySQLFormat(p string) dateFormat {
	var f dateFormat
	for i := 0; i < len(p); i++ {
		if p[i] != '%' || i+1 == len(p) {
			f = append(f, fmtTok{lit: p[i : i+1]})
			continue
		}
		i++
		switch c := p[i]; c {
		case 'T':
			f = append(f, compileMySQLFormat("%H:%i:%s")...)
		case 'r':
			f = append(f, compileMySQLFormat("%h:%i:%s %p")...)
		default:
			if t, ok := mysqlFields[c]; ok {
				f = append(f, t)
			} else {
				f = append(f, fmtTok{lit: p[i : i+1]}) // %% and unknown: the character
			}
		}
	}
	return f
}

func appendPadded(b []byte, n, width int) []byte {
	var digits [20]byte // on the stack: a format is on every row of q16
	s := strconv.AppendInt(digits[:0], int64(n), 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// format renders the instant us (microseconds since the epoch, UTC).
func (f dateFormat) format(b []byte, us int64) []byte {
	t := time.UnixMicro(us).UTC()
	for _, k := range f {
		switch k.field {
		case 0:
			b = append(b, k.lit...)
		case 'Y':
			b = appendPadded(b, t.Year(), k.width)
		case 'y':
			b = appendPadded(b, t.Year()%100, 2)
		case 'M':
			b = appendPadded(b, int(t.Month()), k.width)
		case 'N':
			b = append(b, t.Month().String()...)
		case 'n':
			b = append(b, t.Month().String()[:3]...)
		case 'd':
			b = appendPadded(b, t.Day(), k.width)
		case 'H':
			b = appendPadded(b, t.Hour(), k.width)
		case 'h':
			b = appendPadded(b, (t.Hour()+11)%12+1, k.width)
		case 'm':
			b = appendPadded(b, t.Minute(), k.width)
		case 's':
			b = appendPadded(b, t.Second(), k.width)
		case 'S':
			frac := strconv.AppendInt(nil, int64(t.Nanosecond()/1000)+1e6, 10)[1:]
			w := min(k.width, 6)
			b = append(b, frac[:w]...)
			for i := w; i < k.width; i++ {
				b = append(b, '0')
			}
		case 'p':
			if t.Hour() < 12 {
				b = append(b, "AM"...)
			} else {
				b = append(b, "PM"...)
			}
		case 'E':
			b = append(b, t.Weekday().String()...)
		case 'e':
			b = append(b, t.Weekday().String()[:3]...)
		case 'j':
			b = appendPadded(b, t.YearDay(), k.width)
		case 'Z':
			b = append(b, "+0000"...)
		}
	}
	return b
}

// parse reads text written in the pattern and returns the instant it names
// (UTC); ok is false when the text does not match.
func (f dateFormat) parse(s string) (us int64, ok bool) {
	year, month, day, hour, minute, sec, micros, pm := 1970, 1, 1, 0, 0, 0, 0, -1
	for _, k := range f {
		if k.field == 0 {
			if !strings.HasPrefix(s, k.lit) {
				return 0, false
			}
			s = s[len(k.lit):]
			continue
		}
		if k.field == 'p' {
			switch {
			case strings.HasPrefix(strings.ToUpper(s), "AM"):
				pm = 0
			case strings.HasPrefix(strings.ToUpper(s), "PM"):
				pm = 1
			default:
				return 0, false
			}
			s = s[2:]
			continue
		}
		if k.field == 'N' || k.field == 'n' {
			m, rest, ok := parseMonthName(s)
			if !ok {
				return 0, false
			}
			month, s = m, rest
			continue
		}
		maxDigits := digitsOf(k)
		n := 0
		for n < len(s) && n < maxDigits && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		if n == 0 {
			return 0, false
		}
		v, _ := strconv.Atoi(s[:n])
		switch k.field {
		case 'Y':
			year = v
		case 'y':
			year = 2000 + v
		case 'M':
			month = v
		case 'd':
			day = v
		case 'H', 'h':
			hour = v
		case 'm':
			minute = v
		case 's':
			sec = v
		case 'S':
			for i := n; i < 6; i++ {
				v *= 10
			}
			for i := 6; i < n; i++ {
				v /= 10
			}
			micros = v
		}
		s = s[n:]
	}
	if s != "" || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 59 {
		return 0, false
	}
	if pm == 1 && hour < 12 {
		hour += 12
	} else if pm == 0 && hour == 12 {
		hour = 0
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, micros*1000, time.UTC)
	if t.Day() != day {
		return 0, false
	}
	return t.UnixMicro(), true
}

func parseMonthName(s string) (int, string, bool) {
	for m := time.January; m <= time.December; m++ {
		name := m.String()
		if len(s) >= len(name) && strings.EqualFold(s[:len(name)], name) {
			return int(m), s[len(name):], true
		}
		if len(s) >= 3 && strings.EqualFold(s[:3], name[:3]) {
			return int(m), s[3:], true
		}
	}
	return 0, s, false
}

// digitsOf is how many digits parse reads at most for a numeric field, so
// that patterns without separators ('yyyyMMdd') still split correctly.
func digitsOf(k fmtTok) int {
	switch k.field {
	case 'Y':
		return 4
	case 'j':
		return 3
	case 'S':
		return max(k.width, 1)
	}
	return 2
}

// defaultFormat is Flink's format for FROM_UNIXTIME and UNIX_TIMESTAMP.
const defaultFormat = "yyyy-MM-dd HH:mm:ss"

// formatArg returns the pattern a call uses: compiled once when it is a
// constant (or absent), read from the row otherwise.
func formatArg(c *scalar.Call, args []Func, i int) func(types.Row) (dateFormat, bool, error) {
	if i >= len(args) {
		f := compileDateFormat(defaultFormat)
		return func(types.Row) (dateFormat, bool, error) { return f, true, nil }
	}
	if v, ok := constValue(c.Args[i]); ok {
		f := compileDateFormat(v.S)
		null := v.K == types.KNull
		return func(types.Row) (dateFormat, bool, error) { return f, !null, nil }
	}
	arg := args[i]
	return func(row types.Row) (dateFormat, bool, error) {
		v, err := arg(row)
		if err != nil || v.K == types.KNull {
			return nil, false, err
		}
		return compileDateFormat(v.S), true, nil
	}
}

// buildDateFormat is DATE_FORMAT(ts, pattern) and FROM_UNIXTIME(seconds[,
// pattern]).
func buildDateFormat(c *scalar.Call, args []Func) (Func, error) {
	pattern, seconds := formatArg(c, args, 1), c.Fn == "from_unixtime"
	x := args[0]
	return func(row types.Row) (types.Value, error) {
		v, err := x(row)
		if err != nil || v.K == types.KNull {
			return types.Null, err
		}
		f, ok, err := pattern(row)
		if err != nil || !ok {
			return types.Null, err
		}
		us := micros(v)
		if seconds {
			if v.I > math.MaxInt64/usPerSec || v.I < math.MinInt64/usPerSec {
				return types.Null, errTimestampRange()
			}
			us = v.I * usPerSec
		}
		var buf [64]byte // the text is copied once, into the string
		return types.NewString(string(f.format(buf[:0], us))), nil
	}, nil
}

// buildToTimestamp is TO_TIMESTAMP, TO_DATE and UNIX_TIMESTAMP over strings:
// text that does not match the pattern gives NULL, as in Flink. Without a
// pattern, TO_TIMESTAMP and TO_DATE accept any timestamp literal.
func buildToTimestamp(c *scalar.Call, args []Func) (Func, error) {
	if c.Args[0].Type().IsTemporal() { // UNIX_TIMESTAMP(ts)
		return strict1(args[0], func(x types.Value) (types.Value, error) {
			return types.NewInt(floorDiv(micros(x), usPerSec)), nil
		}), nil
	}
	t, fn := c.T, c.Fn
	var pattern func(types.Row) (dateFormat, bool, error)
	if len(args) == 2 || fn == "unix_timestamp" {
		pattern = formatArg(c, args, 1)
	}
	x := args[0]
	return func(row types.Row) (types.Value, error) {
		v, err := x(row)
		if err != nil || v.K == types.KNull {
			return types.Null, err
		}
		var us int64
		if pattern == nil {
			p, err := scalar.ParseText(v.S, scalar.TLiteralTimestamp)
			if err != nil {
				return types.Null, nil
			}
			us = p.I
		} else {
			f, ok, err := pattern(row)
			if err != nil || !ok {
				return types.Null, err
			}
			if us, ok = f.parse(v.S); !ok {
				return types.Null, nil
			}
		}
		switch fn {
		case "unix_timestamp":
			return types.NewInt(floorDiv(us, usPerSec)), nil
		case "to_date":
			return types.NewDate(floorDiv(us, usPerDay)), nil
		}
		return types.NewTimestamp(scalar.RoundMicros(us, t.Precision)), nil
	}, nil
}
