package engine

import (
	"strings"
	"time"

	"riffle/exec/runtime"
	"riffle/server/pgwire"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// zoneSetting is the session time zone's key among the settings: the one
// PostgreSQL's SET timezone / SET TIME ZONE and Flink's
// 'table.local-time-zone' both set. A continuous query keeps it
// (catalog.Query.Settings) when it is not UTC.
const zoneSetting = "timezone"

// isZoneKey reports whether a SET or RESET key names the session time zone.
func isZoneKey(key string) bool {
	switch strings.ToLower(key) {
	case zoneSetting, "table.local-time-zone":
		return true
	}
	return false
}

// setZone runs SET TIME ZONE, SET timezone and SET 'table.local-time-zone':
// the zone must load, and the client is told of it with a ParameterStatus,
// as PostgreSQL tells it (drivers and the gateway's text rendering follow
// it).
func (s *Session) setZone(st *parse.Set) (*pgwire.Result, error) {
	v := st.Value
	if u := strings.ToUpper(v); u == "LOCAL" || u == "DEFAULT" {
		v = "UTC" // the server's zone, which is riffle's default
	}
	if _, err := types.LoadZone(v); err != nil {
		return nil, st.Src.Errorf(0, sqlerr.InvalidParameter, "invalid value for parameter \"TimeZone\": %q", st.Value).
			WithHint("give an IANA zone name such as 'Europe/Berlin', 'UTC', or an offset such as '+02:00'")
	}
	s.settings[zoneSetting] = v
	return &pgwire.Result{Tag: "SET", ParamStatus: map[string]string{"TimeZone": v}}, nil
}

// resetSetting runs RESET k | ALL; the client hears of a time zone that
// changed back.
func (s *Session) resetSetting(st *parse.Reset) *pgwire.Result {
	key := strings.ToLower(st.Key)
	if isZoneKey(key) {
		key = zoneSetting
	}
	before := s.settings[zoneSetting]
	s.reset(key)
	r := &pgwire.Result{Tag: "RESET"}
	if after := s.settings[zoneSetting]; after != before {
		r.ParamStatus = map[string]string{"TimeZone": after}
	}
	return r
}

// zone is the session time zone; nil is UTC.
func (s *Session) zone() *time.Location { return zoneOf(s.settings) }

// zoneOf reads the time zone of a session's or a query's settings; nil
// is UTC (and anything that no longer loads, which SET has refused).
func zoneOf(settings map[string]string) *time.Location {
	loc, err := types.LoadZone(settings[zoneSetting])
	if err != nil || loc == time.UTC {
		return nil
	}
	return loc
}

// deps is what the session's one-shot queries run with: the engine's, in
// the session's time zone.
func (s *Session) deps() runtime.Deps {
	d := s.e.deps
	d.Zone = s.zone()
	return d
}
