package runtime

import (
	"context"
	"slices"

	"riffle/exec/expr"
	"riffle/exec/state"
	"riffle/planner/physical"
	"riffle/sql/types"
)

// sender is a task's end of an exchange (physical.Exchange): it sends each
// batch of the fragment's output on to the tasks of the next fragment, in
// batches (one per receiving task and batch), over the receivers' inboxes.
// Hashed by a key, a row goes to the task that owns its key group, the
// same task whichever task sends it and after every restart; gathered, to
// the one task. A sender keeps its rows in order: each receiver gets a
// sender's rows in the order they were emitted, then its barrier.
type sender struct {
	keys []expr.Func // nil: gather into one task
	to   *fragment
	edge int // the exchange's index among the receiving tasks' inputs
	from int // the sending task's index in its fragment
	bufs []types.Batch
	kbuf []byte
}

// newSender is task from's end of exchange x into fragment to.
func newSender(x *physical.Exchange, to *fragment, edge, from int) (*sender, error) {
	s := &sender{to: to, edge: edge, from: from, bufs: make([]types.Batch, to.n)}
	for _, k := range x.Keys {
		f, err := expr.Compile(k)
		if err != nil {
			return nil, err
		}
		s.keys = append(s.keys, f)
	}
	return s, nil
}

// send sends a batch's rows to the tasks that own them. The batch is the
// emitting operator's and is not kept; its rows are (see
// operator.Emitter).
func (s *sender) send(ctx context.Context, b types.Batch) error {
	if len(b) == 0 {
		return nil
	}
	if s.keys == nil || s.to.n == 1 {
		return s.deliver(ctx, 0, message{kind: msgData, batch: slices.Clone(b)})
	}
	for _, c := range b {
		i := physical.TaskOf(physical.KeyGroup(s.hash(c.Row)), s.to.n)
		s.bufs[i] = append(s.bufs[i], c)
	}
	for i, buf := range s.bufs {
		if len(buf) == 0 {
			continue
		}
		s.bufs[i] = nil // the receiver owns it now
		if err := s.deliver(ctx, i, message{kind: msgData, batch: buf}); err != nil {
			return err
		}
	}
	return nil
}

// barrier ends the sender's round at every receiving task, with the
// watermark of the rows it sent.
func (s *sender) barrier(ctx context.Context, wm int64) error {
	for i := range s.to.tasks {
		if err := s.deliver(ctx, i, message{kind: msgBarrier, wm: wm}); err != nil {
			return err
		}
	}
	return nil
}

func (s *sender) deliver(ctx context.Context, i int, m message) error {
	m.edge, m.from = s.edge, s.from
	select {
	case s.to.tasks[i].inbox <- m:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// hash is the hash of a row's key: FNV-1a over the key's order-preserving
// encoding, in which equal values (as the operators compare them) are
// equal bytes. It is fixed, not seeded per process: a key's task must be
// the same after a restart, since the task keeps the key's state. A key
// that cannot be computed goes to the first task, whose operator meets the
// same error computing it and handles it as it would in one task.
func (s *sender) hash(row types.Row) uint64 {
	s.kbuf = s.kbuf[:0]
	for _, k := range s.keys {
		v, err := k(row)
		if err != nil {
			return 0
		}
		s.kbuf = state.AppendKey(s.kbuf, v)
	}
	h := uint64(14695981039346656037)
	for _, c := range s.kbuf {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}
