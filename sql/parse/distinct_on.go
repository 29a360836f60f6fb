package parse

// DISTINCT ON. TiDB has no SELECT DISTINCT ON (…), PostgreSQL's "first row
// of each group": the rewrite turns the clause into a placeholder call
// leading the select list, which the binder takes out again:
//
//	SELECT DISTINCT ON (k) k + v AS sum FROM t ORDER BY k, v
//
// reaches TiDB as
//
//	SELECT __riffle_distinct_on(k), k + v AS sum FROM t ORDER BY k, v

// DistinctOnFunc is the placeholder call whose arguments are the DISTINCT
// ON expressions; it is the first field of the select list.
const DistinctOnFunc = "__riffle_distinct_on"

// distinctOn rewrites DISTINCT ON (…), toks[i] being DISTINCT, and returns
// the index of the first token inside the parentheses, so that the
// expressions get the other rules.
func (r *rewriter) distinctOn(i int) (int, error) {
	open := i + 2
	closeIdx, ok := r.close[open]
	if !ok || closeIdx == open+1 {
		return 0, syntaxErrAt(r.src, r.toks[open])
	}
	r.add(r.toks[i].Start, r.toks[open].End-r.toks[i].Start, DistinctOnFunc+"(", false)
	r.add(r.toks[closeIdx].End, 0, ",", false)
	return open + 1, nil
}
