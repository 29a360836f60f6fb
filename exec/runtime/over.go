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
// partitions, ordered by its keys, and each row's value, appended to the
// row. Ranking functions, LAG and LEAD, and aggregates and FIRST_VALUE,
// LAST_VALUE and NTH_VALUE over the frame: the default (the partition up to
// the row and its peers when ordered, the whole partition when not), ROWS
// with offsets, or RANGE between UNBOUNDED and CURRENT ROW.
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
	peers := peerRanges{start: make([]int, n), end: peerEnd}
	for j := 1; j < n; j++ {
		if peerEnd[j] == peerEnd[j-1] {
			peers.start[j] = peers.start[j-1]
		} else {
			peers.start[j] = j
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
	case "ntile":
		for j := range vals {
			a := arg(j)
			if a[0].IsNull() {
				continue
			}
			k := a[0].Int()
			if k <= 0 {
				return nil, sqlerr.New(sqlerr.InvalidArgumentForNtile, "argument of ntile must be greater than zero")
			}
			vals[j] = types.NewInt(ntile(int64(j), int64(n), k))
		}
	case "percent_rank", "cume_dist":
		rank := 0
		for j := range vals {
			if j == 0 || cmp(keys(j-1), keys(j)) != 0 {
				rank = j
			}
			switch {
			case call.Func == "cume_dist":
				vals[j] = types.NewFloat(float64(peerEnd[j]) / float64(n))
			case n == 1:
				vals[j] = types.NewFloat(0)
			default:
				vals[j] = types.NewFloat(float64(rank) / float64(n-1))
			}
		}
	case "count", "count_star", "sum", "avg":
		run := operator.NewRunning(&logical.AggCall{Func: call.Func, Args: call.Args, T: call.T})
		err := slideFrames(call, n, peers, func(j int, d int64) error {
			if call.Func == "count_star" {
				return run.Add(types.Null, d)
			}
			return run.Add(arg(j)[0], d)
		}, func(j int) (err error) {
			vals[j], err = run.Value()
			return err
		})
		if err != nil {
			return nil, err
		}
	case "min", "max":
		// A monotone queue of the frame's candidates: each value is better
		// than every one behind it, so the front is the frame's min (max),
		// and a row leaves the queue at most once.
		var queue []int
		better := func(a, b types.Value) bool {
			if call.Func == "min" {
				return types.Compare(a, b) < 0
			}
			return types.Compare(a, b) > 0
		}
		err := slideFrames(call, n, peers, func(j int, d int64) error {
			v := arg(j)[0]
			switch {
			case v.IsNull():
			case d > 0:
				for len(queue) > 0 && !better(arg(queue[len(queue)-1])[0], v) {
					queue = queue[:len(queue)-1]
				}
				queue = append(queue, j)
			case len(queue) > 0 && queue[0] == j:
				queue = queue[1:]
			}
			return nil
		}, func(j int) error {
			if len(queue) > 0 {
				vals[j] = arg(queue[0])[0]
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	case "first_value", "last_value", "nth_value":
		for j := range vals {
			lo, hi := frameOf(call, n, j, peers)
			k := lo
			switch call.Func {
			case "last_value":
				k = hi - 1
			case "nth_value":
				a := arg(j)
				if a[1].IsNull() {
					continue
				}
				if a[1].Int() <= 0 {
					return nil, sqlerr.New(sqlerr.InvalidArgumentForNthValue, "argument of nth_value must be greater than zero")
				}
				k = lo + int(min(a[1].Int()-1, int64(n)))
			}
			if k >= lo && k < hi {
				vals[j] = arg(k)[0]
			}
		}
	default:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "window function %s in one-shot queries is not supported yet", call.Func)
	}
	return vals, nil
}

// peerRanges are, for each row of a partition, the index of its first
// peer and one past its last (rows with equal order keys are peers).
type peerRanges struct{ start, end []int }

// ntile is the bucket (1..k) of row j of n: the first n mod k buckets hold
// one row more than the others, as in PostgreSQL.
func ntile(j, n, k int64) int64 {
	if k > n {
		return j + 1
	}
	size, big := n/k, n%k
	if j < big*(size+1) {
		return j/(size+1) + 1
	}
	return big + (j-big*(size+1))/size + 1
}

// frameOf is the frame [lo, hi) of row j of a partition of n rows, in the
// partition's order.
func frameOf(call *logical.OverCall, n, j int, peers peerRanges) (int, int) {
	b := call.Bounds
	if b == nil {
		// The default frame: up to the row's last peer when ordered (every
		// row is a peer of every other when not).
		return 0, peers.end[j]
	}
	clamp := func(x int64) int { return int(max(0, min(x, int64(n)))) }
	var lo, hi int
	switch {
	case b.Start.Unbounded:
		lo = 0
	case b.Rows:
		lo = clamp(int64(j) + b.Start.Offset)
	default: // RANGE CURRENT ROW: from the row's first peer
		lo = peers.start[j]
	}
	switch {
	case b.End.Unbounded:
		hi = n
	case b.Rows:
		hi = clamp(int64(j) + b.End.Offset + 1)
	default:
		hi = peers.end[j]
	}
	return lo, max(lo, hi)
}

// slideFrames moves a frame along a partition's n rows in order: add(i, 1)
// when row i enters it, add(i, -1) when it leaves, then value(j) for row j.
// Every supported frame's ends only move forward, so each row enters and
// leaves once.
func slideFrames(call *logical.OverCall, n int, peers peerRanges, add func(i int, d int64) error, value func(j int) error) error {
	curLo, curHi := 0, 0
	for j := range n {
		lo, hi := frameOf(call, n, j, peers)
		for ; curHi < hi; curHi++ {
			if curHi >= curLo {
				if err := add(curHi, 1); err != nil {
					return err
				}
			}
		}
		for ; curLo < lo; curLo++ {
			if curLo < curHi {
				if err := add(curLo, -1); err != nil {
					return err
				}
			}
		}
		if err := value(j); err != nil {
			return err
		}
	}
	return nil
}
