package logical

import (
	"slices"

	"riffle/planner/scalar"
)

// TimeAttrs returns the output columns of n that are event-time
// attributes: columns whose watermark flows with the stream, so that
// windows can close and interval joins can drop rows. A table's attribute
// is its WATERMARK FOR column; stateless nodes keep the attributes they pass
// on unchanged, a window TVF adds window_time, and nodes that can emit a
// row later than its time allows (aggregates, regular joins, Top-N) end
// them, as in Flink.
func TimeAttrs(n Node) []int {
	switch n := n.(type) {
	case *Scan:
		if n.Object.Watermark != nil {
			return []int{n.Object.Watermark.Column}
		}
	case *Filter, *Normalize, *Sort, *Limit:
		return TimeAttrs(n.Inputs()[0])
	case *Over:
		// An updating Over can retract and re-emit a row long after the
		// watermark passed its time; an event-time Over holds its
		// watermark back for the rows it holds.
		if n.EventTime() || n.Input.Props().Bounded {
			return TimeAttrs(n.Input)
		}
	case *Project:
		return projectTimeAttrs(n)
	case *WindowTVF:
		in := TimeAttrs(n.Input)
		for _, c := range in {
			if c == n.TimeCol {
				return append(in, n.Input.Schema().Len()+2)
			}
		}
		return in
	case *TemporalJoin:
		return TimeAttrs(n.Left)
	case *Join:
		if n.Interval == nil || n.Kind == SemiJoin || n.Kind == AntiJoin {
			return nil
		}
		out := TimeAttrs(n.Left)
		w := n.Left.Schema().Len()
		for _, c := range TimeAttrs(n.Right) {
			out = append(out, w+c)
		}
		return out
	case *Union:
		return unionTimeAttrs(n)
	}
	return nil
}

func projectTimeAttrs(p *Project) []int {
	if p.Computed {
		return TimeAttrs(p.Input)
	}
	var out []int
	in := TimeAttrs(p.Input)
	for i, e := range p.Exprs {
		if c, ok := e.(*scalar.ColRef); ok {
			for _, a := range in {
				if a == c.Idx {
					out = append(out, i)
				}
			}
		}
	}
	return out
}

func unionTimeAttrs(u *Union) []int {
	var out []int
	for i, in := range u.Ins {
		attrs := TimeAttrs(in)
		if i == 0 {
			out = attrs
			continue
		}
		var keep []int
		for _, a := range out {
			for _, b := range attrs {
				if a == b {
					keep = append(keep, a)
				}
			}
		}
		out = keep
	}
	return out
}

// Window describes an aggregate over event-time windows: a GROUP BY that
// includes a window TVF's window_start or window_end over a table with a
// watermark. Such an aggregate emits a window's rows once, when the
// watermark passes the window's end, and then drops its state.
type Window struct {
	// Start and End are the indexes in Aggregate.Groups of window_start and
	// window_end (-1 when not grouped by; a fixed-size window's end is its
	// start plus TVF.Size).
	Start, End int
	TVF        *WindowTVF
	// TimeCol is the aggregate's input column holding a row's own time
	// (the TVF's time column), or -1 when the input does not carry it.
	TimeCol int
	// ProcTime marks a window over processing time (a PROCTIME() column):
	// it fires when the wall clock passes its end.
	ProcTime bool
}

// ProcTime reports whether column col of n is processing time: a
// PROCTIME() call, passed on by projections and filters.
func ProcTime(n Node, col int) bool {
	switch n := n.(type) {
	case *Filter:
		return ProcTime(n.Input, col)
	case *Normalize:
		return ProcTime(n.Input, col)
	case *Project:
		e := n.Exprs[col]
		for {
			c, ok := e.(*scalar.Cast)
			if !ok {
				break
			}
			e = c.Arg
		}
		switch e := e.(type) {
		case *scalar.Call:
			return e.Fn == "proctime"
		case *scalar.ColRef:
			return ProcTime(n.Input, e.Idx)
		}
	}
	return false
}

// WindowOf returns the window of an aggregate over event-time windows, or
// nil for an ordinary (updating) aggregate, which is what grouping by the
// columns of a window without a watermark is (semantics.md, rule 12).
func WindowOf(a *Aggregate) *Window {
	start, end, tcol, tvf := windowCols(a.Input)
	if tvf == nil {
		return nil
	}
	proc := tvf.Kind != "SESSION" && ProcTime(tvf.Input, tvf.TimeCol)
	if !proc && !slices.Contains(TimeAttrs(tvf.Input), tvf.TimeCol) {
		return nil
	}
	w := &Window{Start: -1, End: -1, TVF: tvf, TimeCol: tcol, ProcTime: proc}
	for i, g := range a.Groups {
		c, ok := g.(*scalar.ColRef)
		switch {
		case !ok:
		case c.Idx == start && w.Start < 0:
			w.Start = i
		case c.Idx == end && w.End < 0:
			w.End = i
		}
	}
	if w.End < 0 && (w.Start < 0 || tvf.Kind == "CUMULATE" || tvf.Kind == "SESSION") {
		return nil // the start of a CUMULATE or SESSION window does not say its end
	}
	return w
}

// windowCols finds the output columns of n that are window_start and
// window_end of a window TVF below it, and the one holding the TVF's time
// column, through filters and projections (-1 for one not passed on).
func windowCols(n Node) (start, end, tcol int, tvf *WindowTVF) {
	switch n := n.(type) {
	case *WindowTVF:
		w := n.Input.Schema().Len()
		return w, w + 1, n.TimeCol, n
	case *Filter:
		return windowCols(n.Input)
	case *Aggregate:
		// A window aggregate's output keeps the window columns it groups
		// by (the time column is gone).
		s, e, _, t := windowCols(n.Input)
		if t == nil {
			return -1, -1, -1, nil
		}
		start, end = -1, -1
		for i, g := range n.Groups {
			if c, ok := g.(*scalar.ColRef); ok {
				if c.Idx == s && start < 0 {
					start = i
				}
				if c.Idx == e && end < 0 {
					end = i
				}
			}
		}
		return start, end, -1, t
	case *Project:
		s, e, tc, t := windowCols(n.Input)
		if t == nil {
			return -1, -1, -1, nil
		}
		start, end, tcol = -1, -1, -1
		for i, x := range n.Exprs {
			if c, ok := x.(*scalar.ColRef); ok {
				if c.Idx == s && start < 0 {
					start = i
				}
				if c.Idx == e && end < 0 {
					end = i
				}
				if c.Idx == tc && tcol < 0 {
					tcol = i
				}
			}
		}
		return start, end, tcol, t
	}
	return -1, -1, -1, nil
}

// WindowEnd finds the column of n's output that is the window_end of an
// event-time window below it, and that window's allowed lateness: an
// operator partitioned by it (a window Top-N) can drop a partition once the
// watermark has passed the window's end and lateness.
func WindowEnd(n Node) (col int, lateness int64, ok bool) {
	_, end, _, tvf := windowCols(n)
	if tvf == nil || end < 0 || !slices.Contains(TimeAttrs(tvf.Input), tvf.TimeCol) {
		return -1, 0, false
	}
	return end, tvf.Lateness, true
}
