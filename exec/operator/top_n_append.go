package operator

import (
	"bytes"
	"fmt"
	"slices"

	"riffle/exec/state"
	"riffle/sql/types"
)

// An append-only Top-N (see TopN) keeps only each partition's top rows,
// which a batch reads once, changes in memory and writes at its end. It
// stores them in one of two layouts (logical.StampLayout):
//
//   - layouts 1 to 3: each row is an entry of table 0, keyed by partition,
//     order and the whole row as the other Top-Ns key theirs, with its
//     multiplicity; table 1 marks the partitions that have rows, so that
//     a new partition costs a point read (which the Bloom filters answer)
//     rather than a scan. A row pushed out of the top is deleted.
//   - layout 4 (packed): a partition's whole top is one entry of table 0
//     under the partition's key, its rows with their multiplicities in
//     rank order, rewritten in place when the top changes; table 1 is not
//     used. Nexmark q9's Top-1 per auction wrote a 1.4 KB entry and deleted
//     the one it replaced for each new top bid, with the whole joined row
//     in both key and value; it now rewrites one entry of the row once.
//     The rows' keys, which rank them in memory, are made again when a
//     partition is read.

// applyAppend adds a row to an append-only partition's rows in memory, if
// it ranks within the top, and drops what it pushes out of it.
func (t *TopN) applyAppend(p *topPart, c types.Change) error {
	if c.Diff < 0 {
		// The plan said no retraction comes, and the state kept relies on it.
		return fmt.Errorf("top-n: a retraction in an input planned as append-only")
	}
	var kept int64
	for _, r := range p.rows {
		kept += r.m
	}
	t.key = t.orderKey(t.key[:0], p.prefix, c.Row)
	if kept >= t.extent && len(p.rows) > 0 {
		// A full top: a row whose order columns alone rank it after the
		// last row's never enters, and most rows are such (Nexmark q9's
		// bids after an auction's highest), so its whole key, the longest
		// part of which is the row, is not made.
		last := p.rows[len(p.rows)-1].key
		if bytes.Compare(t.key, last[:min(len(t.key), len(last))]) > 0 {
			return nil
		}
	}
	t.key = state.AppendTupleKey(t.key, c.Row)
	i, found := slices.BinarySearchFunc(p.rows, t.key, func(r topRow, k []byte) int { return bytes.Compare(r.key, k) })
	if kept >= t.extent && i == len(p.rows) {
		return nil // below the top: it never enters
	}
	if found {
		p.rows[i].m += int64(c.Diff)
	} else {
		p.rows = slices.Insert(p.rows, i, topRow{key: bytes.Clone(t.key), row: c.Row.Clone(), m: int64(c.Diff)})
	}
	kept += int64(c.Diff)
	for kept > t.extent {
		last := &p.rows[len(p.rows)-1]
		n := min(last.m, kept-t.extent)
		last.m -= n
		kept -= n
		if last.m == 0 {
			if last.was > 0 {
				p.dropped = append(p.dropped, last.key)
			}
			p.rows = p.rows[:len(p.rows)-1]
		}
	}
	return nil
}

// load reads an append-only partition's rows: its first Offset+Limit
// copies in order (a partition kept by an earlier version of the operator
// may hold more, below them, which can never rank again).
func (t *TopN) load(p *topPart) error {
	if rows, ok := t.cache.get(p.prefix); ok {
		p.rows, p.marked = slices.Clone(rows), true // the batch changes its copy
		return nil
	}
	if t.packed {
		return t.loadPacked(p)
	}
	// A partition's mark in table 1 says it exists: a point read, which
	// the Bloom filters answer for a new partition, where a scan has to
	// seek in every level (most of Nexmark q19's auctions are new when
	// their first bid comes).
	ok, err := t.marks.Has(p.prefix)
	if err != nil || !ok {
		return err
	}
	p.marked = true
	it, err := t.scan(p.prefix)
	if err != nil {
		return err
	}
	var kept int64
	for ok := it.First(); ok && kept < t.extent; ok = it.Next() {
		row, n, err := DecodeEntry(it.Value())
		if err != nil {
			return fmt.Errorf("top-n: %w", err)
		}
		p.rows = append(p.rows, topRow{key: bytes.Clone(it.Key()), row: row, m: n, was: n})
		kept += n
	}
	return it.Error()
}

// loadPacked reads a partition's top kept as one entry (layout 4): its
// rows in rank order, each with its multiplicity, in the encoding of a
// view's changes (AppendViewChange).
func (t *TopN) loadPacked(p *topPart) error {
	v, ok, err := t.table.GetAppend(t.buf[:0], p.prefix)
	if err != nil || !ok {
		return err
	}
	t.buf = v
	dec := viewChanges{width: t.n.Input.Schema().Len()}
	err = dec.DecodeChanges(v, func(row types.Row, m int64) {
		row = row.Clone() // the decoder reuses its row
		p.rows = append(p.rows, topRow{key: t.rowKey(nil, p.prefix, row), row: row, m: m, was: m})
	})
	if err != nil {
		return fmt.Errorf("top-n: partition entry %x: %w", p.prefix, err)
	}
	return nil
}

// ranked is the output rows of an append-only partition's rows.
func (t *TopN) ranked(rows []topRow) []types.Row {
	var out []types.Row
	rank := int64(0)
	for _, r := range rows {
		for n := r.m; n > 0 && rank < t.extent; n-- {
			rank++
			if rank <= t.n.Offset {
				continue
			}
			row := r.row
			if t.n.RowNumber {
				row = append(row.Clone(), types.NewInt(rank))
			}
			out = append(out, row)
		}
	}
	return out
}

// store writes what changed in an append-only partition's rows, and
// caches them as stored.
func (t *TopN) store(p *topPart) {
	changed := len(p.dropped) > 0
	for i := range p.rows {
		changed = changed || p.rows[i].m != p.rows[i].was
	}
	switch {
	case t.packed && changed:
		t.buf = t.buf[:0]
		for _, r := range p.rows {
			t.buf, t.scratch = AppendViewChange(t.buf, types.Change{Row: r.row, Diff: types.Diff(r.m)}, t.scratch)
		}
		t.table.Put(p.prefix, t.buf)
	case changed:
		for _, k := range p.dropped {
			t.table.Delete(k)
		}
		for _, r := range p.rows {
			if r.m != r.was {
				t.rows.put(r.key, r.row, r.m)
			}
		}
	}
	size := int64(0)
	for i := range p.rows {
		r := &p.rows[i]
		r.was = r.m
		size += int64(len(r.key)) + entryOverhead + rowBytes(r.row)
	}
	t.cache.put(p.prefix, p.rows, size)
}
