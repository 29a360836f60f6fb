package operator

import (
	"bytes"
	"context"
	"time"

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

// Watermarker is an operator that acts on event time: windows that fire
// when the watermark passes their end, state the watermark cleans. Other
// operators pass the minimum of their inputs' watermarks on.
type Watermarker interface {
	// OnWatermark is called when one of the operator's input watermarks
	// advances; wms holds each input's (µs since the epoch; 0: none yet).
	// The operator emits what the watermark completes and returns the
	// watermark of its output.
	OnWatermark(ctx context.Context, wms []int64, out Emitter) (int64, error)
}

// Ticker is an operator that acts on processing time: every TickEvery it
// is given OnTick (a window aggregate firing early every interval).
type Ticker interface {
	TickEvery() time.Duration // 0: never
	OnTick(ctx context.Context, out Emitter) error
}

// Emitter receives an operator's output. The batch slice is only valid
// during the call (the operator reuses it), but the rows in it are not
// reused: a receiver may keep them (a view's query keeps an epoch's changes
// for its subscribers).
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
	// TTL, when positive, bounds the operator's keyed state: an entry not
	// updated for TTL expires (operators that honour it: Aggregate,
	// Normalize). Now is the clock it is measured on, in milliseconds.
	TTL time.Duration
	Now func() int64
	// Late receives each row an operator drops as late (nil: dropped
	// without a word, which only tests do).
	Late func(LateRow)
}

// LateRow is a row an operator dropped because it came after the watermark
// had closed what it belonged to.
type LateRow struct {
	Reason string
	Row    types.Row // the operator's input row; valid during the call
	Time   int64     // its event time (µs), 0 when it has none
	Wm     int64     // the watermark it was judged by (µs)
	Diff   types.Diff
}

// reportLate hands a late row to late, if there is one.
func reportLate(late func(LateRow), reason string, c types.Change, t, wm int64) {
	if late != nil {
		late(LateRow{Reason: reason, Row: c.Row, Time: t, Wm: wm, Diff: c.Diff})
	}
}

// expiry is the state TTL of an operator: when an entry updated at
// touched (ms) has expired, and a sweep cursor that visits the state a
// slice at a time, so that idle entries go even when their key never
// comes back.
type expiry struct {
	ttl    int64 // ms; 0: never
	now    func() int64
	cursor []byte
}

func newExpiry(env *Env) expiry {
	e := expiry{ttl: env.TTL.Milliseconds(), now: env.Now}
	if e.now == nil {
		e.now = func() int64 { return time.Now().UnixMilli() }
	}
	return e
}

func (e *expiry) expired(touched int64) bool {
	return e.ttl > 0 && e.now()-touched > e.ttl
}

// sweepBatch is how many state entries one batch's sweep visits.
const sweepBatch = 256

// sweep visits up to sweepBatch entries of t after the cursor, calling
// visit for each; it wraps around at the end of the table.
func (e *expiry) sweep(t *state.Table, visit func(key, val []byte) error) error {
	if e.ttl <= 0 {
		return nil
	}
	it, err := t.Iter(e.cursor, nil)
	if err != nil {
		return err
	}
	type entry struct{ k, v []byte }
	var seen []entry
	n := 0
	for ok := it.First(); ok && n < sweepBatch; ok = it.Next() {
		seen = append(seen, entry{bytes.Clone(it.Key()), bytes.Clone(it.Value())})
		n++
	}
	if err := it.Close(); err != nil {
		return err
	}
	if n < sweepBatch {
		e.cursor = nil // the end: start again next time
	} else {
		e.cursor = append(bytes.Clone(seen[n-1].k), 0)
	}
	// Visit after closing the iterator: visit writes to the table.
	for _, s := range seen {
		if err := visit(s.k, s.v); err != nil {
			return err
		}
	}
	return nil
}
