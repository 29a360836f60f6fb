package runtime

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"riffle/catalog"
	"riffle/connectors/kafka"
	"riffle/exec/expr"
	"riffle/exec/operator"
	"riffle/exec/state"
	"riffle/planner/logical"
	"riffle/planner/scalar"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// Snapshot runs a bounded plan once and returns its rows: the answer to a
// one-shot SELECT. A table is read from its start to the end offsets it has
// when the read begins; a materialized view is read as of its last commit.
// The same operators as a continuous query compute filters and projections,
// so a SELECT and a view over the same query agree.
func Snapshot(ctx context.Context, deps Deps, n logical.Node) ([]types.Row, error) {
	b, err := snapshot(ctx, deps, n)
	if err != nil {
		return nil, err
	}
	rows := make([]types.Row, 0, len(b))
	for _, c := range b {
		for range c.Diff {
			rows = append(rows, c.Row)
		}
	}
	return rows, nil
}

func snapshot(ctx context.Context, deps Deps, n logical.Node) (types.Batch, error) {
	switch n := n.(type) {
	case *logical.Scan:
		if n.Object.Kind == catalog.MaterializedView {
			return scanView(deps, n.Object)
		}
		return scanTable(ctx, deps, n.Object)
	case *logical.Values:
		return values(n, deps.exprEnv())
	case *logical.TableFunc:
		return tableFunc(n)
	case *logical.Expand:
		in, err := snapshot(ctx, deps, n.Input)
		if err != nil {
			return nil, err
		}
		return expand(n, in)
	case *logical.Over:
		in, err := snapshot(ctx, deps, n.Input)
		if err != nil {
			return nil, err
		}
		return overBatch(n, in)
	case *logical.Sort:
		in, err := snapshot(ctx, deps, n.Input)
		if err != nil {
			return nil, err
		}
		return sortBatch(in, n.Keys)
	case *logical.Limit:
		in, err := snapshot(ctx, deps, n.Input)
		if err != nil {
			return nil, err
		}
		return limitBatch(in, n.Count, n.Offset), nil
	case *logical.Union:
		var out types.Batch
		for _, in := range n.Ins {
			b, err := snapshot(ctx, deps, in)
			if err != nil {
				return nil, err
			}
			out = append(out, b...)
		}
		return out, nil
	case *logical.RecursiveUnion:
		return recursiveUnion(ctx, deps, n)
	case *logical.WorkTable:
		return n.Rows, nil
	case *logical.Filter, *logical.Project, *logical.Aggregate, *logical.Normalize, *logical.TopN, *logical.Join,
		*logical.WindowTVF, *logical.TemporalJoin, *logical.GroupingSets:
		var ins []types.Batch
		for _, c := range n.Inputs() {
			in, err := snapshot(ctx, deps, c)
			if err != nil {
				return nil, err
			}
			ins = append(ins, in)
		}
		return runOnce(ctx, deps, n, ins...)
	}
	return nil, sqlerr.New(sqlerr.FeatureNotSupported, "%s is not supported in a query yet", n.Describe()).
		WithHint("EXPLAIN shows the plan; windows and time-bounded joins plan today but do not run yet")
}

func scanView(deps Deps, v *catalog.Object) (types.Batch, error) {
	b, err := scanViewTable(deps.Store.Table(v.StateTable))
	if err != nil {
		return nil, fmt.Errorf("read view %s: %w", v.Name, err)
	}
	return b, nil
}

func scanTable(ctx context.Context, deps Deps, t *catalog.Object) (types.Batch, error) {
	if isGenerated(t) {
		return scanGenerated(ctx, t)
	}
	topic := t.Options["topic"]
	from, err := deps.Kafka.StartOffsets(ctx, topic)
	if err != nil {
		return nil, err
	}
	to, err := deps.Kafka.EndOffsets(ctx, topic)
	if err != nil {
		return nil, err
	}
	recs, err := kafka.ReadRange(ctx, deps.Kafka, topic, from, to)
	if err != nil {
		return nil, err
	}
	dec, err := operator.NewRecordDecoderWith(t, deps.Registries)
	if err != nil {
		return nil, err
	}
	r := &route{scan: &scan{}, dec: dec, width: len(t.Schema.Columns)}
	out, _, err := decode(r, recs, topic, nil, nil) // a one-shot read skips bad records
	return out, err
}

