package operator

import (
	"context"
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
	rows counts
	key  []byte
}

var _ Operator = (*Materialize)(nil)

// NewMaterialize returns the operator; its state table is table 0.
func NewMaterialize() *Materialize { return &Materialize{} }

func (m *Materialize) Open(_ context.Context, env *Env) error {
	m.rows.table = env.Table(0)
	return nil
}

func (m *Materialize) OnBatch(_ context.Context, _ int, b types.Batch, _ Emitter) error {
	for _, c := range b {
		m.key = state.AppendTupleKey(m.key[:0], c.Row)
		if _, _, err := m.rows.add(m.key, c.Row, int64(c.Diff)); err != nil {
			return fmt.Errorf("materialize: %w", err)
		}
	}
	return nil
}

func (m *Materialize) OnBarrier(context.Context) error { return nil }
func (m *Materialize) Close() error                    { return nil }
