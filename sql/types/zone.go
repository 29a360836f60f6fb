package types

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// LoadZone reads a session time zone as Flink's 'table.local-time-zone'
// and PostgreSQL's TimeZone take it: an IANA name ('Europe/Berlin'),
// 'UTC', 'GMT' or 'Z', or a fixed offset east of UTC written ISO 8601's way
// ('+02:00', '-0530', '+2') or Flink's ('GMT+08:00', 'UTC-3'). PostgreSQL
// reads a bare '+02:00' as a POSIX zone (west of UTC); riffle follows ISO
// 8601 and Flink, which users of both write, and the name is reported as
// given so that the difference shows. The error says what was wrong; the
// caller adds the SQLSTATE (22023).
func LoadZone(name string) (*time.Location, error) {
	n := strings.TrimSpace(name)
	switch strings.ToUpper(n) {
	case "", "LOCAL", "DEFAULT":
		return nil, fmt.Errorf("time zone %q is not recognized", name)
	case "UTC", "GMT", "Z", "ZULU", "ETC/UTC", "UCT":
		return time.UTC, nil
	}
	if off, ok := zoneOffset(n); ok {
		return time.FixedZone(n, off), nil
	}
	if strings.HasPrefix(n, "/") || strings.Contains(n, "..") {
		return nil, fmt.Errorf("time zone %q is not recognized", name)
	}
	loc, err := time.LoadLocation(n)
	if err != nil {
		return nil, fmt.Errorf("time zone %q is not recognized", name)
	}
	return loc, nil
}

// zoneOffset reads a fixed offset east of UTC in seconds: [UTC|GMT]±H[H][[:]MM].
func zoneOffset(s string) (int, bool) {
	u := strings.ToUpper(s)
	for _, p := range []string{"UTC", "GMT"} {
		if strings.HasPrefix(u, p) && len(u) > len(p) {
			s = s[len(p):]
			break
		}
	}
	if len(s) < 2 || (s[0] != '+' && s[0] != '-') {
		return 0, false
	}
	sign, rest := 1, s[1:]
	if s[0] == '-' {
		sign = -1
	}
	hs, ms, colon := strings.Cut(rest, ":")
	if !colon && len(rest) == 4 {
		hs, ms = rest[:2], rest[2:]
	}
	h, err := strconv.Atoi(hs)
	if err != nil || len(hs) > 2 || h > 15 {
		return 0, false
	}
	m := 0
	if ms != "" || colon {
		if m, err = strconv.Atoi(ms); err != nil || len(ms) != 2 || m > 59 {
			return 0, false
		}
	}
	return sign * (h*3600 + m*60), true
}

// AppendZoned appends the instant us (µs since the epoch, a
// TIMESTAMP_LTZ's value) as PostgreSQL's text form of a timestamptz in
// loc: the wall-clock time there and its offset, '2024-07-02 00:30:00+02'
// ('+05:30' when the offset has minutes). nil is UTC.
func AppendZoned(b []byte, us int64, t Type, loc *time.Location) []byte {
	off := 0
	if loc != nil {
		_, off = time.UnixMicro(us).In(loc).Zone()
	}
	b = AppendText(b, NewTimestamp(us+int64(off)*1e6), Type{ID: Timestamp, Precision: t.Precision})
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	b = append(b, sign)
	b = appendTwo(b, off/3600)
	if m := off % 3600 / 60; m != 0 || off%60 != 0 {
		b = appendTwo(append(b, ':'), m)
		if s := off % 60; s != 0 {
			b = appendTwo(append(b, ':'), s)
		}
	}
	return b
}

func appendTwo(b []byte, n int) []byte {
	return append(b, byte('0'+n/10), byte('0'+n%10))
}

// ToLocal is the wall-clock time in loc (µs since 1970-01-01 00:00 of the
// wall clock) of the instant us; nil is UTC.
func ToLocal(us int64, loc *time.Location) int64 {
	if loc == nil {
		return us
	}
	_, off := time.UnixMicro(us).In(loc).Zone()
	return us + int64(off)*1e6
}

// FromLocal is the instant at which loc's wall clock reads us. A wall-clock
// time that a DST jump skips or repeats resolves as Go's time.Date does
// (the spring-forward gap reads with the offset before the jump).
func FromLocal(us int64, loc *time.Location) int64 {
	if loc == nil {
		return us
	}
	t := time.UnixMicro(us).UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc).UnixMicro()
}