// scanGenerated generates every row of a bounded generated table, unpaced.
func scanGenerated(ctx context.Context, t *catalog.Object) (types.Batch, error) {
	src, err := NewSource(t)
	if err != nil {
		return nil, err
	}
	n, ends := src.Len()
	if n < 0 || !ends {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported,
			"table %q never ends: a one-shot SELECT over it would not return", t.Name).
			WithHint("read it with a continuous query (CREATE MATERIALIZED VIEW, SUBSCRIBE), or give it an end: %s",
				map[string]string{"nexmark": "'events.num'", "datagen": "'number-of-rows' or a sequence"}[t.Options["connector"]])
	}
	if w := int64(max(1, len(t.Schema.Columns))); n > maxSnapshotValues/w {
		return nil, tooLarge().WithHint("read table %q with a continuous query, or give it fewer rows", t.Name)
	}
	r := &route{scan: &scan{gen: newGenerated(src)}, src: src, width: len(t.Schema.Columns)}
	r.gen.rate = 0 // every row at once
	out := make(types.Batch, 0, n)
	for r.gen.wait(time.Time{}) >= 0 {
		if ctx.Err() != nil {
			return nil, canceled()
		}
		b, _, _ := r.generate(time.Time{}, DefaultBatch)
		out = append(out, b...)
	}
	return out, nil
}

func values(v *logical.Values, env expr.Env) (types.Batch, error) {
	out := make(types.Batch, 0, len(v.Rows))
	for _, r := range v.Rows {
		row := make(types.Row, len(r))
		for i, e := range r {
			if c, ok := e.(*scalar.Const); ok && c.T.ID != types.Unknown {
				row[i] = c.V // a system relation's rows are all constants
				continue
			}
			f, err := expr.CompileEnv(e, env)
			if err != nil {
				return nil, err
			}
			if row[i], err = f(nil); err != nil {
				return nil, err
			}
		}
		out = append(out, types.Change{Row: row, Diff: 1})
	}
	return out, nil
}

// sortBatch orders rows by the sort keys, which the binder makes column
// references into the sorted relation. NULLs sort by each key's NullsFirst.
func sortBatch(b types.Batch, keys []logical.SortKey) (types.Batch, error) {
	idx := make([]int, len(keys))
	for i, k := range keys {
		c, ok := k.Expr.(*scalar.ColRef)
		if !ok {
			return nil, fmt.Errorf("snapshot: sort key %s is not a column", k.Expr)
		}
		idx[i] = c.Idx
	}
	sort.SliceStable(b, func(i, j int) bool {
		return compareKeys(keys, func(n int) (types.Value, types.Value) { return b[i].Row[idx[n]], b[j].Row[idx[n]] }) < 0
	})
	return b, nil
}

