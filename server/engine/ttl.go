package engine

import (
	"strings"
	"time"

	"riffle/catalog"
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
	// lateTableSetting names a table that receives the rows a query drops
	// as late, with the reason (riffle's own setting).
	lateTableSetting = "riffle.late-rows.table"
)

var emitSettings = []string{latenessSetting, earlyFireSetting, earlyDelaySetting, lateTableSetting}

// checkSetting validates a SET before it is stored, for the settings riffle
// acts on.
func checkSetting(st *parse.Set) error {
	key := strings.ToLower(st.Key)
	switch key {
	case ttlSetting, latenessSetting, earlyDelaySetting:
		if _, ok := physical.ParseDuration(st.Value); !ok {
			return st.Src.Errorf(0, sqlerr.InvalidParameter, "invalid value for %s: %q", key, st.Value).
				WithHint("give a duration such as '1 h', '30 min' or '0' for none")
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
	if d, ok := physical.ParseDuration(settings[earlyDelaySetting]); ok && e.Early {
		e.EarlyEvery = d.Microseconds()
	}
	return e
}

// stateTTL is the TTL the session gives new continuous queries.
func (s *Session) stateTTL() time.Duration {
	d, _ := physical.ParseDuration(s.settings[ttlSetting])
	return d
}

// lateTable is the table a query with settings sends its late rows to, or
// nil. It must be a Kafka table of riffle's catalog with at least one of
// the columns late rows fill.
func (e *Engine) lateTable(settings map[string]string) (*catalog.Object, error) {
	name := settings[lateTableSetting]
	if name == "" {
		return nil, nil
	}
	t := e.cat.Get(name)
	if t == nil || t.Kind != catalog.Table {
		return nil, sqlerr.New(sqlerr.UndefinedTable, "the late-rows table %q does not exist", name).
			WithHint("create it, e.g. CREATE TABLE %s (query STRING, reason STRING, row STRING, event_time TIMESTAMP(3), watermark TIMESTAMP(3)), or RESET '%s'", name, lateTableSetting)
	}
	if len(t.PrimaryKey) > 0 {
		return nil, sqlerr.New(sqlerr.WrongObjectType, "the late-rows table %q has a primary key; late rows are appended", name)
	}
	for _, c := range t.Schema.Columns {
		for _, want := range []string{"query", "reason", "row", "event_time", "watermark"} {
			if strings.EqualFold(c.Name, want) {
				return t, nil
			}
		}
	}
	return nil, sqlerr.New(sqlerr.InvalidTableDefinition, "the late-rows table %q has none of the columns late rows fill", name).
		WithHint("give it some of: query STRING, reason STRING, row STRING, event_time TIMESTAMP(3), watermark TIMESTAMP(3)")
}
