package operator

import (
	"encoding/binary"
	"fmt"

	"riffle/exec/state"
	"riffle/sql/types"
)

// counts keeps a multiset in a state table: under each key, the row's
// multiplicity (a varint) followed by the row in the row encoding, which
// keeps values exactly (a key may not keep a decimal's scale). Materialize,
// TopN and Aggregate's value counts all keep rows this way.
type counts struct {
	table *state.Table
	buf   []byte
	// seen, when set, caches keys addFirst knows are present, so that a
	// value seen before costs no read (Nexmark q15 and q16 count the
	// distinct bidders of a day: the same few thousand, over and over).
	// Whoever deletes from the table clears it.
	seen *boundedCache[struct{}]
}

// add adds d to the multiplicity of row under key, deleting the entry when
// it reaches zero, and returns the multiplicity before and after. A
// multiplicity that would go below zero is a retraction of a row never
// inserted: a bug upstream, reported rather than stored.
func (c *counts) add(key []byte, row types.Row, d int64) (before, after int64, err error) {
	var ok bool
	c.buf, ok, err = c.table.GetAppend(c.buf[:0], key)
	if err != nil {
		return 0, 0, err
	}
	if ok {
		before, _ = binary.Varint(c.buf)
	}
	after = before + d
	switch {
	case after < 0:
		return 0, 0, fmt.Errorf("row retracted more often than inserted (multiplicity %d)", after)
	case after == 0:
		c.table.Delete(key)
	default:
		c.put(key, row, after)
	}
	return before, after, nil
}

// put stores row under key with multiplicity m.
func (c *counts) put(key []byte, row types.Row, m int64) {
	c.buf = binary.AppendVarint(c.buf[:0], m)
	c.buf = state.AppendRow(c.buf, row)
	c.table.Put(key, c.buf)
}

// addFirst adds one copy of row under key when there is none, for a
// multiset from which nothing is ever removed, where only a value's first
// copy matters: later copies are neither counted nor written. It returns
// the multiplicity before and after, as add does, counting a copy already
// there as the only one.
func (c *counts) addFirst(key []byte, row types.Row) (before, after int64, err error) {
	if c.seen != nil {
		if _, ok := c.seen.get(key); ok {
			return 1, 2, nil
		}
	}
	ok, err := c.table.Has(key)
	if err != nil {
		return 0, 0, err
	}
	if c.seen != nil {
		c.seen.put(key, struct{}{}, 0)
	}
	if ok {
		return 1, 2, nil
	}
	c.put(key, row, 1)
	return 0, 1, nil
}

// DecodeEntry decodes one entry of a counts table (a materialized view's
// contents, say): the row and its multiplicity.
func DecodeEntry(val []byte) (types.Row, int64, error) {
	n, w := binary.Varint(val)
	if w <= 0 || n <= 0 {
		return nil, 0, fmt.Errorf("corrupt state entry")
	}
	row, err := state.DecodeRow(val[w:], nil)
	return row, n, err
}
