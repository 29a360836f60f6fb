package expr

import (
	"math"
	"strings"
	"time"

	"riffle/planner/scalar"
	"riffle/sql/sqlerr"
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

func init() {
	// The zone-dependent calls are compiled by compileZoned under the
	// Env's zone; the catalogue's entries compile them in UTC.
	define(func(c *scalar.Call, args []Func) (Func, error) {
		f, _, err := Env{}.compileZoned(c, args)
		return f, err
	}, "localtimestamp", "current_date", "current_time", "localtime", "to_timestamp_ltz")
}

// compileZoned compiles the calls whose value depends on the session zone
// beyond the wall-clock reading of their TIMESTAMP_LTZ arguments (Flink's
// rules): the local clock (LOCALTIMESTAMP, CURRENT_DATE, CURRENT_TIME),
// FROM_UNIXTIME, which formats an instant as wall-clock time there, and
// UNIX_TIMESTAMP of a text or TIMESTAMP, which reads wall-clock time
// there. ok is false for every other call.
func (env Env) compileZoned(c *scalar.Call, args []Func) (f Func, ok bool, err error) {
	zone := env.Zone
	now := func() int64 { return types.ToLocal(time.Now().UnixMicro(), zone) }
	switch c.Fn {
	case "localtimestamp":
		return func(types.Row) (types.Value, error) {
			return types.NewTimestamp(scalar.RoundMicros(now(), c.T.Precision)), nil
		}, true, nil
	case "current_date":
		return func(types.Row) (types.Value, error) { return types.NewDate(floorDiv(now(), usPerDay)), nil }, true, nil
	case "current_time", "localtime":
		return func(types.Row) (types.Value, error) {
			us := now() - floorDiv(now(), usPerDay)*usPerDay
			return types.NewTime(us - us%usPerSec), nil
		}, true, nil
	case "to_timestamp_ltz":
		return toTimestampLTZ(args), true, nil
	case "unix_timestamp":
		if len(args) == 0 {
			return func(types.Row) (types.Value, error) {
				return types.NewInt(floorDiv(time.Now().UnixMicro(), usPerSec)), nil
			}, true, nil
		}
		if zone == nil || c.Args[0].Type().ID == types.TimestampLTZ || c.Args[0].Type().ID == types.Date {
			return nil, false, nil
		}
		f, err := builtins[c.Fn](c, args)
		if err != nil {
			return nil, true, err
		}
		return strict1(f, func(v types.Value) (types.Value, error) {
			return types.NewInt(floorDiv(types.FromLocal(v.I*usPerSec, zone), usPerSec)), nil
		}), true, nil
	case "from_unixtime":
		if zone == nil {
			return nil, false, nil
		}
		local := make([]Func, len(args))
		copy(local, args)
		local[0] = strict1(args[0], func(v types.Value) (types.Value, error) {
			_, off := time.Unix(v.I, 0).In(zone).Zone()
			return types.NewInt(v.I + int64(off)), nil
		})
		f, err := builtins[c.Fn](c, local)
		return f, true, err
	}
	return nil, false, nil
}

// toTimestampLTZ is Flink's TO_TIMESTAMP_LTZ(epoch, precision): the instant
// epoch seconds (precision 0) or milliseconds (3) after 1970-01-01 UTC,
// whatever the zone.
func toTimestampLTZ(args []Func) Func {
	return func(row types.Row) (types.Value, error) {
		v, err := args[0](row)
		if err != nil || v.IsNull() {
			return types.Null, err
		}
		p, err := args[1](row)
		if err != nil || p.IsNull() {
			return types.Null, err
		}
		var unit float64
		switch p.I {
		case 0:
			unit = 1e6
		case 3:
			unit = 1e3
		default:
			return types.Null, sqlerr.New(sqlerr.InvalidParameter, "TO_TIMESTAMP_LTZ precision must be 0 (seconds) or 3 (milliseconds), not %d", p.I)
		}
		var f float64
		switch v.K {
		case types.KInt:
			if p.I == 0 && (v.I > math.MaxInt64/usPerSec || v.I < math.MinInt64/usPerSec) {
				return types.Null, errTimestampRange()
			}
			return types.NewTimestamp(v.I * int64(unit)), nil
		case types.KFloat:
			f = v.Float()
		case types.KDecimal:
			f = v.Dec().Float64()
		}
		us := math.Round(f * unit)
		if math.IsNaN(us) || math.Abs(us) > math.MaxInt64/2 {
			return types.Null, errTimestampRange()
		}
		return types.NewTimestamp(int64(us)), nil
	}
}
