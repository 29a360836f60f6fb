package scalar

import (
	"riffle/sql/types"
)

// SubqueryKind says what a subquery used as a value yields.
type SubqueryKind uint8

// The kinds of Subquery.
const (
	// ScalarSubquery is (SELECT x …): its one row's one column, NULL for no
	// row, an error for more than one.
	ScalarSubquery SubqueryKind = iota
	// ExistsSubquery is EXISTS (SELECT …): whether it has a row.
	ExistsSubquery
	// ArraySubquery is ARRAY(SELECT x …): its column as an array.
	ArraySubquery
	// InSubquery is Args[0] IN (SELECT x …), with SQL's NULL rules: NULL
	// when nothing matched and the test value or some x is NULL.
	InSubquery
)

// Subquery is a subquery used as a value, in a one-shot query: it runs once
// per row of the query around it. Plan is its logical plan (a
// logical.Node, which this package cannot name). The plan reads the row
// around it only through OuterRefs into Outer, which holds the values of
// Args, expressions over that row, while the plan runs for it: so
// rewriting the outer query's column references (pushing a filter into a
// join, say) rewrites Args and the subquery stays right.
type Subquery struct {
	Kind  SubqueryKind
	Plan  any
	Args  []Expr
	Outer *OuterRow
	T     types.Type
	// Runner runs Plan; the session executing the statement fills it in.
	Runner *Runner
}

// OuterRow is where a running subquery's plan reads the values the row
// around it gave (Subquery.Args).
type OuterRow struct {
	Row types.Row
}

// OuterRef reads value Idx of a subquery's outer row: a column of the query
// around the subquery.
type OuterRef struct {
	Outer *OuterRow
	Idx   int
	Name  string
	T     types.Type
}

// Runner runs subquery plans for one statement: Run returns the rows of a
// plan (a logical.Node) as it reads the current outer rows.
type Runner struct {
	Run func(plan any) ([]types.Row, error)
}

func (e *Subquery) Type() types.Type { return e.T }
func (e *OuterRef) Type() types.Type { return e.T }

func (e *Subquery) String() string {
	switch e.Kind {
	case ExistsSubquery:
		return "EXISTS(subquery)"
	case ArraySubquery:
		return "ARRAY(subquery)"
	case InSubquery:
		return e.Args[0].String() + " IN (subquery)"
	}
	return "(subquery)"
}

func (e *OuterRef) String() string { return "outer." + e.Name }
