package operator

import (
	"context"
	"encoding/binary"
	"fmt"

	"riffle/exec/state"
	"riffle/sql/types"
)

// Materialize keeps a materialized view's contents: a multiset of rows in
// one state table. The key is the row's order-preserving encoding (so equal
// rows meet and a scan returns rows in a stable order); the value is the
// row's multiplicity followed by the row in the compact row encoding (which
// keeps exact types, e.g. a decimal's scale).
//
// A multiplicity that would drop below zero means a retraction of a row
// that was never inserted: a bug upstream, reported rather than stored.
type Materialize struct {
	table *state.Table
	key   []byte
	val   []byte
	old   []byte
}

var _ Operator = (*Materialize)(nil)

// NewMaterialize returns the operator; its state table is table 0.
func NewMaterialize() *Materialize { return &Materialize{} }

func (m *Materialize) Open(_ context.Context, env *Env) error {
	m.table = env.Table(0)
	return nil
}

func (m *Materialize) OnBatch(_ context.Context, _ int, b types.Batch, _ Emitter) error {
	for _, c := range b {
		m.key = state.AppendTupleKey(m.key[:0], c.Row)
		var ok bool
		var err error
		m.old, ok, err = m.table.GetAppend(m.old[:0], m.key)
		if err != nil {
			return err
		}
		var n int64
		if ok {
			n, _ = binary.Varint(m.old)
		}
		n += int64(c.Diff)
		switch {
		case n < 0:
			return fmt.Errorf("materialize: row retracted more often than inserted (multiplicity %d)", n)
		case n == 0:
			m.table.Delete(m.key)
		default:
			m.val = binary.AppendVarint(m.val[:0], n)
			m.val = state.AppendRow(m.val, c.Row)
			m.table.Put(m.key, m.val)
		}
	}
	return nil
}

func (m *Materialize) OnBarrier(context.Context) error { return nil }
func (m *Materialize) Close() error                    { return nil }

// DecodeEntry decodes one stored entry of a materialized view: the row and
// its multiplicity.
func DecodeEntry(val []byte) (types.Row, int64, error) {
	n, w := binary.Varint(val)
	if w <= 0 {
		return nil, 0, fmt.Errorf("corrupt view entry")
	}
	row, err := state.DecodeRow(val[w:], nil)
	return row, n, err
}
