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
type Normalize struct {
	key   []int
	table *state.Table
	kbuf  []byte
	out   types.Batch
}

var _ Operator = (*Normalize)(nil)

// NewNormalize returns the operator for a stream keyed by the columns key.
func NewNormalize(key []int) *Normalize { return &Normalize{key: key} }

func (n *Normalize) Open(_ context.Context, env *Env) error {
	n.table = env.Table(0)
	return nil
}

func (n *Normalize) OnBatch(ctx context.Context, _ int, b types.Batch, out Emitter) error {
	n.out = n.out[:0]
	for _, c := range b {
		n.kbuf = n.kbuf[:0]
		for _, k := range n.key {
			n.kbuf = state.AppendKey(n.kbuf, c.Row[k])
		}
		old, ok, err := n.table.GetRow(n.kbuf, nil)
		if err != nil {
			return err
		}
		if c.Diff > 0 {
			if ok && types.CompareRows(old, c.Row) == 0 {
				continue
			}
			if ok {
				n.out = append(n.out, types.Change{Row: old, Diff: -1})
			}
			n.out = append(n.out, types.Change{Row: c.Row, Diff: 1})
			n.table.Put(n.kbuf, state.AppendRow(nil, c.Row))
			continue
		}
		if ok {
			n.out = append(n.out, types.Change{Row: old, Diff: -1})
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
