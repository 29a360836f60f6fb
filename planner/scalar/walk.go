package scalar

// WalkCols calls fn for every column reference in e, in the order they
// appear.
func WalkCols(e Expr, fn func(*ColRef)) {
	switch e := e.(type) {
	case *ColRef:
		fn(e)
	case *Call:
		for _, a := range e.Args {
			WalkCols(a, fn)
		}
	case *Native:
		for _, a := range e.Args {
			WalkCols(a, fn)
		}
	case *Subquery:
		for _, a := range e.Args {
			WalkCols(a, fn)
		}
	case *Cast:
		WalkCols(e.Arg, fn)
	case *Case:
		for _, w := range e.Whens {
			WalkCols(w.Cond, fn)
			WalkCols(w.Then, fn)
		}
		if e.Else != nil {
			WalkCols(e.Else, fn)
		}
	}
}

// SubstCols returns a copy of e with every column reference replaced by
// fn's expression for it. e itself is left as it was: plans share
// expressions between nodes.
func SubstCols(e Expr, fn func(*ColRef) Expr) Expr {
	switch e := e.(type) {
	case *ColRef:
		return fn(e)
	case *Call:
		c := &Call{Fn: e.Fn, T: e.T, Args: make([]Expr, len(e.Args))}
		for i, a := range e.Args {
			c.Args[i] = SubstCols(a, fn)
		}
		return c
	case *Native:
		c := &Native{Name: e.Name, T: e.T, Eval: e.Eval, Args: make([]Expr, len(e.Args))}
		for i, a := range e.Args {
			c.Args[i] = SubstCols(a, fn)
		}
		return c
	case *Subquery:
		c := *e
		c.Args = make([]Expr, len(e.Args))
		for i, a := range e.Args {
			c.Args[i] = SubstCols(a, fn)
		}
		return &c
	case *Cast:
		return &Cast{Arg: SubstCols(e.Arg, fn), T: e.T, Try: e.Try}
	case *Case:
		c := &Case{T: e.T}
		for _, w := range e.Whens {
			c.Whens = append(c.Whens, When{Cond: SubstCols(w.Cond, fn), Then: SubstCols(w.Then, fn)})
		}
		if e.Else != nil {
			c.Else = SubstCols(e.Else, fn)
		}
		return c
	}
	return e
}

// Volatile reports whether e may give different values for the same row
// at different times (the clock functions) or depends on more than its row
// (subqueries, the binder's native functions): evaluating it twice is not
// the same as evaluating it once.
func Volatile(e Expr) bool {
	switch e := e.(type) {
	case *Subquery, *Native, *OuterRef:
		return true
	case *Call:
		switch e.Fn {
		case "proctime", "now", "current_timestamp", "transaction_timestamp", "statement_timestamp",
			"localtimestamp", "current_date", "current_time", "localtime":
			return true
		case "unix_timestamp":
			return len(e.Args) == 0 // the clock's
		}
		for _, a := range e.Args {
			if Volatile(a) {
				return true
			}
		}
	case *Cast:
		return Volatile(e.Arg)
	case *Case:
		for _, w := range e.Whens {
			if Volatile(w.Cond) || Volatile(w.Then) {
				return true
			}
		}
		return e.Else != nil && Volatile(e.Else)
	}
	return false
}
