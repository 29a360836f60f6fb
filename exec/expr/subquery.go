package expr

import (
	"riffle/planner/scalar"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// compileSubquery runs the subquery's plan for each row: it sets the outer
// values the plan reads (the subquery's Args over the row) and reduces the
// plan's rows to the value its kind asks for. An uncorrelated subquery
// runs once.
func (env Env) compileSubquery(e *scalar.Subquery) (Func, error) {
	args, err := env.compileAll(e.Args)
	if err != nil {
		return nil, err
	}
	if e.Runner == nil || e.Runner.Run == nil {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "subqueries in expressions run in one-shot queries only")
	}
	test := -1
	if e.Kind == scalar.InSubquery {
		test = 0
	}
	correlated := len(args) > 0 && !(len(args) == 1 && test == 0)
	var cached []types.Row
	ran := false
	return func(row types.Row) (types.Value, error) {
		vals := make(types.Row, len(args))
		for i, a := range args {
			v, err := a(row)
			if err != nil {
				return types.Null, err
			}
			vals[i] = v
		}
		rows := cached
		if !ran || correlated {
			e.Outer.Row = vals
			var err error
			if rows, err = e.Runner.Run(e.Plan); err != nil {
				return types.Null, err
			}
			cached, ran = rows, true
		}
		switch e.Kind {
		case scalar.ExistsSubquery:
			return types.NewBool(len(rows) > 0), nil
		case scalar.ArraySubquery:
			l := make([]types.Value, len(rows))
			for i, r := range rows {
				l[i] = r[0]
			}
			return types.Value{K: types.KArray, X: l}, nil
		case scalar.InSubquery:
			return in(vals[0], rows), nil
		}
		switch len(rows) {
		case 0:
			return types.Null, nil
		case 1:
			return rows[0][0], nil
		}
		return types.Null, sqlerr.New("21000", "more than one row returned by a subquery used as an expression")
	}, nil
}

// in is x IN (rows): true on a match; else NULL when x or some row is
// NULL (the answer is unknown), else false.
func in(x types.Value, rows []types.Row) types.Value {
	if len(rows) == 0 {
		return types.NewBool(false)
	}
	if x.IsNull() {
		return types.Null
	}
	unknown := false
	for _, r := range rows {
		if r[0].IsNull() {
			unknown = true
			continue
		}
		if types.Compare(x, r[0]) == 0 {
			return types.NewBool(true)
		}
	}
	if unknown {
		return types.Null
	}
	return types.NewBool(false)
}
