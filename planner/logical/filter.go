package logical

import (
	"riffle/planner/scalar"
	"riffle/sql/types"
)

// Filter keeps the rows for which Pred is true (not NULL, not false).
type Filter struct {
	Input Node
	Pred  scalar.Expr
}

func (f *Filter) Schema() types.Schema { return f.Input.Schema() }
func (f *Filter) Inputs() []Node       { return []Node{f.Input} }

// Props: a filter is linear, so it passes the changelog kind and key
// through. On an upsert stream that is only safe because the predicate sees
// whole rows: an update that stops matching arrives as a delete of the key.
func (f *Filter) Props() Props     { return passThrough(f.Input.Props()) }
func (f *Filter) Describe() string { return "Filter " + f.Pred.String() }
