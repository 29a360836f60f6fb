package bind

import (
	"riffle/planner/scalar"
	"riffle/sql/types"
)

// duplicateColumn is PostgreSQL's duplicate_column SQLSTATE.
const duplicateColumn = "42701"

// walkCols calls fn for every column reference in e.
func walkCols(e scalar.Expr, fn func(*scalar.ColRef)) {
	switch e := e.(type) {
	case *scalar.ColRef:
		fn(e)
	case *scalar.Call:
		for _, a := range e.Args {
			walkCols(a, fn)
		}
	case *scalar.Native:
		for _, a := range e.Args {
			walkCols(a, fn)
		}
	case *scalar.Subquery:
		for _, a := range e.Args {
			walkCols(a, fn)
		}
	case *scalar.Cast:
		walkCols(e.Arg, fn)
	case *scalar.Case:
		for _, w := range e.Whens {
			walkCols(w.Cond, fn)
			walkCols(w.Then, fn)
		}
		if e.Else != nil {
			walkCols(e.Else, fn)
		}
	}
}

// mapCols returns e with every column index i replaced by fn(i); e itself
// is left as it was (expressions are shared between nodes).
func mapCols(e scalar.Expr, fn func(int) int) scalar.Expr {
	return substCols(e, func(r *scalar.ColRef) scalar.Expr {
		return &scalar.ColRef{Idx: fn(r.Idx), Name: r.Name, T: r.T}
	})
}

// substCols copies e with every column reference replaced by fn's
// expression for it.
func substCols(e scalar.Expr, fn func(*scalar.ColRef) scalar.Expr) scalar.Expr {
	switch e := e.(type) {
	case *scalar.ColRef:
		return fn(e)
	case *scalar.Call:
		c := &scalar.Call{Fn: e.Fn, T: e.T, Args: make([]scalar.Expr, len(e.Args))}
		for i, a := range e.Args {
			c.Args[i] = substCols(a, fn)
		}
		return c
	case *scalar.Native:
		c := &scalar.Native{Name: e.Name, T: e.T, Eval: e.Eval, Args: make([]scalar.Expr, len(e.Args))}
		for i, a := range e.Args {
			c.Args[i] = substCols(a, fn)
		}
		return c
	case *scalar.Subquery:
		c := *e
		c.Args = make([]scalar.Expr, len(e.Args))
		for i, a := range e.Args {
			c.Args[i] = substCols(a, fn)
		}
		return &c
	case *scalar.Cast:
		return &scalar.Cast{Arg: substCols(e.Arg, fn), T: e.T, Try: e.Try}
	case *scalar.Case:
		c := &scalar.Case{T: e.T}
		for _, w := range e.Whens {
			c.Whens = append(c.Whens, scalar.When{Cond: substCols(w.Cond, fn), Then: substCols(w.Then, fn)})
		}
		if e.Else != nil {
			c.Else = substCols(e.Else, fn)
		}
		return c
	}
	return e
}

// colRange reports the lowest and highest column index e reads (-1, -1
// when it reads none).
func colRange(e scalar.Expr) (lo, hi int) {
	lo, hi = -1, -1
	walkCols(e, func(r *scalar.ColRef) {
		if lo < 0 || r.Idx < lo {
			lo = r.Idx
		}
		hi = max(hi, r.Idx)
	})
	return lo, hi
}

// conjuncts splits e on AND.
func conjuncts(e scalar.Expr) []scalar.Expr {
	if c, ok := e.(*scalar.Call); ok && c.Fn == "and" && len(c.Args) == 2 {
		return append(conjuncts(c.Args[0]), conjuncts(c.Args[1])...)
	}
	if c, ok := e.(*scalar.Cast); ok && c.Arg.Type().ID == types.Boolean && c.T.ID == types.Boolean {
		return conjuncts(c.Arg)
	}
	return []scalar.Expr{e}
}

// and joins conjuncts back together (nil for none).
func and(es []scalar.Expr) scalar.Expr {
	var out scalar.Expr
	for _, e := range es {
		if out == nil {
			out = e
			continue
		}
		out = &scalar.Call{Fn: "and", Args: []scalar.Expr{out, e}, T: types.TBoolean}
	}
	return out
}
