package runtime

import (
	"context"
	"fmt"
	"sort"

	"riffle/catalog"
	"riffle/connectors/kafka"
	"riffle/exec/expr"
	"riffle/exec/operator"
	"riffle/planner/logical"
	"riffle/planner/scalar"
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
		return values(n)
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
	case *logical.Filter, *logical.Project:
		in, err := snapshot(ctx, deps, n.Inputs()[0])
		if err != nil {
			return nil, err
		}
		op, err := newOperator(n)
		if err != nil {
			return nil, err
		}
		var out types.Batch
		err = op.OnBatch(ctx, 0, in, operator.EmitFunc(func(_ context.Context, b types.Batch) error {
			out = append(out, b...)
			return nil
		}))
		return out, err
	}
	return nil, fmt.Errorf("snapshot: %s is not supported", n.Describe())
}

func scanView(deps Deps, v *catalog.Object) (types.Batch, error) {
	it, err := deps.Store.Table(v.StateTable).Scan(nil)
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out types.Batch
	for ok := it.First(); ok; ok = it.Next() {
		row, n, err := operator.DecodeEntry(it.Value())
		if err != nil {
			return nil, fmt.Errorf("read view %s: %w", v.Name, err)
		}
		out = append(out, types.Change{Row: row, Diff: types.Diff(n)})
	}
	return out, it.Error()
}

func scanTable(ctx context.Context, deps Deps, t *catalog.Object) (types.Batch, error) {
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
	s := newSource(t)
	out := make(types.Batch, 0, len(recs))
	for i := range recs {
		row, ok := decodeRecord(s, &recs[i], make(types.Row, len(t.Schema.Columns)))
		if ok {
			out = append(out, types.Change{Row: row, Diff: 1})
		}
	}
	return out, nil
}

func values(v *logical.Values) (types.Batch, error) {
	out := make(types.Batch, 0, len(v.Rows))
	for _, r := range v.Rows {
		row := make(types.Row, len(r))
		for i, e := range r {
			f, err := expr.Compile(e)
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
		for n, k := range keys {
			x, y := b[i].Row[idx[n]], b[j].Row[idx[n]]
			if x.IsNull() != y.IsNull() {
				return x.IsNull() == k.NullsFirst
			}
			c := types.Compare(x, y)
			if k.Desc {
				c = -c
			}
			if c != 0 {
				return c < 0
			}
		}
		return false
	})
	return b, nil
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
