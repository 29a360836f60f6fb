package operator

import (
	"context"

	"riffle/exec/state"
	"riffle/sql/types"
)

// Operator is one incremental operator of a running query.
type Operator interface {
	// Open binds the operator's state tables; it is called once, before any
	// other method, and after a restart finds the state of the last commit.
	Open(ctx context.Context, env *Env) error
	// OnBatch processes a batch from input (0 for single-input operators)
	// and emits its output to out. The batch is only valid during the call.
	OnBatch(ctx context.Context, input int, b types.Batch, out Emitter) error
	// OnBarrier is called at the end of an epoch, after the epoch's last
	// batch: the operator writes what it buffered into its state tables so
	// the commit that follows includes it.
	OnBarrier(ctx context.Context) error
	// Close releases what Open acquired. State stays in the store.
	Close() error
}

// Emitter receives an operator's output. The batch is only valid during the
// call.
type Emitter interface {
	Emit(ctx context.Context, b types.Batch) error
}

// EmitFunc adapts a function to Emitter.
type EmitFunc func(ctx context.Context, b types.Batch) error

// Emit calls f.
func (f EmitFunc) Emit(ctx context.Context, b types.Batch) error { return f(ctx, b) }

// Env is what the runtime gives an operator: its state tables, each bound
// to the epoch's transaction the runtime opens and commits.
type Env struct {
	// Tables returns state table i of this operator, in the epoch's open
	// transaction. Ids are stable across restarts.
	Table func(i int) *state.Table
}
