package logical

import (
	"slices"

	"riffle/planner/scalar"
	"riffle/sql/types"
)

// Prune narrows every node of the plan under root to the columns its
// parent and the node itself read, as Calcite's project pushdown and
// RisingWave's column pruning do: the rows a join, a window assignment or
// a Top-N keeps in state, and copies into windows, then carry only what
// the query uses (Nexmark's q4 joined every bid with its url, channel and
// extra strings, to read its auction and price).
//
// It works top-down: each node is handed the set of its output columns
// that are needed above, adds what it reads itself (join keys and
// conditions, a window's time column, partition and order keys, aggregate
// arguments and FILTER clauses), prunes its inputs to that, and returns a
// copy of itself over the narrowed inputs with a map from its old output
// columns to its new ones (-1: dropped). Nodes are never edited: a node
// shared between two parents is copied once per parent.
//
// The rules that keep it safe:
//   - every node keeps its stream key and its time attributes, even when
//     nothing above reads them, so that its changelog kind, key and
//     watermarks are those it had (a projection that dropped an upsert
//     key would turn the stream into a retract one);
//   - a Top-N and an Over break ties by the whole input row. Planned at
//     version 4 or later (Layout; the binder stamps layouts before it
//     prunes), they keep only the columns they and their parent read:
//     rows that tie on all of them are equal in everything the query
//     outputs and in every call's arguments, so whichever of them ranks
//     first, the output is the same multiset. At earlier versions they
//     keep every input column up to the last one they need, so that a
//     running query's state keeps the rows it was written with;
//   - the projection of a table's computed columns, scans and the nodes
//     not named below keep every column (their inputs are still pruned
//     where they need all of it: a node's own reads are kept); below a
//     node that keeps or copies rows, a projection then drops what that
//     input has but nothing reads (pruneStored).
//
// The root keeps all its columns: they are the query's result.
func Prune(root Node) Node {
	n, _ := prune(root, all(root.Schema().Len()))
	return n
}

// prune returns n narrowed to (at least) the needed columns, and the map
// of its old output columns to the new.
func prune(n Node, need []bool) (Node, []int) {
	need = slices.Clone(need)
	for _, k := range n.Props().Key {
		need[k] = true
	}
	for _, t := range TimeAttrs(n) {
		need[t] = true
	}
	switch n := n.(type) {
	case *Project:
		if !n.Computed {
			return pruneProject(n, need)
		}
	case *Filter:
		return pruneFilter(n, need)
	case *Join:
		return pruneJoin(n, need)
	case *WindowTVF:
		return pruneWindowTVF(n, need)
	case *Aggregate:
		return pruneAggregate(n, need)
	case *TopN:
		return pruneTopN(n, need)
	case *Over:
		return pruneOver(n, need)
	}
	return keepAll(n), identity(n.Schema().Len())
}

// pruneStored prunes the input of a node that keeps or copies its input
// rows (a join, a window assignment, a Top-N, an Over): when the pruned
// input still has columns nothing needs (a scan, a node that keeps all its
// columns), a projection below the node drops them.
func pruneStored(n Node, need []bool) (Node, []int) {
	c, m := prune(n, need)
	keep := make([]bool, c.Schema().Len())
	for i, k := range m {
		if k >= 0 && need[i] {
			keep[k] = true
		}
	}
	for _, k := range c.Props().Key {
		keep[k] = true
	}
	for _, t := range TimeAttrs(c) {
		keep[t] = true
	}
	if !slices.Contains(keep, false) {
		return c, m
	}
	if !slices.Contains(keep, true) {
		keep[0] = true
	}
	p := &Project{Input: c}
	to := make([]int, len(keep))
	for i, cols := range c.Schema().Columns {
		to[i] = -1
		if keep[i] {
			to[i] = len(p.Exprs)
			p.Exprs = append(p.Exprs, &scalar.ColRef{Idx: i, Name: cols.Name, T: cols.Type})
			p.Out.Columns = append(p.Out.Columns, cols)
		}
	}
	out := make([]int, len(m))
	for i, k := range m {
		out[i] = -1
		if k >= 0 {
			out[i] = to[k]
		}
	}
	return p, out
}

// keepAll prunes the inputs of a node that keeps every column of each.
func keepAll(n Node) Node {
	ins := n.Inputs()
	if len(ins) == 0 {
		return n
	}
	news := make([]Node, len(ins))
	changed := false
	for i, in := range ins {
		news[i], _ = prune(in, all(in.Schema().Len()))
		changed = changed || news[i] != in
	}
	if !changed {
		return n
	}
	switch n := n.(type) {
	case *Project:
		c := *n
		c.Input = news[0]
		return &c
	case *Sort:
		c := *n
		c.Input = news[0]
		return &c
	case *Limit:
		c := *n
		c.Input = news[0]
		return &c
	case *Normalize:
		c := *n
		c.Input = news[0]
		return &c
	case *TemporalJoin:
		c := *n
		c.Left, c.Right = news[0], news[1]
		return &c
	case *Union:
		c := *n
		c.Ins = news
		return &c
	}
	return n // a node this pass does not know how to copy keeps its inputs
}

