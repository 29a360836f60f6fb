package expr

import (
	"strings"
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
	scalar.PGExtract: true,
	// FLOOR and CEIL (date_trunc) round wall-clock time there, and their
	// result, an LTZ again, is that wall-clock time's instant.
	"floor": true, "ceil": true, "ceiling": true,
}

// localArgs replaces, in place, the compiled TIMESTAMP_LTZ arguments of a
// wall-clock function with their wall-clock time in env.Zone, and says
// whether its result, a TIMESTAMP_LTZ, is then wall-clock time to turn
// back into an instant. EXTRACT(EPOCH …) counts the instant's seconds,
// whatever the zone.
func (env Env) localArgs(c *scalar.Call, args []Func) (resultLocal bool) {
	if env.Zone == nil || !wallClock[c.Fn] {
		return false
	}
	if u, ok := c.Args[0].(*scalar.Const); ok && u.V.K == types.KString && strings.EqualFold(u.V.S, "EPOCH") {
		return false
	}
	for i, a := range c.Args {
		if a.Type().ID == types.TimestampLTZ {
			args[i] = env.toLocal(args[i])
			resultLocal = true
		}
	}
	return resultLocal && c.T.ID == types.TimestampLTZ
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

// parseLocal reads text as a TIMESTAMP_LTZ of type to: a time that names
// its zone is that instant; one that does not is wall-clock time in
// env.Zone, as PostgreSQL reads timestamptz input.
func (env Env) parseLocal(f Func, to types.Type) Func {
	zone := env.Zone
	return strict1(f, func(v types.Value) (types.Value, error) {
		r, err := scalar.ParseText(v.S, to)
		if err != nil || scalar.TextHasZone(v.S) {
			return r, err
		}
		return types.NewTimestamp(types.FromLocal(r.I, zone)), nil
	})
}
