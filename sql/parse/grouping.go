package parse

import "strings"

// Grouping sets. TiDB has GROUP BY … WITH ROLLUP but no grammar for
// PostgreSQL's and Flink's GROUPING SETS (…), ROLLUP (…) and CUBE (…)
// inside GROUP BY. The rewrite turns each into a placeholder call, and each
// parenthesised list inside one into a set call, so the binder sees plain
// calls in the GROUP BY list:
//
//	GROUP BY a, GROUPING SETS ((b, c), (b), ())
//
// reaches TiDB as
//
//	GROUP BY a, __riffle_grouping_sets(__riffle_set(b, c), __riffle_set(b), __riffle_set())
//
// Only parentheses and keywords are replaced; no operator moves. The names
// need no Ext entry: the binder reads them as they are.

// Placeholder calls of grouping sets.
const (
	GroupingSetsFunc = "__riffle_grouping_sets"
	RollupFunc       = "__riffle_rollup"
	CubeFunc         = "__riffle_cube"
	GroupingSetFunc  = "__riffle_set" // a parenthesised list of expressions
)

// groupingAt reports whether toks[i] starts GROUPING SETS (, ROLLUP ( or
// CUBE (, and the index of its '('.
func (r *rewriter) groupingAt(i int) (open int, ok bool) {
	if i >= r.hi || r.toks[i].Kind != TokIdent {
		return 0, false
	}
	switch up := strings.ToUpper(r.toks[i].Val); {
	case (up == "ROLLUP" || up == "CUBE") && i+1 < r.hi && r.toks[i+1].IsOp("("):
		return i + 1, true
	case up == "GROUPING" && i+2 < r.hi && r.toks[i+1].Is("SETS") && r.toks[i+2].IsOp("("):
		return i + 2, true
	}
	return 0, false
}

// groupingSets rewrites the construct at toks[i] (groupingAt) and those
// nested in it, and returns the index after its ')'.
func (r *rewriter) groupingSets(i int) int {
	open, _ := r.groupingAt(i)
	closeIdx, ok := r.close[open]
	if !ok {
		return i + 1 // unbalanced: TiDB reports it
	}
	name := map[string]string{"ROLLUP": RollupFunc, "CUBE": CubeFunc, "GROUPING": GroupingSetsFunc}[strings.ToUpper(r.toks[i].Val)]
	first, last := r.toks[i], r.toks[open-1]
	r.add(first.Start, last.End-first.Start, name, false)
	// Each element: a nested construct, a parenthesised list (a set), or
	// an expression left as it is.
	for j := open + 1; j < closeIdx; {
		switch {
		case r.toks[j].IsOp(","):
			j++
		case r.toks[j].IsOp("("):
			end := r.close[j]
			if end+1 == closeIdx || r.toks[end+1].IsOp(",") {
				r.add(r.toks[j].Start, 0, GroupingSetFunc, false)
			}
			j = r.skipElement(j, closeIdx)
		default:
			if _, nested := r.groupingAt(j); nested {
				j = r.groupingSets(j)
				continue
			}
			j = r.skipElement(j, closeIdx)
		}
	}
	return closeIdx + 1
}

// skipElement returns the index of the comma that ends the list element
// starting at toks[j], or end.
func (r *rewriter) skipElement(j, end int) int {
	for j < end && !r.toks[j].IsOp(",") {
		if c, ok := r.close[j]; ok {
			j = c
		}
		j++
	}
	return j
}
