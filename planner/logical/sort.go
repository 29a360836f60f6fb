package logical

import (
	"strings"

	"riffle/planner/scalar"
	"riffle/sql/types"
)

// Sort orders a bounded input (ORDER BY of a one-shot SELECT).
type Sort struct {
	Input Node
	Keys  []SortKey
}

// SortKey is one ORDER BY item.
type SortKey struct {
	Expr       scalar.Expr
	Desc       bool
	NullsFirst bool
}

func (s *Sort) Schema() types.Schema { return s.Input.Schema() }
func (s *Sort) Inputs() []Node       { return []Node{s.Input} }
func (s *Sort) Props() Props         { return passThrough(s.Input.Props()) }

func (s *Sort) Describe() string {
	parts := make([]string, len(s.Keys))
	for i, k := range s.Keys {
		parts[i] = k.String()
	}
	return "Sort " + strings.Join(parts, ", ")
}

func (k SortKey) String() string {
	s := k.Expr.String()
	if k.Desc {
		s += " DESC"
	}
	if k.NullsFirst != k.Desc { // only print when not the default
		if k.NullsFirst {
			s += " NULLS FIRST"
		} else {
			s += " NULLS LAST"
		}
	}
	return s
}
