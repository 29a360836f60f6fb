package runtime

import (
	"sort"

	"riffle/exec/expr"
	"riffle/exec/operator"
	"riffle/exec/state"
	"riffle/planner/logical"
	"riffle/planner/scalar"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// overBatch computes window functions for a one-shot query: each call's
// partitions, ordered by its keys, and each row's value (operator.OverValues),
// appended to the row.
func overBatch(n *logical.Over, in types.Batch) (types.Batch, error) {
	var rows []types.Row
	for _, c := range in {
		for range c.Diff {
			rows = append(rows, c.Row)
		}
	}
	width := len(n.Input.Schema().Columns)
	out := make([]types.Row, len(rows))
	for i, r := range rows {
		out[i] = append(append(make(types.Row, 0, width+len(n.Calls)), r...), make(types.Row, len(n.Calls))...)
	}
	for ci, call := range n.Calls {
		if call.Distinct {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "DISTINCT in a window function is not supported")
		}
		if err := overCall(&call, rows, out, width+ci); err != nil {
			return nil, err
		}
	}
	b := make(types.Batch, len(out))
	for i, r := range out {
		b[i] = types.Change{Row: r, Diff: 1}
	}
	return b, nil
}

// overCall fills column col of out with call's value for each row.
func overCall(call *logical.OverCall, rows, out []types.Row, col int) error {
	eval := func(es []expr.Func, r types.Row) (types.Row, error) {
		vs := make(types.Row, len(es))
		for i, f := range es {
			v, err := f(r)
			if err != nil {
				return nil, err
			}
			vs[i] = v
		}
		return vs, nil
	}
	part, err := compileAll(call.Partition)
	if err != nil {
		return err
	}
	keys := make([]scalar.Expr, len(call.Order))
	for i, k := range call.Order {
		keys[i] = k.Expr
	}
	order, err := compileAll(keys)
	if err != nil {
		return err
	}
	args, err := compileAll(call.Args)
	if err != nil {
		return err
	}
	type item struct {
		i         int
		keys, arg types.Row
	}
	parts := map[string][]item{}
	var partOrder []string
	for i, r := range rows {
		pv, err := eval(part, r)
		if err != nil {
			return err
		}
		k := string(state.AppendTupleKey(nil, pv))
		if _, ok := parts[k]; !ok {
			partOrder = append(partOrder, k)
		}
		it := item{i: i}
		if it.keys, err = eval(order, r); err != nil {
			return err
		}
		if it.arg, err = eval(args, r); err != nil {
			return err
		}
		parts[k] = append(parts[k], it)
	}
	cmp := func(a, b types.Row) int {
		return compareKeys(call.Order, func(n int) (types.Value, types.Value) { return a[n], b[n] })
	}
	for _, k := range partOrder {
		items := parts[k]
		sort.SliceStable(items, func(a, b int) bool { return cmp(items[a].keys, items[b].keys) < 0 })
		vals, err := operator.OverValues(call, len(items), func(j int) types.Row { return items[j].keys },
			func(j int) types.Row { return items[j].arg })
		if err != nil {
			return err
		}
		for j, v := range vals {
			out[items[j].i][col] = v
		}
	}
	return nil
}

func compileAll(es []scalar.Expr) ([]expr.Func, error) {
	fs := make([]expr.Func, len(es))
	for i, e := range es {
		f, err := expr.Compile(e)
		if err != nil {
			return nil, err
		}
		fs[i] = f
	}
	return fs, nil
}
