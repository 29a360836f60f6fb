package operator

import (
	"context"

	"riffle/exec/expr"
	"riffle/planner/scalar"
	"riffle/sql/types"
)

// Filter keeps the changes whose row satisfies a predicate (true, not NULL
// or false). It is linear: a retraction passes exactly when its insert did,
// because the predicate sees the same row.
type Filter struct {
	pred func(types.Row) (bool, error)
	buf  types.Batch
}

var _ Operator = (*Filter)(nil)

// NewFilter compiles the predicate.
func NewFilter(pred scalar.Expr) (*Filter, error) {
	p, err := expr.CompilePredicate(pred)
	if err != nil {
		return nil, err
	}
	return &Filter{pred: p}, nil
}

func (f *Filter) Open(context.Context, *Env) error { return nil }

func (f *Filter) OnBatch(ctx context.Context, _ int, b types.Batch, out Emitter) error {
	f.buf = f.buf[:0]
	for _, c := range b {
		ok, err := f.pred(c.Row)
		if err != nil {
			return err
		}
		if ok {
			f.buf = append(f.buf, c)
		}
	}
	if len(f.buf) == 0 {
		return nil
	}
	return out.Emit(ctx, f.buf)
}

func (f *Filter) OnBarrier(context.Context) error { return nil }
func (f *Filter) Close() error                    { return nil }
