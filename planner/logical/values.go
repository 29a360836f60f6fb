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
	// Name names a system relation (pg_catalog.pg_class, …) whose rows
	// these are, as of the statement; "" for rows the query wrote.
	Name string
}

func (v *Values) Schema() types.Schema { return v.Out }
func (v *Values) Inputs() []Node       { return nil }
func (v *Values) Props() Props         { return Props{Changelog: AppendOnly, Bounded: true} }
func (v *Values) Describe() string {
	if v.Name != "" {
		return fmt.Sprintf("Values %s rows=%d", v.Name, len(v.Rows))
	}
	return fmt.Sprintf("Values rows=%d", len(v.Rows))
}
