package engine

import (
	"strings"
	"time"

	"riffle/planner/logical"
	"riffle/planner/physical"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
)

// ttlSetting is the session setting that bounds the state of the continuous
// queries the session creates, as in Flink.
const ttlSetting = "table.exec.state.ttl"

// The session settings that say how a new continuous query's window
// aggregates emit, by Flink's names; a query keeps them as they were when it
// was created (catalog.Query.Settings).
const (
	latenessSetting   = "table.exec.emit.allow-lateness"
	earlyFireSetting  = "table.exec.emit.early-fire.enabled"
	earlyDelaySetting = "table.exec.emit.early-fire.delay"
)

var emitSettings = []string{latenessSetting, earlyFireSetting, earlyDelaySetting}

// checkSetting validates a SET before it is stored, for the settings riffle
// acts on.
func checkSetting(st *parse.Set) error {
	key := strings.ToLower(st.Key)
	switch key {
	case ttlSetting, latenessSetting, earlyDelaySetting:
		d, ok := physical.ParseDuration(st.Value)
		if !ok {
			return st.Src.Errorf(0, sqlerr.InvalidParameter, "invalid value for %s: %q", key, st.Value).
				WithHint("give a duration such as '1 h', '30 min' or '0' for none")
		}
		if key == earlyDelaySetting && d != 0 {
			return st.Src.Errorf(0, sqlerr.FeatureNotSupported, "early firing every %s is not supported yet", st.Value).
				WithHint("'0' emits a window's row on every change")
		}
	case earlyFireSetting:
		if v := strings.ToLower(st.Value); v != "true" && v != "false" {
			return st.Src.Errorf(0, sqlerr.InvalidParameter, "invalid value for %s: %q", key, st.Value).
				WithHint("give 'true' or 'false'")
		}
	}
	return nil
}

// querySettings are the session's settings a new continuous query keeps.
func (s *Session) querySettings() map[string]string {
	var m map[string]string
	for _, k := range emitSettings {
		if v, ok := s.settings[k]; ok {
			if m == nil {
				m = map[string]string{}
			}
			m[k] = v
		}
	}
	return m
}

// emitOf reads how window aggregates emit from settings.
func emitOf(settings map[string]string) logical.Emit {
	var e logical.Emit
	if d, ok := physical.ParseDuration(settings[latenessSetting]); ok {
		e.Lateness = d.Microseconds()
	}
	e.Early = strings.EqualFold(settings[earlyFireSetting], "true")
	return e
}

// stateTTL is the TTL the session gives new continuous queries.
func (s *Session) stateTTL() time.Duration {
	d, _ := physical.ParseDuration(s.settings[ttlSetting])
	return d
}
