package logical

import (
	"fmt"

	"riffle/planner/scalar"
	"riffle/sql/types"
)

// TableFunc is a set-returning function in FROM (unnest, generate_series,
// …): rows computed from its arguments, which may name the columns of a
// query around it. One-shot queries only.
type TableFunc struct {
	Name       string
	Args       []scalar.Expr
	Ordinality bool // WITH ORDINALITY: a last column numbering the rows from 1
	Out        types.Schema
}

func (f *TableFunc) Schema() types.Schema { return f.Out }
func (f *TableFunc) Inputs() []Node       { return nil }
func (f *TableFunc) Props() Props         { return Props{Changelog: AppendOnly, Bounded: true} }
func (f *TableFunc) Describe() string     { return fmt.Sprintf("TableFunc %s", f.Name) }
