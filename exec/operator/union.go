package operator

import (
	"context"

	"riffle/sql/types"
)

// Union is UNION ALL: every input's changes pass through unchanged. It is
// linear, so retractions from any input retract exactly what that input
// inserted.
type Union struct{}

var _ Operator = (*Union)(nil)

// NewUnion returns the operator.
func NewUnion() *Union { return &Union{} }

func (u *Union) Open(context.Context, *Env) error { return nil }

func (u *Union) OnBatch(ctx context.Context, _ int, b types.Batch, out Emitter) error {
	if len(b) == 0 {
		return nil
	}
	return out.Emit(ctx, b)
}

func (u *Union) OnBarrier(context.Context) error { return nil }
func (u *Union) Close() error                    { return nil }