// compareKeys compares two rows by sort keys, pair(n) giving both rows'
// values of key n: each key's direction, NULLs placed as its NullsFirst.
func compareKeys(keys []logical.SortKey, pair func(n int) (types.Value, types.Value)) int {
	for n, k := range keys {
		x, y := pair(n)
		if x.IsNull() != y.IsNull() {
			if x.IsNull() == k.NullsFirst {
				return -1
			}
			return 1
		}
		c := types.CompareTyped(x, y, k.Expr.Type())
		if k.Desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

func limitBatch(b types.Batch, count, offset int64) types.Batch {
	var out types.Batch
	for _, c := range b {
		for range c.Diff {
			if offset > 0 {
				offset--
				continue
			}
			if count >= 0 && int64(len(out)) >= count {
				return out
			}
			out = append(out, types.Change{Row: c.Row, Diff: 1})
		}
	}
	return out
}

// maxSnapshotValues bounds every intermediate result of a one-shot query
// (rows × columns; a few GiB).
const maxSnapshotValues = 100_000_000

// tooLarge is the error of a one-shot query whose intermediate result
// passes maxSnapshotValues.
func tooLarge() *sqlerr.Error {
	return sqlerr.New(sqlerr.ProgramLimitExceeded, "a one-shot query's intermediate result passed %d values", maxSnapshotValues)
}

// canceled is the error of a one-shot query its client cancelled.
func canceled() *sqlerr.Error {
	return sqlerr.New(sqlerr.QueryCanceled, "canceling statement due to user request")
}

// scratchTables are table ids no query is ever given (the store hands out
// ids from 1 up): a one-shot query's stateful operators use them inside a
// transaction that is never committed.
const scratchTables = 0xFFFF0000

// runOnce runs the operator for n over the whole bounded input of each of
// its inputs as one batch (after the empty opening batch, as a continuous
// query would see).
func runOnce(ctx context.Context, deps Deps, n logical.Node, ins ...types.Batch) (types.Batch, error) {
	op, err := newOperator(n, deps.exprEnv())
	if err != nil {
		return nil, err
	}
	txn := deps.Store.Begin()
	defer txn.Close()
	env := &operator.Env{Table: func(i int) *state.Table { return txn.Table(scratchTables + uint32(i)) }}
	if err := op.Open(ctx, env); err != nil {
		return nil, err
	}
	var out types.Batch
	values := 0
	emit := operator.EmitFunc(func(_ context.Context, b types.Batch) error {
		// A one-shot query answers one client: it stops when the client
		// cancels, and when an intermediate result outgrows what a client
		// could want (a cross product of large relations) rather than
		// taking the server's memory.
		if ctx.Err() != nil {
			return canceled()
		}
		for _, c := range b {
			values += len(c.Row)
			out = append(out, types.Change{Row: c.Row, Diff: c.Diff})
		}
		if values > maxSnapshotValues {
			return tooLarge().WithHint("add join conditions or filters")
		}
		return nil
	})
	if err := op.OnBatch(ctx, 0, nil, emit); err != nil {
		return nil, err
	}
	order := []int{0, 1}
	if _, ok := n.(*logical.TemporalJoin); ok {
		order = []int{1, 0} // the versions first: a lookup sees the table as it is now
	}
	for _, i := range order[:len(ins)] {
		if err := op.OnBatch(ctx, i, ins[i], emit); err != nil {
			return nil, err
		}
	}
	if t, ok := op.(operator.Watermarker); ok {
		// The input has ended: a final watermark fires every window
		// (semantics.md, rule 10).
		wms := make([]int64, len(ins))
		for i := range wms {
			wms[i] = math.MaxInt64
		}
		if _, err := t.OnWatermark(ctx, wms, emit); err != nil {
			return nil, err
		}
	}
	return consolidate(out), nil
}

// consolidate sums the diffs of equal rows and drops rows that cancel out,
// so a snapshot is a plain multiset. Rows keep the order they came in (the
// first of equal rows gives the place), so a projection over a sorted
// input stays sorted.
func consolidate(b types.Batch) types.Batch {
	idx := make([]int, len(b))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return types.CompareRows(b[idx[i]].Row, b[idx[j]].Row) < 0 })
	keep := make([]bool, len(b))
	for k := 0; k < len(idx); {
		first := idx[k]
		end := k + 1
		for end < len(idx) && types.CompareRows(b[idx[end]].Row, b[first].Row) == 0 {
			// Stable sort: idx[k] is the earliest of the equal rows.
			b[first].Diff += b[idx[end]].Diff
			end++
		}
		keep[first] = b[first].Diff != 0
		k = end
	}
	out := b[:0]
	for i, c := range b {
		if keep[i] {
			out = append(out, c)
		}
	}
	return out
}
