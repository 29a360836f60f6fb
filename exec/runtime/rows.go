package runtime

import (
	"context"

	"riffle/catalog"
	"riffle/exec/operator"
	"riffle/exec/state"
	"riffle/planner/logical"
	"riffle/sql/types"
)

// Rows reads a one-shot query's result in pieces instead of all at once,
// for a cursor over a large result. It applies to a query that only
// filters and projects a materialized view: the view's state table is read
// through one iterator (a consistent snapshot of the view as of the last
// commit, pinned until Close), a chunk at a time, through the same filter
// and projection operators as Snapshot. Other queries go through Snapshot.
type Rows struct {
	it    *state.Iter
	ops   []operator.Operator // outermost first; each stateless
	first bool                // the iterator is not positioned yet
	done  bool
}

// rowsChunk is how many of the view's entries one Next reads.
const rowsChunk = 512

// OpenRows opens n for reading in pieces; ok is false when n is not a
// chain of filters and projections over a materialized view.
func OpenRows(ctx context.Context, deps Deps, n logical.Node) (r *Rows, ok bool, err error) {
	var ops []operator.Operator
	for {
		switch x := n.(type) {
		case *logical.Filter, *logical.Project:
			op, err := newOperator(x, deps.exprEnv())
			if err != nil {
				return nil, false, err
			}
			if err := op.Open(ctx, &operator.Env{}); err != nil {
				return nil, false, err
			}
			ops = append(ops, op)
			n = x.Inputs()[0]
			continue
		case *logical.Scan:
			if x.Object.Kind != catalog.MaterializedView {
				return nil, false, nil
			}
			it, err := deps.Store.Table(x.Object.StateTable).Scan(nil)
			if err != nil {
				return nil, false, err
			}
			return &Rows{it: it, ops: ops, first: true}, true, nil
		}
		return nil, false, nil
	}
}

// Next returns the next rows, at least one unless the result has ended
// (nil). The rows are the caller's.
func (r *Rows) Next(ctx context.Context) ([]types.Row, error) {
	for !r.done {
		var b types.Batch
		for len(b) < rowsChunk {
			var ok bool
			if r.first {
				ok, r.first = r.it.First(), false
			} else {
				ok = r.it.Next()
			}
			if !ok {
				r.done = true
				if err := r.it.Error(); err != nil {
					return nil, err
				}
				break
			}
			row, n, err := operator.DecodeEntry(r.it.Value())
			if err != nil {
				return nil, err
			}
			b = append(b, types.Change{Row: row, Diff: types.Diff(n)})
		}
		for i := len(r.ops) - 1; i >= 0 && len(b) > 0; i-- {
			var out types.Batch
			emit := operator.EmitFunc(func(_ context.Context, e types.Batch) error {
				out = append(out, e...)
				return nil
			})
			if err := r.ops[i].OnBatch(ctx, 0, b, emit); err != nil {
				return nil, err
			}
			b = out
		}
		var rows []types.Row
		for _, c := range b {
			for range c.Diff {
				rows = append(rows, c.Row)
			}
		}
		if len(rows) > 0 {
			return rows, nil
		}
	}
	return nil, nil
}

// Close releases the iterator and the snapshot it pins.
func (r *Rows) Close() error {
	for _, op := range r.ops {
		op.Close()
	}
	return r.it.Close()
}
