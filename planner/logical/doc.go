// Package logical holds the relational operators of a bound query: Scan,
// Values, Filter, Project, Sort and Limit in this first slice. Each node knows
// its output schema and derives its stream properties (Props) from its inputs,
// so EXPLAIN and the sink check can read them anywhere in the tree.
package logical
