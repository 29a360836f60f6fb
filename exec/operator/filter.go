package operator

import (
	"context"

	"riffle/exec/expr"
	"riffle/planner/scalar"
	"riffle/sql/types"
)

// Filter keeps the changes whose row satisfies a predicate (true, not NULL
// or false). It is linear: a retraction passes exactly when its insert did,
// because the predicate sees the same row. (A predicate on
// CURRENT_WATERMARK sees the watermark each change was read under, which
// is what filtering late rows of an append-only stream needs.)
type Filter struct {
	pred func(types.Row) (bool, error)
	buf  types.Batch
	wm   int64 // the current row's watermark, for CURRENT_WATERMARK
}

var _ Operator = (*Filter)(nil)

// NewFilter compiles the predicate.
func NewFilter(pred scalar.Expr) (*Filter, error) {
	f := &Filter{}
	p, err := expr.Env{Watermark: &f.wm}.CompilePredicate(pred)
	if err != nil {
		return nil, err
	}
	f.pred = p
	return f, nil
}

func (f *Filter) Open(context.Context, *Env) error { return nil }

func (f *Filter) OnBatch(ctx context.Context, _ int, b types.Batch, out Emitter) error {
	f.buf = f.buf[:0]
	for _, c := range b {
		f.wm = c.Wm
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
