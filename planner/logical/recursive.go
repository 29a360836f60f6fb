package logical

import (
	"fmt"

	"riffle/sql/types"
)

// RecursiveUnion is a WITH RECURSIVE query: Base, then Step run again and
// again over the rows the previous round added (its WorkTable), until a
// round adds none. With Distinct (UNION) a round adds only rows not seen
// before, as in PostgreSQL; with UNION ALL every row it makes. One-shot
// queries only: a continuous query cannot iterate to a fixed point.
type RecursiveUnion struct {
	Base, Step Node
	Work       *WorkTable
	Distinct   bool
	Out        types.Schema
}

func (r *RecursiveUnion) Schema() types.Schema { return r.Out }
func (r *RecursiveUnion) Inputs() []Node       { return []Node{r.Base, r.Step} }
func (r *RecursiveUnion) Props() Props         { return Props{Changelog: AppendOnly, Bounded: true} }
func (r *RecursiveUnion) Describe() string {
	kind := "all"
	if r.Distinct {
		kind = "distinct"
	}
	return fmt.Sprintf("RecursiveUnion %s %s", r.Work.Name, kind)
}

// WorkTable is the recursive reference inside a RecursiveUnion's Step:
// the rows the previous round added, which the executor sets in Rows
// before it runs the Step.
type WorkTable struct {
	Name string
	Out  types.Schema
	Rows types.Batch
}

func (w *WorkTable) Schema() types.Schema { return w.Out }
func (w *WorkTable) Inputs() []Node       { return nil }
func (w *WorkTable) Props() Props         { return Props{Changelog: AppendOnly, Bounded: true} }
func (w *WorkTable) Describe() string     { return "WorkTable " + w.Name }
