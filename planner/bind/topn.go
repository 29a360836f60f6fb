package bind

import (
	"riffle/planner/logical"
	"riffle/planner/scalar"
	"riffle/sql/types"
)

// topN recognises the Top-N pattern: in is a ranked subquery (a Project
// over an Over with one ROW_NUMBER(), RANK() or DENSE_RANK() call) and one
// of preds bounds the rank (rn <= N, rn < N, rn = N, rn BETWEEN a AND b).
// The Over becomes a TopN with the bound; the other predicates are
// returned.
func topN(in logical.Node, preds []scalar.Expr) (logical.Node, []scalar.Expr) {
	p, ok := in.(*logical.Project)
	if !ok {
		return in, preds
	}
	o, ok := p.Input.(*logical.Over)
	if !ok || len(o.Calls) != 1 || !rankingTopN[o.Calls[0].Func] || o.Calls[0].Frame != "" {
		return in, preds
	}
	rn := o.Input.Schema().Len()
	k := -1
	for i, e := range p.Exprs {
		if c, isCol := e.(*scalar.ColRef); isCol && c.Idx == rn {
			k = i
		}
	}
	call := o.Calls[0]
	t := &logical.TopN{Input: o.Input, OrderBy: call.Order, RowNumber: true, Out: o.Out}
	if call.Func != "row_number" {
		t.Func = call.Func
	}
	for _, e := range call.Partition {
		c, isCol := e.(*scalar.ColRef)
		if !isCol {
			return in, preds
		}
		t.PartitionBy = append(t.PartitionBy, c.Idx)
	}
	for _, key := range call.Order {
		if _, isCol := key.Expr.(*scalar.ColRef); !isCol {
			return in, preds
		}
	}
	for i, e := range preds {
		lo, hi, ok := rankBound(e, k)
		if !ok || k < 0 {
			continue
		}
		t.Offset, t.Limit = lo-1, hi-lo+1
		rest := append(append([]scalar.Expr{}, preds[:i]...), preds[i+1:]...)
		return &logical.Project{Input: t, Exprs: p.Exprs, Out: p.Out}, rest
	}
	return in, preds
}

// rankingTopN are the ranking functions a Top-N filters on.
var rankingTopN = map[string]bool{"row_number": true, "rank": true, "dense_rank": true}

// rankBound reads a bound on column k as the rank range [lo, hi].
func rankBound(e scalar.Expr, k int) (lo, hi int64, ok bool) {
	if c, isCast := e.(*scalar.Cast); isCast {
		e = c.Arg
	}
	call, isCall := e.(*scalar.Call)
	if !isCall {
		return 0, 0, false
	}
	if call.Fn == "between" && len(call.Args) == 3 && isCol(call.Args[0], k) {
		a, okA := intConst(call.Args[1])
		z, okZ := intConst(call.Args[2])
		return max(a, 1), z, okA && okZ && z >= max(a, 1)
	}
	if len(call.Args) != 2 {
		return 0, 0, false
	}
	op, x, n := call.Fn, call.Args[0], call.Args[1]
	if isCol(n, k) {
		x, n = n, x
		op = map[string]string{"<=": ">=", "<": ">", ">=": "<=", ">": "<", "=": "="}[op]
	}
	v, okN := intConst(n)
	if !isCol(x, k) || !okN {
		return 0, 0, false
	}
	switch op {
	case "<=":
		return 1, v, v >= 1
	case "<":
		return 1, v - 1, v >= 2
	case "=":
		return v, v, v >= 1
	}
	return 0, 0, false
}

func isCol(e scalar.Expr, k int) bool {
	if c, isCast := e.(*scalar.Cast); isCast {
		e = c.Arg
	}
	c, ok := e.(*scalar.ColRef)
	return ok && c.Idx == k
}

func intConst(e scalar.Expr) (int64, bool) {
	if c, isCast := e.(*scalar.Cast); isCast {
		e = c.Arg
	}
	c, ok := e.(*scalar.Const)
	if !ok || c.V.IsNull() || !c.T.IsInteger() {
		return 0, false
	}
	return c.V.Int(), true
}

// pruneRowNumber drops the row number from a TopN under proj when nothing
// above reads it (Top-N without the rank column, and deduplication), so
// the TopN keeps its rows without renumbering them.
func pruneRowNumber(proj *logical.Project) {
	n := proj.Input
	f, _ := n.(*logical.Filter)
	if f != nil {
		n = f.Input
	}
	inner, ok := n.(*logical.Project)
	if !ok {
		return
	}
	t, ok := inner.Input.(*logical.TopN)
	if !ok || !t.RowNumber {
		return
	}
	k := -1
	for i, e := range inner.Exprs {
		if isCol(e, len(t.Out.Columns)-1) {
			k = i
		}
	}
	used := false
	mark := func(r *scalar.ColRef) { used = used || r.Idx == k }
	for _, e := range proj.Exprs {
		walkCols(e, mark)
	}
	if f != nil {
		walkCols(f.Pred, mark)
	}
	if k < 0 || used {
		return
	}
	t.RowNumber = false
	t.Out = types.Schema{Columns: t.Out.Columns[:len(t.Out.Columns)-1]}
	inner.Exprs = append(inner.Exprs[:k:k], inner.Exprs[k+1:]...)
	inner.Out.Columns = append(inner.Out.Columns[:k:k], inner.Out.Columns[k+1:]...)
	shift := func(i int) int {
		if i > k {
			return i - 1
		}
		return i
	}
	for i, e := range proj.Exprs {
		proj.Exprs[i] = mapCols(e, shift)
	}
	if f != nil {
		f.Pred = mapCols(f.Pred, shift)
	}
}
