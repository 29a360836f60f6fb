package logical

import (
	"fmt"

	"riffle/planner/scalar"
	"riffle/sql/types"
)

// Values is a constant relation: SELECT without FROM, or VALUES rows.
type Values struct {
	Rows [][]scalar.Expr
	Out  types.Schema
}

func (v *Values) Schema() types.Schema { return v.Out }
func (v *Values) Inputs() []Node       { return nil }
func (v *Values) Props() Props         { return Props{Changelog: AppendOnly, Bounded: true} }
func (v *Values) Describe() string     { return fmt.Sprintf("Values rows=%d", len(v.Rows)) }