func pruneProject(p *Project, need []bool) (Node, []int) {
	if !slices.Contains(need, true) && len(need) > 0 {
		need[0] = true // a row of no columns is not worth a special case downstream
	}
	inNeed := make([]bool, p.Input.Schema().Len())
	for i, e := range p.Exprs {
		if need[i] {
			markCols(e, inNeed)
		}
	}
	in, m := prune(p.Input, inNeed)
	out := &Project{Input: in, Computed: p.Computed}
	cols := make([]int, len(p.Exprs))
	for i, e := range p.Exprs {
		cols[i] = -1
		if need[i] {
			cols[i] = len(out.Exprs)
			out.Exprs = append(out.Exprs, remap(e, m))
			out.Out.Columns = append(out.Out.Columns, p.Out.Columns[i])
		}
	}
	return out, cols
}

func pruneFilter(f *Filter, need []bool) (Node, []int) {
	markCols(f.Pred, need)
	in, m := prune(f.Input, need)
	return &Filter{Input: in, Pred: remap(f.Pred, m)}, m
}

// pruneJoin keeps of each side what is needed above and what the join
// reads: its keys, its condition and an interval join's time columns.
func pruneJoin(j *Join, need []bool) (Node, []int) {
	lw, rw := j.Left.Schema().Len(), j.Right.Schema().Len()
	lNeed, rNeed := make([]bool, lw), make([]bool, rw)
	copy(lNeed, need)
	if len(need) > lw { // semi and anti joins output the left side alone
		copy(rNeed, need[lw:])
	}
	for i := range j.LeftKeys {
		markCols(j.LeftKeys[i], lNeed)
		markCols(j.RightKeys[i], rNeed)
	}
	both := append(lNeed, rNeed...)
	for _, e := range []scalar.Expr{j.On, j.Residual} {
		if e != nil {
			markCols(e, both)
		}
	}
	lNeed, rNeed = both[:lw], both[lw:]
	if j.Interval != nil {
		lNeed[j.Interval.LeftTime], rNeed[j.Interval.RightTime] = true, true
	}
	left, lm := pruneStored(j.Left, lNeed)
	right, rm := pruneStored(j.Right, rNeed)
	lw2 := left.Schema().Len()
	m := append(slices.Clone(lm), make([]int, rw)...)
	for i, r := range rm {
		m[lw+i] = -1
		if r >= 0 {
			m[lw+i] = lw2 + r
		}
	}
	c := *j
	c.Left, c.Right = left, right
	c.LeftKeys, c.RightKeys = remapAll(j.LeftKeys, lm), remapAll(j.RightKeys, rm)
	if j.On != nil {
		c.On = remap(j.On, m)
	}
	if j.Residual != nil {
		c.Residual = remap(j.Residual, m)
	}
	if j.Interval != nil {
		iv := *j.Interval
		iv.LeftTime, iv.RightTime = lm[iv.LeftTime], rm[iv.RightTime]
		c.Interval = &iv
	}
	out := m
	if len(j.Out.Columns) == lw {
		out = lm
	}
	c.Out = narrow(j.Out, out)
	return &c, out
}

// pruneWindowTVF keeps the input columns needed and the time column; the
// three window columns stay.
func pruneWindowTVF(w *WindowTVF, need []bool) (Node, []int) {
	iw := w.Input.Schema().Len()
	inNeed := slices.Clone(need[:iw])
	inNeed[w.TimeCol] = true
	for _, p := range w.PartitionBy {
		inNeed[p] = true
	}
	in, m := pruneStored(w.Input, inNeed)
	c := *w
	c.Input, c.TimeCol = in, m[w.TimeCol]
	c.PartitionBy = make([]int, len(w.PartitionBy))
	for i, p := range w.PartitionBy {
		c.PartitionBy[i] = m[p]
	}
	iw2 := in.Schema().Len()
	out := append(slices.Clone(m), iw2, iw2+1, iw2+2)
	c.Out = narrow(w.Out, out)
	return &c, out
}

// pruneAggregate reads the group keys and the calls' arguments, FILTER
// clauses and orders; a call nothing above reads is not computed.
func pruneAggregate(a *Aggregate, need []bool) (Node, []int) {
	g := len(a.Groups)
	if len(a.Out.Columns) != g+len(a.Aggs) {
		return keepAll(a), identity(len(a.Out.Columns))
	}
	if g == 0 && len(a.Aggs) > 0 && !slices.Contains(need, true) {
		need[0] = true // a global aggregate's one row keeps a column
	}
	inNeed := make([]bool, a.Input.Schema().Len())
	for _, e := range a.Groups {
		markCols(e, inNeed)
	}
	out := identity(g)
	var aggs []AggCall
	for i, c := range a.Aggs {
		if !need[g+i] {
			out = append(out, -1)
			continue
		}
		out = append(out, g+len(aggs))
		aggs = append(aggs, c)
		for _, e := range c.Args {
			markCols(e, inNeed)
		}
		if c.Filter != nil {
			markCols(c.Filter, inNeed)
		}
		for _, k := range c.OrderBy {
			markCols(k.Expr, inNeed)
		}
	}
	in, m := prune(a.Input, inNeed)
	c := *a
	c.Input, c.Groups, c.Aggs = in, remapAll(a.Groups, m), make([]AggCall, len(aggs))
	for i, call := range aggs {
		call.Args = remapAll(call.Args, m)
		if call.Filter != nil {
			call.Filter = remap(call.Filter, m)
		}
		call.OrderBy = remapKeys(call.OrderBy, m)
		c.Aggs[i] = call
	}
	c.Out = narrow(a.Out, out)
	return &c, out
}

