package operator

import (
	"context"

	"riffle/exec/expr"
	"riffle/planner/scalar"
	"riffle/sql/types"
)

// Project computes one expression per output column. It is linear: each
// output change carries its input's diff.
//
// Output rows are carved from one slab per batch, so a batch of n rows of
// width w costs one allocation, not n.
type Project struct {
	exprs []expr.Func
	buf   types.Batch
	slab  []types.Value
	wm    int64 // the current row's watermark, for CURRENT_WATERMARK
}

var _ Operator = (*Project)(nil)

// NewProject compiles the expressions.
func NewProject(exprs []scalar.Expr) (*Project, error) {
	p := &Project{}
	for _, e := range exprs {
		f, err := expr.CompileEnv(e, expr.Env{Watermark: &p.wm})
		if err != nil {
			return nil, err
		}
		p.exprs = append(p.exprs, f)
	}
	return p, nil
}

func (p *Project) Open(context.Context, *Env) error { return nil }

func (p *Project) OnBatch(ctx context.Context, _ int, b types.Batch, out Emitter) error {
	w := len(p.exprs)
	// A fresh slab each batch: downstream operators (and sinks) may hold a
	// row past this call only by copying, but the slab must not be
	// overwritten while the emitted batch is in use.
	p.slab = make([]types.Value, len(b)*w)
	p.buf = p.buf[:0]
	for i, c := range b {
		row := types.Row(p.slab[i*w : (i+1)*w : (i+1)*w])
		p.wm = c.Wm
		for j, f := range p.exprs {
			v, err := f(c.Row)
			if err != nil {
				return err
			}
			row[j] = v
		}
		p.buf = append(p.buf, types.Change{Row: row, Diff: c.Diff, Wm: c.Wm})
	}
	return out.Emit(ctx, p.buf)
}

func (p *Project) OnBarrier(context.Context) error { return nil }
func (p *Project) Close() error                    { return nil }
