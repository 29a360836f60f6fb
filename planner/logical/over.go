package logical

import (
	"strings"

	"riffle/planner/scalar"
	"riffle/sql/types"
)

// Over computes window functions over partitions of its input, one output
// column per call, appended to the input columns: aggregates and
// ROW_NUMBER, RANK, DENSE_RANK, LAG, LEAD … OVER (PARTITION BY … ORDER BY
// … [frame]). The binder turns the Top-N pattern (ROW_NUMBER filtered by
// its value) into a TopN instead.
type Over struct {
	Input Node
	Calls []OverCall
	Out   types.Schema
}

// OverCall is one window function call. Partition and Order are over the
// input columns; Frame is the frame as written ("ROWS BETWEEN 10 PRECEDING
// AND CURRENT ROW"), "" for the default (RANGE UNBOUNDED PRECEDING with an
// ORDER BY, the whole partition without).
type OverCall struct {
	Func      string // lower-case: sum, avg, count_star, row_number, rank, lag, …
	Args      []scalar.Expr
	Distinct  bool
	Partition []scalar.Expr
	Order     []SortKey
	Frame     string
	// Bounds is Frame as the one-shot executor reads it; nil for the
	// default frame or one it cannot run (the binder says which).
	Bounds *FrameBounds
	T      types.Type
}

// FrameBounds is a window frame: ROWS counts rows from the current one;
// RANGE (Rows false) runs from the partition's start or the current row's
// first peer to its last peer or the partition's end.
type FrameBounds struct {
	Rows       bool
	Start, End FrameBound
}

// FrameBound is one end of a frame: UNBOUNDED PRECEDING or FOLLOWING, or
// Offset rows from the current one (negative: preceding; 0: CURRENT ROW).
type FrameBound struct {
	Unbounded bool
	Offset    int64
}

func (c OverCall) String() string {
	var args []string
	for _, a := range c.Args {
		args = append(args, a.String())
	}
	fn := c.Func
	if fn == "count_star" {
		fn, args = "count", []string{"*"}
	}
	d := ""
	if c.Distinct {
		d = "DISTINCT "
	}
	s := fn + "(" + d + strings.Join(args, ", ") + ") OVER ("
	var spec []string
	if len(c.Partition) > 0 {
		var ps []string
		for _, p := range c.Partition {
			ps = append(ps, p.String())
		}
		spec = append(spec, "PARTITION BY "+strings.Join(ps, ", "))
	}
	if len(c.Order) > 0 {
		var os []string
		for _, k := range c.Order {
			o := k.Expr.String()
			if k.Desc {
				o += " DESC"
			}
			os = append(os, o)
		}
		spec = append(spec, "ORDER BY "+strings.Join(os, ", "))
	}
	if c.Frame != "" {
		spec = append(spec, c.Frame)
	}
	return s + strings.Join(spec, " ") + ")"
}

func (o *Over) Schema() types.Schema { return o.Out }
func (o *Over) Inputs() []Node       { return []Node{o.Input} }

// Props: over an append-only input ordered by time, each row's window
// values are final when it is emitted (Flink's OVER aggregation), so the
// output is append-only and keeps the input's key. Over anything else a new
// row can change earlier rows' values (a rank shifts, a frame gains a row),
// and the output retracts.
func (o *Over) Props() Props {
	in := o.Input.Props()
	p := Props{Changelog: in.Changelog, Key: in.Key, Bounded: in.Bounded}
	if p.Changelog == Upsert || !o.timeOrdered() {
		p.Changelog = Retract
	}
	p.State = "each partition's rows within the frame, ordered (unbounded without a bounded frame)"
	return p
}

func (o *Over) Describe() string {
	var cs []string
	for _, c := range o.Calls {
		cs = append(cs, c.String())
	}
	return "Over " + strings.Join(cs, ", ")
}

// timeOrdered reports whether every call orders its partition by an
// event-time attribute, ascending: then rows arrive in window order (late
// rows are dropped) and no later row changes an earlier result.
func (o *Over) timeOrdered() bool {
	attrs := TimeAttrs(o.Input)
	for _, c := range o.Calls {
		if len(c.Order) == 0 || c.Order[0].Desc {
			return false
		}
		col, ok := c.Order[0].Expr.(*scalar.ColRef)
		found := false
		for _, a := range attrs {
			found = found || (ok && a == col.Idx)
		}
		if !found {
			return false
		}
	}
	return true
}
