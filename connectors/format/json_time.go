package format

import (
	"math"

	"riffle/sql/types"
)

const (
	microsPerSecond = 1_000_000
	microsPerDay    = 86_400 * microsPerSecond
)

// Timestamps are accepted in years 0000 to 9999, the range the text form
// "YYYY-MM-DD hh:mm:ss" can express, so that every decoded timestamp can be
// written back and read again.
var (
	minMicros = daysFromCivil(0, 1, 1) * microsPerDay
	maxMicros = daysFromCivil(10000, 1, 1)*microsPerDay - 1
)

func inRange(micros int64) bool { return micros >= minMicros && micros <= maxMicros }

// temporal decodes DATE, TIME, TIMESTAMP and TIMESTAMP_LTZ values.
func (d *jsonDecoder) temporal(t types.Type, c byte) (types.Value, error) {
	s := &d.s
	if t.ID == types.Timestamp || t.ID == types.TimestampLTZ {
		if c == '-' || (c >= '0' && c <= '9') {
			return d.epochMillis(t)
		}
	}
	if c != '"' {
		return d.wrongKind(temporalWant(t.ID))
	}
	start := s.pos
	b, err := s.strBytes()
	if err != nil {
		return types.Null, err
	}
	var (
		v  int64
		ok bool
	)
	switch t.ID {
	case types.Date:
		var n int
		v, n, ok = parseDate(b)
		ok = ok && n == len(b)
		if ok {
			return types.NewDate(v), nil
		}
	case types.Time:
		var n int
		v, n, ok = parseClock(b)
		ok = ok && n == len(b)
		if ok {
			return types.NewTime(truncMicros(v, t.Precision)), nil
		}
	default:
		v, ok = parseTimestamp(b)
		if ok && !inRange(v) {
			return types.Null, &Error{Offset: -1, Msg: "timestamp " + string(b) + " is outside the years 0000-9999 in UTC"}
		}
		if ok {
			return types.NewTimestamp(truncMicros(v, t.Precision)), nil
		}
	}
	s.pos = start
	return d.wrongKind(temporalWant(t.ID))
}

func temporalWant(id types.TypeID) string {
	switch id {
	case types.Date:
		return `a date like "2024-01-01"`
	case types.Time:
		return `a time like "12:34:56.789"`
	}
	return `a timestamp like "2024-01-01 00:00:01.123" or epoch milliseconds`
}

// epochMillis reads a timestamp given as milliseconds since the epoch.
func (d *jsonDecoder) epochMillis(t types.Type) (types.Value, error) {
	text, isInt, err := d.s.number()
	if err != nil {
		return types.Null, err
	}
	v, perr := parseIntBytes(text)
	if !isInt {
		return types.Null, &Error{Offset: -1, Msg: "expected epoch milliseconds, got " + string(text)}
	}
	if perr || v > math.MaxInt64/1000 || v < math.MinInt64/1000 || !inRange(v*1000) {
		return types.Null, &Error{Offset: -1, Msg: "epoch milliseconds " + string(text) + " are outside the years 0000-9999"}
	}
	return types.NewTimestamp(truncMicros(v*1000, t.Precision)), nil
}

// parseIntBytes parses a JSON integer's text; bad is true on overflow.
func parseIntBytes(b []byte) (v int64, bad bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	var u uint64
	for _, c := range b {
		if u > (math.MaxUint64-9)/10 {
			return 0, true
		}
		u = u*10 + uint64(c-'0')
	}
	if neg {
		if u > 1<<63 {
			return 0, true
		}
		return -int64(u), false
	}
	if u > math.MaxInt64 {
		return 0, true
	}
	return int64(u), false
}

// truncMicros drops fractional digits beyond precision p (0-6), rounding
// toward the past so that a timestamp never moves into a later unit.
func truncMicros(v int64, p int) int64 {
	if p >= 6 || p < 0 {
		return v
	}
	unit := int64(math.Pow10(6 - p))
	m := v % unit
	if m < 0 {
		m += unit
	}
	return v - m
}

// parseTimestamp parses "2024-01-01", "2024-01-01 00:00:01.123" (or with
// 'T'), optionally followed by 'Z' or an offset "+02:00", "+0200", "+02";
// with an offset the result is the UTC instant.
func parseTimestamp(b []byte) (int64, bool) {
	days, n, ok := parseDate(b)
	if !ok {
		return 0, false
	}
	v := days * microsPerDay
	b = b[n:]
	if len(b) == 0 {
		return v, true
	}
	if b[0] != ' ' && b[0] != 'T' && b[0] != 't' {
		return 0, false
	}
	clock, n, ok := parseClock(b[1:])
	if !ok {
		return 0, false
	}
	v += clock
	b = b[1+n:]
	switch {
	case len(b) == 0:
		return v, true
	case len(b) == 1 && (b[0] == 'Z' || b[0] == 'z'):
		return v, true
	case b[0] == '+' || b[0] == '-':
		off, ok := parseOffset(b[1:])
		if !ok {
			return 0, false
		}
		if b[0] == '+' {
			off = -off
		}
		return v + off, true
	}
	return 0, false
}

