package operator

import (
	"context"

	"riffle/exec/state"
	"riffle/sql/types"
)

// Normalize turns an upsert stream into retractions. Its input follows the
// upsert contract: a change with diff +1 says "the row for this key is now
// Row"; a change with diff -1 says "this key is gone", and only the key
// columns of its Row are meaningful (a tombstone carries nothing else).
// Normalize keeps the current row of every key in its state table and emits
// -old/+new for an update, +new for a new key, -old for a delete, and
// nothing for a repeated row or for the delete of a key it never saw
// (semantics.md, rule 11).
//
// Each key's entry is its row followed by the time of its last update. With
// a state TTL, a key not updated for the TTL expires: its row is retracted
// and forgotten, when the key next appears or when the sweep each batch runs
// over a slice of the state finds it.
type Normalize struct {
	key   []int
	table *state.Table
	exp   expiry
	kbuf  []byte
	out   types.Batch
}

var _ Operator = (*Normalize)(nil)

// NewNormalize returns the operator for a stream keyed by the columns key.
func NewNormalize(key []int) *Normalize { return &Normalize{key: key} }

func (n *Normalize) Open(_ context.Context, env *Env) error {
	n.table = env.Table(0)
	n.exp = newExpiry(env)
	return nil
}

// current reads key's row, if it has one that has not expired. An expired
// row is retracted and deleted here.
func (n *Normalize) current(key []byte) (types.Row, bool, error) {
	stored, ok, err := n.table.GetRow(key, nil)
	if err != nil || !ok {
		return nil, false, err
	}
	row, touched := stored[:len(stored)-1], stored[len(stored)-1].I
	if n.exp.expired(touched) {
		n.out = append(n.out, types.Change{Row: row, Diff: -1})
		n.table.Delete(key)
		return nil, false, nil
	}
	return row, true, nil
}

func (n *Normalize) OnBatch(ctx context.Context, _ int, b types.Batch, out Emitter) error {
	n.out = n.out[:0]
	if err := n.exp.sweep(n.table, func(key, _ []byte) error {
		_, _, err := n.current(key)
		return err
	}); err != nil {
		return err
	}
	now := n.exp.now()
	for _, c := range b {
		n.kbuf = n.kbuf[:0]
		for _, k := range n.key {
			n.kbuf = state.AppendKey(n.kbuf, c.Row[k])
		}
		old, ok, err := n.current(n.kbuf)
		if err != nil {
			return err
		}
		if c.Diff > 0 {
			if ok && types.CompareRows(old, c.Row) != 0 {
				n.out = append(n.out, types.Change{Row: old, Diff: -1, Wm: c.Wm})
			}
			if !ok || types.CompareRows(old, c.Row) != 0 {
				n.out = append(n.out, types.Change{Row: c.Row, Diff: 1, Wm: c.Wm})
			}
			// A repeated row changes nothing downstream, but it is an
			// update: it resets the key's idle time.
			n.table.Put(n.kbuf, state.AppendRow(nil, append(c.Row.Clone(), types.NewInt(now))))
			continue
		}
		if ok {
			n.out = append(n.out, types.Change{Row: old, Diff: -1, Wm: c.Wm})
			n.table.Delete(n.kbuf)
		}
	}
	if len(n.out) == 0 {
		return nil
	}
	return out.Emit(ctx, n.out)
}

func (n *Normalize) OnBarrier(context.Context) error { return nil }
func (n *Normalize) Close() error                    { return nil }
