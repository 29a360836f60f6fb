package engine

import (
	"strconv"
	"strings"
	"time"

	"riffle/sql/parse"
	"riffle/sql/sqlerr"
)

// ttlSetting is the session setting that bounds the state of the continuous
// queries the session creates, as in Flink.
const ttlSetting = "table.exec.state.ttl"

// parseTTL reads a Flink duration: "1 h", "90min", "30 s", "500 ms",
// "2 days", or a number of milliseconds. "0" (or empty) means no TTL.
func parseTTL(s string) (time.Duration, bool) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "" {
		return 0, true
	}
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := s, "ms"
	if i >= 0 {
		num, unit = strings.TrimSpace(s[:i]), strings.TrimSpace(s[i:])
	}
	n, err := strconv.ParseFloat(num, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	units := map[string]time.Duration{
		"ms": time.Millisecond, "milli": time.Millisecond, "millis": time.Millisecond,
		"s": time.Second, "sec": time.Second, "secs": time.Second, "second": time.Second, "seconds": time.Second,
		"min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute,
		"h": time.Hour, "hour": time.Hour, "hours": time.Hour,
		"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
	}
	u, ok := units[unit]
	if !ok {
		return 0, false
	}
	return time.Duration(n * float64(u)), true
}

// checkSetting validates a SET before it is stored, for the settings riffle
// acts on.
func checkSetting(st *parse.Set) error {
	if strings.ToLower(st.Key) == ttlSetting {
		if _, ok := parseTTL(st.Value); !ok {
			return st.Src.Errorf(0, sqlerr.InvalidParameter, "invalid value for %s: %q", ttlSetting, st.Value).
				WithHint("give a duration such as '1 h', '30 min' or '0' for none")
		}
	}
	return nil
}

// stateTTL is the TTL the session gives new continuous queries.
func (s *Session) stateTTL() time.Duration {
	d, _ := parseTTL(s.settings[ttlSetting])
	return d
}
