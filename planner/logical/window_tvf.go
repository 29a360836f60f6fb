package logical

import (
	"fmt"
	"strings"
	"time"

	"riffle/sql/types"
)

// WindowKind names a window function: TUMBLE, HOP, CUMULATE or SESSION.
type WindowKind string

// WindowTVF assigns each input row to windows (the window table functions
// TUMBLE, HOP, CUMULATE and SESSION, and the legacy GROUP BY TUMBLE(…)):
// the output is the input columns followed by window_start, window_end
// (TIMESTAMP(3)) and window_time (window_end minus 1 ms, the time
// attribute of the result). HOP and CUMULATE emit one row per window the
// row falls in. Durations are in microseconds; Size is TUMBLE's and HOP's
// size and CUMULATE's maximum size, Slide HOP's slide, Step CUMULATE's
// step, Gap SESSION's gap (0 when not used). A window aggregate — GROUP BY
// window_start, window_end over this node — is a physical concern: the
// logical plan keeps it an Aggregate.
type WindowTVF struct {
	Input                          Node
	Kind                           WindowKind
	TimeCol                        int // input column holding the row's time
	Size, Slide, Step, Gap, Offset int64
	// PartitionBy are SESSION's partition columns (input indexes).
	PartitionBy []int
	// Lateness is the allowed lateness (µs) of the query's window
	// aggregates: SESSION keeps a fired session that long, so a late row
	// can still join or merge it.
	Lateness int64
	// Zone, set over a TIMESTAMP_LTZ time column in a session whose time
	// zone is not UTC, is where windows are aligned (Flink's rule): a
	// daily TUMBLE starts at local midnight there, window_start and
	// window_end are that zone's wall-clock time (TIMESTAMP), window_time
	// stays an instant (TIMESTAMP_LTZ). nil aligns to UTC.
	Zone *time.Location
	Out  types.Schema
}

func (w *WindowTVF) Schema() types.Schema { return w.Out }
func (w *WindowTVF) Inputs() []Node       { return []Node{w.Input} }

// Props: assigning windows to a row depends on that row alone for TUMBLE,
// HOP and CUMULATE, so the input's changelog passes through, and a row is
// identified by its input key plus window_start (a row is in one window of
// each start). SESSION windows merge as rows arrive, so a row's window
// changes: the output retracts, and the open sessions are state.
func (w *WindowTVF) Props() Props {
	in := w.Input.Props()
	p := Props{Changelog: in.Changelog, Bounded: in.Bounded}
	if p.Changelog == Upsert {
		p.Changelog = Retract // the key gains window_start: no longer the table's key
	}
	if in.Key != nil {
		p.Key = append(append([]int{}, in.Key...), w.Input.Schema().Len())
	}
	if w.Kind == "SESSION" {
		p.Changelog = Retract
		p.State = "open sessions per partition, until the watermark passes their end"
	}
	return p
}

func (w *WindowTVF) Describe() string {
	names := w.Input.Schema().Names()
	var args []string
	for _, a := range []struct {
		name string
		v    int64
	}{{"size", w.Size}, {"slide", w.Slide}, {"step", w.Step}, {"gap", w.Gap}, {"offset", w.Offset}} {
		if a.v != 0 {
			args = append(args, fmt.Sprintf("%s=%s", a.name, duration(a.v)))
		}
	}
	s := fmt.Sprintf("WindowTVF %s time=%s %s", w.Kind, names[w.TimeCol], strings.Join(args, " "))
	if len(w.PartitionBy) > 0 {
		var ps []string
		for _, i := range w.PartitionBy {
			ps = append(ps, names[i])
		}
		s += " partition=(" + strings.Join(ps, ", ") + ")"
	}
	if w.Zone != nil {
		s += " zone=" + w.Zone.String()
	}
	return s
}

// duration renders microseconds the way a person writes them.
func duration(us int64) string {
	if us == 0 {
		return "0s"
	}
	units := []struct {
		n    int64
		name string
	}{{86400e6, "d"}, {3600e6, "h"}, {60e6, "min"}, {1e6, "s"}, {1e3, "ms"}}
	for _, u := range units {
		if us%u.n == 0 {
			return fmt.Sprintf("%d%s", us/u.n, u.name)
		}
	}
	return fmt.Sprintf("%dus", us)
}
