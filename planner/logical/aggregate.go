package logical

import (
	"strings"

	"riffle/planner/scalar"
	"riffle/sql/types"
)

// Aggregate groups its input by the Groups expressions and computes Aggs for
// each group. Its output is the group columns followed by one column per
// aggregate. Without groups it is a global aggregate: exactly one row, even
// over empty input (semantics.md, rule 6).
type Aggregate struct {
	Input  Node
	Groups []scalar.Expr
	Aggs   []AggCall
	Out    types.Schema
	// Emit is how it emits when it aggregates event-time windows.
	Emit Emit
	// Layout is the layout of its state (see StampLayout).
	Layout int
}

// Emit is how a window aggregate emits (semantics.md, rule 2): by default
// each window's row once, final, when the watermark passes the window's
// end; a query can ask for more with session settings captured when it is
// created (table.exec.emit.*).
type Emit struct {
	// Lateness (µs of event time) keeps a fired window's state that long
	// after its end: a late row within it updates the window, whose row is
	// retracted and emitted again.
	Lateness int64
	// Early emits a window's row before it fires: on every change, or,
	// with EarlyEvery (µs of processing time), at most that often.
	Early      bool
	EarlyEvery int64
}

// AggCall is one aggregate function call.
type AggCall struct {
	// Func is count_star, count, sum, avg, min or max.
	Func     string
	Args     []scalar.Expr
	Distinct bool
	// Filter, when set, restricts the rows the call sees (FILTER (WHERE …)).
	Filter scalar.Expr
	// OrderBy orders the values of string_agg and array_agg (their values
	// are otherwise in value order).
	OrderBy []SortKey
	T       types.Type
}

func (c AggCall) String() string {
	var b strings.Builder
	if c.Func == "count_star" {
		b.WriteString("count(*)")
	} else {
		b.WriteString(c.Func + "(")
		if c.Distinct {
			b.WriteString("DISTINCT ")
		}
		for i, a := range c.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(a.String())
		}
		for i, k := range c.OrderBy {
			if i == 0 {
				b.WriteString(" ORDER BY ")
			} else {
				b.WriteString(", ")
			}
			b.WriteString(k.String())
		}
		b.WriteString(")")
	}
	if c.Filter != nil {
		b.WriteString(" FILTER (WHERE " + c.Filter.String() + ")")
	}
	return b.String()
}

func (a *Aggregate) Schema() types.Schema { return a.Out }
func (a *Aggregate) Inputs() []Node       { return []Node{a.Input} }

// Props: an aggregate's results change as input arrives, so it retracts its
// previous row for a group when the group changes; the group columns are the
// stream key (a global aggregate's one row has the empty key). An aggregate
// over event-time windows (WindowOf) emits each row once, final.
func (a *Aggregate) Props() Props {
	in := a.Input.Props()
	p := Props{Changelog: Retract, Bounded: in.Bounded, Key: []int{}}
	for i := range a.Groups {
		p.Key = append(p.Key, i)
	}
	p.State = "one accumulator row per group"
	var valued, ttlValued []string
	for _, c := range a.Aggs {
		switch {
		case in.Changelog == AppendOnly && (c.Func == "min" || c.Func == "max"):
			// Nothing retracts the extreme of an append-only input, so the
			// running value is enough; but expiry upstream under a state
			// TTL retracts (exec/operator.Aggregate).
			ttlValued = append(ttlValued, c.String())
		case c.Distinct || c.KeepsValues():
			valued = append(valued, c.String())
		}
	}
	if len(valued) > 0 {
		// Retracting the current minimum needs the next one, and a DISTINCT
		// count must know when a value's last copy leaves.
		p.State += ", and each value's count per group for " + strings.Join(valued, ", ")
	}
	if len(ttlValued) > 0 {
		p.State += ", and under a state TTL each value's count per group for " + strings.Join(ttlValued, ", ")
	}
	p.Unbounded, p.Expires = len(a.Groups) > 0, true
	if w := WindowOf(a); w != nil {
		// Each window's row is emitted once, final, when the watermark
		// passes the window's end, and its state then goes; early or late
		// firing updates rows already emitted.
		p.Changelog = AppendOnly
		if a.Emit.Early || a.Emit.Lateness > 0 {
			p.Changelog = Retract
		}
		p.State = strings.Replace(p.State, "per group", "per window and group", 1) + ", until the watermark passes the window's end"
		if w.ProcTime {
			p.State = strings.Replace(p.State, "the watermark", "the wall clock", 1)
		}
		if tvf := Sliced(a); tvf != nil {
			// One accumulator per slice, kept until the last window that
			// holds the slice fires (see Sliced).
			p.State = "one accumulator row per " + duration(tvf.Slide) + " slice and group, until the watermark passes the end of the last window holding the slice"
		}
		if a.Emit.Lateness > 0 {
			p.State += " and its allowed lateness of " + duration(a.Emit.Lateness)
		}
		switch {
		case a.Emit.Early && a.Emit.EarlyEvery > 0:
			p.State += "; emits early, every " + duration(a.Emit.EarlyEvery) + " of processing time"
		case a.Emit.Early:
			p.State += "; emits early, on every change"
		}
		p.Unbounded, p.Expires = false, false
	}
	return p
}

func (a *Aggregate) Describe() string {
	var parts []string
	for _, g := range a.Groups {
		parts = append(parts, g.String())
	}
	s := "Aggregate"
	if len(parts) > 0 {
		s += " group=(" + strings.Join(parts, ", ") + ")"
	}
	var aggs []string
	for _, c := range a.Aggs {
		aggs = append(aggs, c.String())
	}
	if len(aggs) > 0 {
		s += " aggs=(" + strings.Join(aggs, ", ") + ")"
	}
	if tvf := Sliced(a); tvf != nil {
		// The slices' bounds are state: a plan slicing otherwise has
		// another layout.
		s += " sliced=" + duration(tvf.Slide)
		if tvf.Offset != 0 {
			s += " offset=" + duration(tvf.Offset)
		}
	}
	return s
}

// KeepsValues reports whether the call's result depends on every value of
// the group, not on a running sum: MIN and MAX (retracting the minimum
// needs the next), string_agg and array_agg. Such calls keep each value's
// count per group.
func (c AggCall) KeepsValues() bool {
	switch c.Func {
	case "min", "max", "string_agg", "array_agg":
		return true
	}
	return false
}
