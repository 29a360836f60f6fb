package logical

import (
	"math"
	"strconv"
	"strings"

	"riffle/planner/scalar"
	"riffle/sql/types"
)

// Over computes window functions over partitions of its input, one output
// column per call, appended to the input columns: aggregates and
// ROW_NUMBER, RANK, DENSE_RANK, LAG, LEAD … OVER (PARTITION BY … ORDER BY
// … [frame]). Every call of one Over has the same PARTITION BY and ORDER BY
// (the binder chains one Over per distinct window). The binder turns the
// Top-N pattern (a ranking function filtered by its value) into a TopN
// instead.
//
// A continuous Over runs in one of two ways (EventTime says which):
//
//   - Over an append-only input ordered by an event-time attribute, as
//     Flink's OVER aggregation: rows are held until the watermark passes
//     them, then emitted in time order, each once, with its values final
//     (append-only output; rows behind the watermark are late).
//   - Otherwise as RisingWave's general over window: every row goes out at
//     once, and when a row comes or goes, the rows whose values it changes
//     (later ranks, frames that include it, LAG/LEAD neighbours) are
//     retracted and emitted again (a retracting output).
type Over struct {
	Input Node
	Calls []OverCall
	// Layout is the planner version of its pruning, which decides the rows
	// it keeps in state (see StampLayout).
	Layout int
	Out    types.Schema
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
	// Bounds is Frame as the executors read it; nil for the default frame.
	Bounds *FrameBounds
	// ExcludeCurrent takes the current row out of its frame (EXCLUDE
	// CURRENT ROW).
	ExcludeCurrent bool
	T              types.Type
}

// FrameBounds is a window frame: ROWS counts rows from the current one;
// RANGE (Rows false) runs from the partition's start, the current row's
// first peer, or the rows whose order key is within an offset of the
// current row's, to the same at the other end.
type FrameBounds struct {
	Rows       bool
	Start, End FrameBound
	// Interval marks RANGE offsets in microseconds (a timestamp key).
	Interval bool
}

// String renders the frame as SQL.
func (b *FrameBounds) String() string {
	kind := "RANGE"
	if b.Rows {
		kind = "ROWS"
	}
	return kind + " BETWEEN " + b.bound(b.Start) + " AND " + b.bound(b.End)
}

func (b *FrameBounds) bound(x FrameBound) string {
	dir := " PRECEDING"
	if x.Offset > 0 {
		dir = " FOLLOWING"
	}
	switch {
	case x.Unbounded:
		return "UNBOUNDED" + dir
	case x.Offset == 0:
		return "CURRENT ROW"
	case b.Interval:
		return "INTERVAL '" + strconv.FormatFloat(math.Abs(float64(x.Offset))/1e6, 'f', -1, 64) + "' SECOND" + dir
	}
	return strconv.FormatInt(max(x.Offset, -x.Offset), 10) + dir
}

// FrameBound is one end of a frame: UNBOUNDED PRECEDING or FOLLOWING, or
// Offset from the current row (negative: preceding; 0: CURRENT ROW). A
// ROWS offset counts rows; a RANGE offset is in the units of the one ORDER
// BY key (microseconds for a timestamp and an INTERVAL offset).
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
	if c.ExcludeCurrent {
		spec = append(spec, "EXCLUDE CURRENT ROW")
	}
	return s + strings.Join(spec, " ") + ")"
}

func (o *Over) Schema() types.Schema { return o.Out }
func (o *Over) Inputs() []Node       { return []Node{o.Input} }

// Props: in event time (EventTime) each row's values are final when it is
// emitted, so the output is append-only and keeps the input's key. Over
// anything else a change can change other rows' values (a rank shifts, a
// frame gains a row), and the output retracts; each input row is still one
// output row, so the input's key stays a key.
func (o *Over) Props() Props {
	in := o.Input.Props()
	p := Props{Changelog: Retract, Key: in.Key, Bounded: in.Bounded}
	if o.EventTime() {
		p.Changelog = AppendOnly
		p.State = "rows until the watermark passes them; per partition the rows the frames still reach and the running values"
		p.Unbounded = len(o.Calls[0].Partition) > 0
		return p
	}
	p.State = "every row per partition, ordered; a change re-emits the rows whose values it changes"
	p.Unbounded = true
	return p
}

func (o *Over) Describe() string {
	var cs []string
	for _, c := range o.Calls {
		cs = append(cs, c.String())
	}
	mode := ""
	if !o.Input.Props().Bounded {
		mode = "updating "
		if o.EventTime() {
			mode = "event-time "
		}
	}
	return "Over " + mode + strings.Join(cs, ", ")
}

// EventTime reports whether o runs as Flink's OVER aggregation: its input
// is append-only, every call orders its partition by an event-time
// attribute, ascending, first, and every call's value is final once the
// rows its frame reaches are behind the watermark (OnTime).
func (o *Over) EventTime() bool {
	if in := o.Input.Props(); in.Changelog != AppendOnly || in.Bounded || !o.timeOrdered() {
		return false
	}
	for _, c := range o.Calls {
		if !c.OnTime() {
			return false
		}
	}
	return true
}

// OnTime reports whether the call's value for a row is known once the
// watermark has passed the row and a fixed number of rows after it: the
// ranking functions, LAG and LEAD with constant offsets, and COUNT, SUM,
// AVG, MIN and MAX over frames that end at the current row (RANGE: its last
// peer) or a fixed number of rows before or after it (ROWS), and start at
// the partition's start or at or before the row. A frame that reaches the
// partition's end would wait for the end of input.
func (c OverCall) OnTime() bool {
	switch c.Func {
	case "row_number", "rank", "dense_rank":
		return true
	case "lag", "lead":
		_, ok := c.Offset()
		return ok
	case "count", "count_star", "sum", "avg", "min", "max":
	default:
		return false
	}
	if c.Distinct {
		return false
	}
	b := c.Bounds
	if b == nil {
		return true // RANGE UNBOUNDED PRECEDING AND CURRENT ROW
	}
	if b.End.Unbounded || (!b.Rows && b.End.Offset != 0) {
		return false
	}
	// A running value from UNBOUNDED PRECEDING cannot take the current row
	// out again.
	return b.Start.Unbounded && !c.ExcludeCurrent || !b.Start.Unbounded && b.Start.Offset <= 0
}

// Offset is LAG's or LEAD's constant offset (1 when not given).
func (c OverCall) Offset() (int64, bool) {
	if len(c.Args) < 2 {
		return 1, true
	}
	e := c.Args[1]
	if cast, ok := e.(*scalar.Cast); ok {
		e = cast.Arg
	}
	k, ok := e.(*scalar.Const)
	if !ok || k.V.IsNull() || !k.T.IsInteger() || k.V.Int() < 0 {
		return 0, false
	}
	return k.V.Int(), true
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
