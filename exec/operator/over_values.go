package operator

import (
	"math"
	"sort"

	"riffle/planner/logical"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// OverValues computes a window function call's value for each of a
// partition's n rows, in the partition's order; keys(j) are row j's order
// keys, arg(j) its arguments. Ranking functions, LAG and LEAD, and
// aggregates and FIRST_VALUE, LAST_VALUE and NTH_VALUE over the frame: the
// default (the partition up to the row and its peers when ordered, the
// whole partition when not), ROWS with offsets, or RANGE with UNBOUNDED,
// CURRENT ROW or an offset from the one order key.
//
// A one-shot query runs it over whole partitions; the continuous Over runs
// it over a partition's rows, and the event-time Over over the rows around
// one row that its frames reach.
func OverValues(call *logical.OverCall, n int, keys, arg func(int) types.Row) ([]types.Value, error) {
	cmp := func(a, b types.Row) int { return compareSortKeys(call.Order, a, b) }
	vals := make([]types.Value, n)
	fr := newFrames(call, n, keys)
	peerEnd := fr.end
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
		run := NewRunning(&logical.AggCall{Func: call.Func, Args: call.Args, T: call.T})
		add := func(j int, d int64) error {
			if call.Func == "count_star" {
				return run.Add(types.Null, d)
			}
			return run.Add(arg(j)[0], d)
		}
		err := fr.slide(add, func(j int) (err error) {
			if lo, hi := fr.of(j); call.ExcludeCurrent && lo <= j && j < hi {
				// The row leaves its frame for its own value only.
				if err := add(j, -1); err != nil {
					return err
				}
				defer func() {
					if err == nil {
						err = add(j, 1)
					}
				}()
			}
			vals[j], err = run.Value()
			return err
		})
		if err != nil {
			return nil, err
		}
	case "min", "max":
		if call.ExcludeCurrent {
			for j := range vals {
				lo, hi := fr.of(j)
				for k := lo; k < hi; k++ {
					v := arg(k)[0]
					if k == j || v.IsNull() {
						continue
					}
					if c := types.Compare(v, vals[j]); vals[j].IsNull() || (c < 0) == (call.Func == "min") && c != 0 {
						vals[j] = v
					}
				}
			}
			break
		}
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
		err := fr.slide(func(j int, d int64) error {
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
			lo, hi := fr.of(j)
			if call.ExcludeCurrent && lo <= j && j < hi {
				// Without the row: its value moves to the frame's edge.
				vals[j] = excludedValue(call, arg, j, lo, hi)
				continue
			}
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
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "window function %s is not supported yet", call.Func)
	}
	return vals, nil
}

// excludedValue is FIRST_VALUE, LAST_VALUE or NTH_VALUE over the frame
// [lo, hi) without row j.
func excludedValue(call *logical.OverCall, arg func(int) types.Row, j, lo, hi int) types.Value {
	var idx []int
	for k := lo; k < hi; k++ {
		if k != j {
			idx = append(idx, k)
		}
	}
	n := 0
	switch call.Func {
	case "last_value":
		n = len(idx) - 1
	case "nth_value":
		a := arg(j)[1]
		if a.IsNull() || a.Int() <= 0 {
			return types.Null
		}
		n = int(min(a.Int()-1, int64(len(idx))))
	}
	if n < 0 || n >= len(idx) {
		return types.Null
	}
	return arg(idx[n])[0]
}

// overValueAt is OverValues' value for row j alone, for the calls an
// event-time Over computes from the rows around a row: LAG, LEAD and
// aggregates over a bounded frame, read in one pass over the frame.
func overValueAt(call *logical.OverCall, n, j int, keys, arg func(int) types.Row) (types.Value, error) {
	switch call.Func {
	case "lag", "lead":
		a := arg(j)
		off := int64(1)
		if len(a) > 1 {
			if a[1].IsNull() {
				return types.Null, nil
			}
			off = a[1].Int()
		}
		k := j - int(off)
		if call.Func == "lead" {
			k = j + int(off)
		}
		switch {
		case k >= 0 && k < n:
			return arg(k)[0], nil
		case len(a) > 2:
			return a[2], nil
		}
		return types.Null, nil
	case "count", "count_star", "sum", "avg", "min", "max":
	default:
		vals, err := OverValues(call, n, keys, arg)
		if err != nil {
			return types.Null, err
		}
		return vals[j], nil
	}
	fr := newFrames(call, n, keys)
	lo, hi := fr.of(j)
	run := NewRunning(&logical.AggCall{Func: call.Func, Args: call.Args, T: call.T})
	for k := lo; k < hi; k++ {
		if k == j && call.ExcludeCurrent {
			continue
		}
		v := types.Null
		if call.Func != "count_star" {
			v = arg(k)[0]
		}
		if err := run.Add(v, 1); err != nil {
			return types.Null, err
		}
	}
	return run.Value()
}

// newFrames finds the peers of each of a partition's n rows: rows with
// equal order keys (every row, without an ORDER BY).
func newFrames(call *logical.OverCall, n int, keys func(int) types.Row) *frames {
	// end[j] is one past the last peer of row j: the default frame with an
	// ORDER BY ends there.
	end := make([]int, n)
	for j := n - 1; j >= 0; j-- {
		switch {
		case j == n-1:
			end[j] = n
		case len(call.Order) == 0 || compareSortKeys(call.Order, keys(j), keys(j+1)) == 0:
			end[j] = end[j+1]
		default:
			end[j] = j + 1
		}
	}
	fr := &frames{call: call, n: n, keys: keys, start: make([]int, n), end: end}
	for j := 1; j < n; j++ {
		if end[j] == end[j-1] {
			fr.start[j] = fr.start[j-1]
		} else {
			fr.start[j] = j
		}
	}
	return fr
}

// compareSortKeys orders two rows of sort-key values by keys: NULLs first
// or last as each key asks, then ascending or descending.
func compareSortKeys(keys []logical.SortKey, a, b types.Row) int {
	for n, k := range keys {
		x, y := a[n], b[n]
		if x.IsNull() != y.IsNull() {
			if x.IsNull() == k.NullsFirst {
				return -1
			}
			return 1
		}
		c := types.Compare(x, y)
		if k.Desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

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

// frames are the frames of a call over a partition's n rows: start[j] and
// end[j] are the index of row j's first peer and one past its last (rows
// with equal order keys are peers).
type frames struct {
	call       *logical.OverCall
	n          int
	keys       func(int) types.Row
	start, end []int
}

// of is the frame [lo, hi) of row j, in the partition's order.
func (f *frames) of(j int) (int, int) {
	b := f.call.Bounds
	if b == nil {
		// The default frame: up to the row's last peer when ordered (every
		// row is a peer of every other when not).
		return 0, f.end[j]
	}
	clamp := func(x int64) int { return int(max(0, min(x, int64(f.n)))) }
	var lo, hi int
	switch {
	case b.Start.Unbounded:
		lo = 0
	case b.Rows:
		lo = clamp(int64(j) + b.Start.Offset)
	case b.Start.Offset == 0: // RANGE CURRENT ROW: from the row's first peer
		lo = f.start[j]
	default:
		lo = f.rangeEdge(j, b.Start.Offset, false)
	}
	switch {
	case b.End.Unbounded:
		hi = f.n
	case b.Rows:
		hi = clamp(int64(j) + b.End.Offset + 1)
	case b.End.Offset == 0:
		hi = f.end[j]
	default:
		hi = f.rangeEdge(j, b.End.Offset, true)
	}
	return lo, max(lo, hi)
}

// rangeEdge is where a RANGE frame with an offset starts (the first row
// whose key is at least the current row's plus off, in the order's
// direction) or, with past, ends (one past the last row whose key is at
// most that). A row whose key is NULL has its peers as the frame's ends,
// and NULL keys are outside every other row's offset frame.
func (f *frames) rangeEdge(j int, off int64, past bool) int {
	k := f.call.Order[0]
	v := f.keys(j)[0]
	if v.IsNull() {
		if past {
			return f.end[j]
		}
		return f.start[j]
	}
	sign := int64(1)
	if k.Desc {
		sign = -1
	}
	// In sign*key order the partition ascends; the target is sign*v + off.
	target := satAdd(sign*v.Int(), off)
	return sort.Search(f.n, func(i int) bool {
		x := f.keys(i)[0]
		if x.IsNull() {
			return !k.NullsFirst
		}
		if past {
			return sign*x.Int() > target
		}
		return sign*x.Int() >= target
	})
}

// satAdd adds without wrapping around.
func satAdd(a, b int64) int64 {
	s := a + b
	switch {
	case b > 0 && s < a:
		return math.MaxInt64
	case b < 0 && s > a:
		return math.MinInt64
	}
	return s
}

// slide moves the frame along the partition's rows in order: add(i, 1)
// when row i enters it, add(i, -1) when it leaves, then value(j) for row
// j. Every supported frame's ends only move forward, so each row enters
// and leaves once.
func (f *frames) slide(add func(i int, d int64) error, value func(j int) error) error {
	curLo, curHi := 0, 0
	for j := range f.n {
		lo, hi := f.of(j)
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