// parseOffset parses "HH", "HH:MM" or "HHMM" into microseconds.
func parseOffset(b []byte) (int64, bool) {
	h, ok := num2(b, 0)
	if !ok || h > 18 {
		return 0, false
	}
	var m int
	switch len(b) {
	case 2:
	case 4:
		m, ok = num2(b, 2)
	case 5:
		ok = b[2] == ':'
		if ok {
			m, ok = num2(b, 3)
		}
	default:
		ok = false
	}
	if !ok || m > 59 {
		return 0, false
	}
	return int64(h*3600+m*60) * microsPerSecond, true
}

// parseDate parses YYYY-MM-DD at the start of b into days since the epoch,
// returning the bytes consumed.
func parseDate(b []byte) (days int64, n int, ok bool) {
	if len(b) < 10 || b[4] != '-' || b[7] != '-' {
		return 0, 0, false
	}
	y1, ok1 := num2(b, 0)
	y2, ok2 := num2(b, 2)
	m, ok3 := num2(b, 5)
	d, ok4 := num2(b, 8)
	if !ok1 || !ok2 || !ok3 || !ok4 || m < 1 || m > 12 || d < 1 || d > daysIn(y1*100+y2, m) {
		return 0, 0, false
	}
	return daysFromCivil(int64(y1*100+y2), m, d), 10, true
}

// parseClock parses HH:MM[:SS[.fraction]] at the start of b into
// microseconds since midnight; digits beyond microseconds are ignored.
func parseClock(b []byte) (micros int64, n int, ok bool) {
	if len(b) < 5 || b[2] != ':' {
		return 0, 0, false
	}
	h, ok1 := num2(b, 0)
	m, ok2 := num2(b, 3)
	if !ok1 || !ok2 || h > 23 || m > 59 {
		return 0, 0, false
	}
	var sec int
	n = 5
	if len(b) >= 8 && b[5] == ':' {
		var ok3 bool
		if sec, ok3 = num2(b, 6); !ok3 || sec > 59 {
			return 0, 0, false
		}
		n = 8
	}
	micros = int64(h*3600+m*60+sec) * microsPerSecond
	if n == 8 && n < len(b) && b[n] == '.' {
		n++
		start := n
		scale := int64(100_000)
		for n < len(b) && b[n] >= '0' && b[n] <= '9' {
			micros += int64(b[n]-'0') * scale
			scale /= 10
			n++
		}
		if n == start {
			return 0, 0, false
		}
	}
	return micros, n, true
}

func num2(b []byte, i int) (int, bool) {
	if i+2 > len(b) {
		return 0, false
	}
	c1, c2 := b[i]-'0', b[i+1]-'0'
	if c1 > 9 || c2 > 9 {
		return 0, false
	}
	return int(c1)*10 + int(c2), true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil converts a proleptic Gregorian date to days since
// 1970-01-01 (Howard Hinnant's algorithm), without time.Time.
func daysFromCivil(y int64, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := int64((m + 9) % 12)
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int64) (y int64, m, d int) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	m = int(mp + 3)
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// appendDate writes days since the epoch as YYYY-MM-DD.
func appendDate(b []byte, days int64) []byte {
	y, m, d := civilFromDays(days)
	if y < 0 || y > 9999 {
		b = appendInt(b, y)
	} else {
		b = append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10))
	}
	return append(b, '-', byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10))
}

// appendClock writes microseconds since midnight as HH:MM:SS with the
// fraction's significant digits, as Flink's SQL timestamp format does.
func appendClock(b []byte, micros int64) []byte {
	h, m, s, f := micros/3600e6, micros/60e6%60, micros/1e6%60, micros%1e6
	b = append(b, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+m/10), byte('0'+m%10), ':',
		byte('0'+s/10), byte('0'+s%10))
	if f == 0 {
		return b
	}
	b = append(b, '.')
	for div := int64(100_000); f > 0; div /= 10 {
		b = append(b, byte('0'+f/div))
		f %= div
	}
	return b
}

// appendTimestamp writes "2024-01-01 00:00:01.123".
func appendTimestamp(b []byte, micros int64) []byte {
	days := floorDiv(micros, microsPerDay)
	b = appendDate(b, days)
	b = append(b, ' ')
	return appendClock(b, micros-days*microsPerDay)
}
