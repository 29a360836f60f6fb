package logical

import (
	"fmt"
	"slices"
	"strings"

	"riffle/sql/types"
)

// TopN keeps, for each partition, the rows ranked Offset+1 … Offset+Limit by
// its order: ROW_NUMBER() OVER (PARTITION BY … ORDER BY …) filtered by
// rn <= N (or BETWEEN). With Limit 1 it is deduplication: keep-first when
// ordered by time ascending, keep-last when descending. Rows that tie on the
// order are ranked by the whole row, so the choice is deterministic.
//
// With RANK() or DENSE_RANK() (Func) rows that tie on the order share a
// rank, as Flink's Top-N ranks them: rk <= 3 keeps every row whose rank is
// at most 3, which can be more than three rows.
type TopN struct {
	Input Node
	// PartitionBy are input column indexes.
	PartitionBy []int
	// OrderBy sorts within a partition; each key's Expr is a *scalar.ColRef
	// into the input.
	OrderBy []SortKey
	Limit   int64
	Offset  int64
	// RowNumber appends the row's rank (BIGINT) as the last output column,
	// when the query selects it.
	RowNumber bool
	// Func is the ranking function: "" (ROW_NUMBER), "rank" or
	// "dense_rank".
	Func string
	// Layout is the layout of its state and the planner version of its
	// pruning (see StampLayout).
	Layout int
	Out    types.Schema
}

func (t *TopN) Schema() types.Schema { return t.Out }
func (t *TopN) Inputs() []Node       { return []Node{t.Input} }

// Props: rows move in and out of the top as the input changes, so the output
// retracts. With the row number selected, (partition, row number) is a key;
// with Limit 1, the partition alone is. Partitioned by an event-time
// window's end, it keeps a window's rows only until the window closes.
func (t *TopN) Props() Props {
	in := t.Input.Props()
	p := Props{Changelog: Retract, Bounded: in.Bounded, State: "every row per partition, ordered", Unbounded: true, Expires: true}
	if col, _, ok := WindowEnd(t.Input); ok && slices.Contains(t.PartitionBy, col) {
		// A window Top-N: a window's partition goes when the watermark
		// passes the window's end.
		p.State += ", until the watermark passes the window's end"
		p.Unbounded, p.Expires = false, false
	}
	switch {
	case t.Func != "":
		// Ties share a rank, so neither (partition, rank) nor the
		// partition alone is unique.
	case t.RowNumber:
		p.Key = append(append([]int{}, t.PartitionBy...), len(t.Out.Columns)-1)
	case t.Limit == 1 && t.Offset == 0:
		p.Key = append([]int{}, t.PartitionBy...)
	}
	return p
}

func (t *TopN) Describe() string {
	names := t.Input.Schema().Names()
	var part, order []string
	for _, i := range t.PartitionBy {
		part = append(part, names[i])
	}
	for _, k := range t.OrderBy {
		s := k.Expr.String()
		if k.Desc {
			s += " DESC"
		}
		order = append(order, s)
	}
	fn := ""
	if t.Func != "" {
		fn = " " + t.Func
	}
	return fmt.Sprintf("TopN%s partition=(%s) order=(%s) limit=%d offset=%d rownumber=%v",
		fn, strings.Join(part, ", "), strings.Join(order, ", "), t.Limit, t.Offset, t.RowNumber)
}
