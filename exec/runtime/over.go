package runtime

import (
	"sort"

	"riffle/exec/expr"
	"riffle/exec/state"
	"riffle/planner/logical"
	"riffle/planner/scalar"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// overBatch computes window functions for a one-shot query: each call's
// partitions, ordered by its keys, and each row's value, appended to the
// row. Ranking functions, COUNT, MIN, MAX, LAG and LEAD over the default
// frame (the partition up to the row and its peers when ordered, the whole
// partition when not).
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
		if call.Frame != "" {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "window frames (%s) in one-shot queries are not supported yet", call.Frame)
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
		vals, err := overValues(call, len(items), func(j int) types.Row { return items[j].keys },
			func(j int) types.Row { return items[j].arg }, cmp)
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

// overValues computes a call's value for each of a partition's n rows, in
// order; keys(j) are row j's order keys, arg(j) its arguments, and cmp
// compares keys (0: peers).
func overValues(call *logical.OverCall, n int, keys, arg func(int) types.Row, cmp func(a, b types.Row) int) ([]types.Value, error) {
	vals := make([]types.Value, n)
	// peerEnd[j] is one past the last peer of row j: the default frame with
	// an ORDER BY ends there; without one every row is a peer.
	peerEnd := make([]int, n)
	for j := n - 1; j >= 0; j-- {
		switch {
		case j == n-1:
			peerEnd[j] = n
		case len(call.Order) == 0 || cmp(keys(j), keys(j+1)) == 0:
			peerEnd[j] = peerEnd[j+1]
		default:
			peerEnd[j] = j + 1
		}
	}
	switch call.Func {
	case "row_number":
		for j := range vals {
			vals[j] = types.NewInt(int64(j + 1))
		}
	case "rank", "dense_rank":
		rank, dense := int64(0), int64(0)
		for j := range vals {
			if j == 0 || cmp(keys(j-1), keys(j)) != 0 {
				rank, dense = int64(j+1), dense+1
			}
			if call.Func == "rank" {
				vals[j] = types.NewInt(rank)
			} else {
				vals[j] = types.NewInt(dense)
			}
		}
	case "lag", "lead":
		for j := range vals {
			a := arg(j)
			off := int64(1)
			if len(a) > 1 {
				if a[1].IsNull() {
					continue // a NULL offset gives NULL, as in PostgreSQL
				}
				off = a[1].Int()
			}
			k := j - int(off)
			if call.Func == "lead" {
				k = j + int(off)
			}
			switch {
			case k >= 0 && k < n:
				vals[j] = arg(k)[0]
			case len(a) > 2:
				vals[j] = a[2]
			}
		}
	case "count", "count_star", "min", "max":
		var acc types.Value
		count := int64(0)
		done := 0
		for j := range vals {
			for ; done < peerEnd[j]; done++ {
				if call.Func == "count_star" {
					count++
					continue
				}
				v := arg(done)[0]
				if v.IsNull() {
					continue
				}
				count++
				c := 0
				if !acc.IsNull() {
					c = types.Compare(v, acc)
				}
				if acc.IsNull() || (call.Func == "min" && c < 0) || (call.Func == "max" && c > 0) {
					acc = v
				}
			}
			if call.Func == "count" || call.Func == "count_star" {
				vals[j] = types.NewInt(count)
			} else {
				vals[j] = acc
			}
		}
	default:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "window function %s in one-shot queries is not supported yet", call.Func)
	}
	return vals, nil
}
