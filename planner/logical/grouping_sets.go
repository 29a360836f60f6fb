package logical

import (
	"fmt"
	"strings"

	"riffle/planner/scalar"
	"riffle/sql/types"
)

// GroupingSets feeds an aggregate that groups by several grouping sets at
// once (GROUPING SETS, ROLLUP, CUBE): it repeats each input row once per
// set, with the group expressions of the set and NULL for the others, the
// set's number, and the value of each GROUPING() call for the set. The
// Aggregate above groups by all of these, so each set's groups are groups
// of their own, with NULL where a column is rolled up; retractions flow
// through unchanged. This is Flink's Expand under its grouping-sets
// aggregate.
//
// Output columns: the input's, then one per group expression, then the set
// number (BIGINT), then one per GROUPING() call (BIGINT).
type GroupingSets struct {
	Input Node
	// Groups are the distinct group expressions, over the input.
	Groups []scalar.Expr
	// Sets lists, for each grouping set, the indexes into Groups it groups
	// by.
	Sets [][]int
	// Grouping lists, for each GROUPING(…) call, the indexes into Groups
	// of its arguments: bit i (from the left) of its value is 1 when
	// argument i is not in the row's set.
	Grouping [][]int
	Out      types.Schema
}

func (g *GroupingSets) Schema() types.Schema { return g.Out }
func (g *GroupingSets) Inputs() []Node       { return []Node{g.Input} }

// Props: stateless; every input change becomes one change per set, so the
// changelog is the input's, and no input key survives the repetition.
func (g *GroupingSets) Props() Props {
	in := g.Input.Props()
	return Props{Changelog: in.Changelog, Bounded: in.Bounded}
}

func (g *GroupingSets) Describe() string {
	var sets []string
	for _, s := range g.Sets {
		var es []string
		for _, i := range s {
			es = append(es, g.Groups[i].String())
		}
		sets = append(sets, "("+strings.Join(es, ", ")+")")
	}
	return fmt.Sprintf("GroupingSets %s", strings.Join(sets, ", "))
}

// GroupingValue is the value of GROUPING(args) in grouping set set.
func GroupingValue(args, set []int) int64 {
	v := int64(0)
	for _, a := range args {
		v <<= 1
		in := false
		for _, s := range set {
			in = in || s == a
		}
		if !in {
			v |= 1
		}
	}
	return v
}
