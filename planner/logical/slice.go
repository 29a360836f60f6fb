package logical

import "riffle/planner/scalar"

// Sliced returns the HOP window TVF that aggregate a reads directly when
// the aggregate runs by slices, as Flink's slice-shared window aggregate
// does, and nil when it runs as a window assignment (a copy of each row
// per window) followed by an Aggregate.
//
// A HOP window of size n·slide is the union of n slices of the slide's
// length, [k·slide, (k+1)·slide) from the offset, and every window of the
// same end is made of the same n slices: so a row goes into one slice,
// whose accumulator it updates once, and a window's result is the merge of
// its slices' accumulators when it fires. That only works when:
//
//   - the state layout is planner version 3's or a later one's (a query
//     planned before keeps the state of its Aggregate);
//   - the input is an event-time HOP directly below, in UTC (a zone's
//     wall-clock slices are not ordered as instants across a DST change),
//     with a size that is a multiple of the slide, over an append-only
//     input (the slices keep running values: MIN and MAX cannot be undone);
//   - every call merges: COUNT, SUM, AVG, MIN, MAX, without DISTINCT or
//     ORDER BY (a DISTINCT count is not the sum of its slices');
//   - the window emits once, when it fires (no early firing; allowed
//     lateness is fine: the slices stay until it passes);
//   - the grouping, arguments and filters read the TVF's input columns,
//     or, for the grouping, the window's columns themselves.
func Sliced(a *Aggregate) *WindowTVF {
	tvf, ok := a.Input.(*WindowTVF)
	if !ok || (a.Layout != 0 && a.Layout < 3) || tvf.Kind != "HOP" || tvf.Zone != nil ||
		tvf.Slide <= 0 || tvf.Size <= 0 || tvf.Size%tvf.Slide != 0 || a.Emit.Early {
		return nil
	}
	if w := WindowOf(a); w == nil || w.ProcTime || tvf.Input.Props().Changelog != AppendOnly {
		return nil
	}
	width := tvf.Input.Schema().Len()
	for _, g := range a.Groups {
		if c, ok := g.(*scalar.ColRef); ok && c.Idx >= width {
			continue // window_start, window_end or window_time
		}
		if !reads(g, width) {
			return nil
		}
	}
	for _, c := range a.Aggs {
		switch c.Func {
		case "count_star", "count", "sum", "avg", "min", "max":
		default:
			return nil
		}
		if c.Distinct || len(c.OrderBy) > 0 || (c.Filter != nil && !reads(c.Filter, width)) {
			return nil
		}
		for _, arg := range c.Args {
			if !reads(arg, width) {
				return nil
			}
		}
	}
	return tvf
}

// reads reports whether e reads only columns below width.
func reads(e scalar.Expr, width int) bool {
	ok := true
	scalar.WalkCols(e, func(c *scalar.ColRef) { ok = ok && c.Idx < width })
	return ok
}
