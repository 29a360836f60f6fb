package logical

import (
	"strings"

	"riffle/planner/scalar"
	"riffle/sql/types"
)

// Project computes one expression per output column.
type Project struct {
	Input Node
	Exprs []scalar.Expr
	Out   types.Schema
	// Computed marks the projection that computes a table's computed
	// columns over its scan: the table's columns, the event-time one
	// included, keep their places and their time attributes.
	Computed bool
}

func (p *Project) Schema() types.Schema { return p.Out }
func (p *Project) Inputs() []Node       { return []Node{p.Input} }

// Props: the changelog kind passes through; the stream key survives only if
// every key column is projected as a plain column reference. A projection
// that drops key columns of an upsert stream turns it into a retract stream,
// because rows are no longer identified by what remains.
func (p *Project) Props() Props {
	in := p.Input.Props()
	out := Props{Changelog: in.Changelog, Bounded: in.Bounded}
	if in.Key == nil {
		return out
	}
	out.Key = []int{} // a global aggregate's one row keeps its empty key
	for _, k := range in.Key {
		found := -1
		for i, e := range p.Exprs {
			if c, ok := e.(*scalar.ColRef); ok && c.Idx == k {
				found = i
				break
			}
		}
		if found < 0 {
			if out.Changelog == Upsert {
				out.Changelog = Retract
			}
			out.Key = nil // part of the key is gone: rows are no longer identified
			return out
		}
		out.Key = append(out.Key, found)
	}
	return out
}

func (p *Project) Describe() string {
	parts := make([]string, len(p.Exprs))
	for i, e := range p.Exprs {
		parts[i] = e.String() + " AS " + p.Out.Columns[i].Name
	}
	return "Project " + strings.Join(parts, ", ")
}
