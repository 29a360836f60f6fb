package operator

import (
	"reflect"

	"riffle/exec/expr"
	"riffle/planner/scalar"
	"riffle/sql/types"
)

// An aggregate's calls often share a FILTER (Nexmark q16: three price
// ranges over twelve calls): each distinct FILTER is compiled once and
// asked once per row.

// compileFilter returns the index in a.filters of FILTER f (-1 for none),
// compiling it unless an earlier call has the same one (seen: the FILTERs
// compiled, in order).
func (a *Aggregate) compileFilter(f scalar.Expr, seen *[]scalar.Expr) (int, error) {
	if f == nil {
		return -1, nil
	}
	for i, e := range *seen {
		if sameExpr(e, f) {
			return i, nil
		}
	}
	p, err := expr.CompilePredicate(f)
	if err != nil {
		return 0, err
	}
	*seen = append(*seen, f)
	a.filters = append(a.filters, p)
	return len(a.filters) - 1, nil
}

// sameExpr reports whether two expressions are the same tree, types and
// constants included, so that they give the same value on every row (the
// binder's trees hold no functions: a tree that did would just not match).
func sameExpr(x, y scalar.Expr) bool {
	return x.String() == y.String() && reflect.DeepEqual(x, y)
}

// passes reports whether the current row passes call i's FILTER, asking
// each distinct FILTER once per row.
func (a *Aggregate) passes(i int, row types.Row) (bool, error) {
	f := a.filterOf[i]
	if f < 0 {
		return true, nil
	}
	if a.fres[f] == 0 {
		ok, err := a.filters[f](row)
		if err != nil {
			return false, err
		}
		a.fres[f] = 2
		if ok {
			a.fres[f] = 1
		}
	}
	return a.fres[f] == 1, nil
}
