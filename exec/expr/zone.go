package expr

import (
	"time"

	"riffle/planner/scalar"
	"riffle/sql/types"
)

// wallClock are the functions that read the fields of their temporal
// arguments; under a session zone, a TIMESTAMP_LTZ argument reaches them as
// wall-clock time in that zone.
var wallClock = map[string]bool{
	"extract": true, "year": true, "quarter": true, "month": true, "week": true,
	"dayofmonth": true, "dayofyear": true, "dayofweek": true, "hour": true,
	"minute": true, "second": true, "date_format": true,
}

// localArgs replaces, in place, the compiled TIMESTAMP_LTZ arguments of a
// wall-clock function with their wall-clock time in env.Zone.
func (env Env) localArgs(c *scalar.Call, args []Func) {
	if env.Zone == nil || !wallClock[c.Fn] {
		return
	}
	for i, a := range c.Args {
		if a.Type().ID == types.TimestampLTZ {
			args[i] = env.toLocal(args[i])
		}
	}
}

// toLocal turns an instant (UTC microseconds) into wall-clock microseconds
// in env.Zone.
func (env Env) toLocal(f Func) Func {
	zone := env.Zone
	return strict1(f, func(v types.Value) (types.Value, error) {
		_, off := time.UnixMicro(v.I).In(zone).Zone()
		return types.NewTimestamp(v.I + int64(off)*usPerSec), nil
	})
}

// fromLocal turns wall-clock microseconds in env.Zone into an instant. A
// wall-clock time that a DST jump skips or repeats resolves as Go's
// time.Date does (the offset in force before the transition).
func (env Env) fromLocal(f Func) Func {
	zone := env.Zone
	return strict1(f, func(v types.Value) (types.Value, error) {
		t := time.UnixMicro(v.I).UTC()
		local := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), zone)
		return types.NewTimestamp(local.UnixMicro()), nil
	})
}