// pruneTopN keeps the input columns needed, and the row number. Ties are
// broken by the whole (pruned) row: at layouts before 4 the row keeps
// every column up to the last one needed, as it did when those layouts'
// state was written.
func pruneTopN(t *TopN, need []bool) (Node, []int) {
	iw := t.Input.Schema().Len()
	inNeed := slices.Clone(need[:iw])
	for _, p := range t.PartitionBy {
		inNeed[p] = true
	}
	for _, k := range t.OrderBy {
		markCols(k.Expr, inNeed)
	}
	if t.Layout != 0 && t.Layout < 4 {
		prefix(inNeed)
	}
	in, m := pruneStored(t.Input, inNeed)
	c := *t
	c.Input, c.OrderBy = in, remapKeys(t.OrderBy, m)
	c.PartitionBy = make([]int, len(t.PartitionBy))
	for i, p := range t.PartitionBy {
		c.PartitionBy[i] = m[p]
	}
	out := slices.Clone(m)
	if t.RowNumber {
		out = append(out, in.Schema().Len())
	}
	c.Out = narrow(t.Out, out)
	return &c, out
}

// pruneOver keeps, as pruneTopN, the input columns it or its parent reads
// (at layouts before 4, every one up to the last of them); every call
// stays.
func pruneOver(o *Over, need []bool) (Node, []int) {
	iw := o.Input.Schema().Len()
	inNeed := slices.Clone(need[:iw])
	for _, call := range o.Calls {
		for _, e := range call.Args {
			markCols(e, inNeed)
		}
		for _, e := range call.Partition {
			markCols(e, inNeed)
		}
		for _, k := range call.Order {
			markCols(k.Expr, inNeed)
		}
	}
	if o.Layout != 0 && o.Layout < 4 {
		prefix(inNeed)
	}
	in, m := pruneStored(o.Input, inNeed)
	c := *o
	c.Input, c.Calls = in, make([]OverCall, len(o.Calls))
	for i, call := range o.Calls {
		call.Args, call.Partition, call.Order = remapAll(call.Args, m), remapAll(call.Partition, m), remapKeys(call.Order, m)
		c.Calls[i] = call
	}
	iw2 := in.Schema().Len()
	out := slices.Clone(m)
	for i := range o.Calls {
		out = append(out, iw2+i)
	}
	c.Out = narrow(o.Out, out)
	return &c, out
}

// prefix marks every column before the last marked one.
func prefix(need []bool) {
	last := -1
	for i, n := range need {
		if n {
			last = i
		}
	}
	for i := 0; i < last; i++ {
		need[i] = true
	}
}

// markCols marks in need the columns e reads.
func markCols(e scalar.Expr, need []bool) {
	scalar.WalkCols(e, func(c *scalar.ColRef) { need[c.Idx] = true })
}

// remap rewrites e's column references by m, which keeps every column e
// reads (the pass marked them needed).
func remap(e scalar.Expr, m []int) scalar.Expr {
	return scalar.SubstCols(e, func(c *scalar.ColRef) scalar.Expr {
		return &scalar.ColRef{Idx: m[c.Idx], Name: c.Name, T: c.T}
	})
}

func remapAll(es []scalar.Expr, m []int) []scalar.Expr {
	if es == nil {
		return nil
	}
	out := make([]scalar.Expr, len(es))
	for i, e := range es {
		out[i] = remap(e, m)
	}
	return out
}

func remapKeys(ks []SortKey, m []int) []SortKey {
	if ks == nil {
		return nil
	}
	out := make([]SortKey, len(ks))
	for i, k := range ks {
		k.Expr = remap(k.Expr, m)
		out[i] = k
	}
	return out
}

// narrow keeps the columns of s that m keeps, in their new order (m keeps
// the order of the columns it keeps).
func narrow(s types.Schema, m []int) types.Schema {
	var out types.Schema
	for i, c := range s.Columns {
		if m[i] >= 0 {
			out.Columns = append(out.Columns, c)
		}
	}
	return out
}

func all(n int) []bool {
	need := make([]bool, n)
	for i := range need {
		need[i] = true
	}
	return need
}

func identity(n int) []int {
	m := make([]int, n)
	for i := range m {
		m[i] = i
	}
	return m
}
