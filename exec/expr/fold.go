package expr

import (
	"riffle/planner/scalar"
)

// fold replaces each largest subtree of e that reads no column and always
// gives the same value by a constant, evaluated once here rather than on
// every row: the binder leaves such trees where it adapts a literal to a
// column's type (Nexmark q2's MOD(auction, 123) = 0 compares with
// CAST(0 AS BIGINT), which would otherwise convert 0 for every bid). A
// subtree whose evaluation fails is left as it is, so that it fails, as
// before, on the rows that reach it. e itself is not changed: plans share
// their expressions.
func (env Env) fold(e scalar.Expr) scalar.Expr {
	switch x := e.(type) {
	case *scalar.Const, *scalar.ColRef, nil:
		return e
	case *scalar.Call:
		if x.Fn == "current_watermark" {
			return e // the row's watermark, not a constant
		}
	}
	if constant(e) {
		f, err := env.compile(e)
		if err == nil {
			if v, err := f(nil); err == nil {
				return &scalar.Const{V: v, T: e.Type()}
			}
		}
		return e
	}
	switch x := e.(type) {
	case *scalar.Call:
		c := &scalar.Call{Fn: x.Fn, T: x.T, Args: make([]scalar.Expr, len(x.Args))}
		for i, a := range x.Args {
			c.Args[i] = env.fold(a)
		}
		return c
	case *scalar.Cast:
		return &scalar.Cast{Arg: env.fold(x.Arg), T: x.T, Try: x.Try}
	case *scalar.Case:
		c := &scalar.Case{T: x.T, Whens: make([]scalar.When, len(x.Whens))}
		for i, w := range x.Whens {
			c.Whens[i] = scalar.When{Cond: env.fold(w.Cond), Then: env.fold(w.Then)}
		}
		if x.Else != nil {
			c.Else = env.fold(x.Else)
		}
		return c
	}
	// Natives and subqueries depend on more than their arguments: their
	// arguments are left alone too.
	return e
}

// constant reports whether e gives the same value on every row: it reads
// no column, no clock, no watermark, and nothing outside its row.
func constant(e scalar.Expr) bool {
	if scalar.Volatile(e) {
		return false
	}
	cols := false
	scalar.WalkCols(e, func(*scalar.ColRef) { cols = true })
	return !cols && !callsAny(e, "current_watermark")
}

// callsAny reports whether e calls the function fn anywhere.
func callsAny(e scalar.Expr, fn string) bool {
	switch x := e.(type) {
	case *scalar.Call:
		if x.Fn == fn {
			return true
		}
		for _, a := range x.Args {
			if callsAny(a, fn) {
				return true
			}
		}
	case *scalar.Cast:
		return callsAny(x.Arg, fn)
	case *scalar.Case:
		for _, w := range x.Whens {
			if callsAny(w.Cond, fn) || callsAny(w.Then, fn) {
				return true
			}
		}
		return x.Else != nil && callsAny(x.Else, fn)
	}
	return false
}
