// Package logical holds the relational operators of a bound query: Scan,
// Values, Filter, Project, Sort and Limit in this first slice. Each node knows
// its output schema and derives its stream properties (Props) from its inputs,
// so EXPLAIN and the sink check can read them anywhere in the tree. Prune,
// the one rewrite over a whole plan, narrows every node to the columns read
// above it (the binder runs it last, at planner version 2).
package logical
