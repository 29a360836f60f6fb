package engine

import (
	"strings"
	"time"

	"riffle/planner/physical"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
)

// ttlSetting is the session setting that bounds the state of the continuous
// queries the session creates, as in Flink.
const ttlSetting = "table.exec.state.ttl"

// checkSetting validates a SET before it is stored, for the settings riffle
// acts on.
func checkSetting(st *parse.Set) error {
	if strings.ToLower(st.Key) == ttlSetting {
		if _, ok := physical.ParseDuration(st.Value); !ok {
			return st.Src.Errorf(0, sqlerr.InvalidParameter, "invalid value for %s: %q", ttlSetting, st.Value).
				WithHint("give a duration such as '1 h', '30 min' or '0' for none")
		}
	}
	return nil
}

// stateTTL is the TTL the session gives new continuous queries.
func (s *Session) stateTTL() time.Duration {
	d, _ := physical.ParseDuration(s.settings[ttlSetting])
	return d
}
