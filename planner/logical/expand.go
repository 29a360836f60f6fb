package logical

import (
	"strings"

	"riffle/planner/scalar"
	"riffle/sql/types"
)

// Expand runs the set-returning functions of a select list (unnest(a),
// information_schema._pg_expandarray(a)) for each input row: the row
// repeats once per element, with each function's element appended, the
// functions in lockstep and the shorter ones padded with NULL, as
// PostgreSQL does. A row whose functions return nothing is dropped.
// One-shot queries only.
type Expand struct {
	Input Node
	Funcs []*scalar.Call // Fn is "unnest" or "_pg_expandarray"
	Out   types.Schema
}

func (e *Expand) Schema() types.Schema { return e.Out }
func (e *Expand) Inputs() []Node       { return []Node{e.Input} }
func (e *Expand) Props() Props {
	in := e.Input.Props()
	return Props{Changelog: in.Changelog, Bounded: in.Bounded}
}

func (e *Expand) Describe() string {
	var fs []string
	for _, f := range e.Funcs {
		fs = append(fs, f.String())
	}
	return "Expand " + strings.Join(fs, ", ")
}
