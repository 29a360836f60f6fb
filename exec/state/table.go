package state

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"riffle/sql/types"
)

// Table is one state table: the keys under one table id. Keys passed to
// and returned by a Table are relative to it (the table prefix is added and
// stripped here). A Table from Txn.Table reads committed data overlaid with
// the Txn's pending writes and writes into the Txn; a Table from
// Store.Table is a read-only view of committed data. A Table keeps a
// scratch buffer, so one Table value is used by one goroutine at a time;
// other goroutines take their own from Store.Table.
type Table struct {
	id     uint32
	prefix []byte
	s      *Store
	txn    *Txn // nil for a read-only view
	buf    []byte
	// look is the iterator point reads go through, made at the epoch's
	// first read and closed by the Txn when the epoch ends; lookLen is the
	// batch's length when it last saw the batch (see lookup).
	look    *pebble.Iterator
	lookLen int
}

// ID returns the table's id.
func (t *Table) ID() uint32 { return t.id }

func (t *Table) reader() pebble.Reader {
	if t.txn != nil {
		return t.txn.batch
	}
	return t.s.db
}

func (t *Table) key(k []byte) []byte {
	t.buf = append(append(t.buf[:0], t.prefix...), k...)
	return t.buf
}

func (t *Table) writer() *Txn {
	if t.txn == nil {
		panic(fmt.Sprintf("state: write to read-only view of table %d", t.id))
	}
	return t.txn
}

// Get returns a copy of the value stored under key, and whether there is
// one.
func (t *Table) Get(key []byte) ([]byte, bool, error) {
	return t.GetAppend(nil, key)
}

// GetAppend is Get appending the value to dst[:0], to reuse a buffer.
func (t *Table) GetAppend(dst, key []byte) ([]byte, bool, error) {
	v, ok, err := t.lookup(key)
	if err != nil || !ok {
		return nil, false, err
	}
	dst = append(dst[:0], v...)
	if dst == nil {
		dst = []byte{} // found but empty: non-nil, so callers can tell
	}
	return dst, true, nil
}

// Has reports whether a value is stored under key.
func (t *Table) Has(key []byte) (bool, error) {
	_, ok, err := t.lookup(key)
	return ok, err
}

// GetRow decodes the row stored under key (written with AppendRow) into
// into, without copying the encoded bytes first.
func (t *Table) GetRow(key []byte, into types.Row) (types.Row, bool, error) {
	v, ok, err := t.lookup(key)
	if err != nil || !ok {
		return into[:0], false, err
	}
	r, err := DecodeRow(v, into)
	if err != nil {
		return r, false, fmt.Errorf("state: table %d key %x: %w", t.id, key, err)
	}
	return r, true, nil
}

// lookOptions are the options of the point-read iterators. Bloom filters
// are consulted at every level, the last included: Pebble's own Get skips
// the last level's filters, and riffle's state mostly lives there (a
// store of a few hundred MiB has all its tables in it), so every lookup of
// a key that is not there — a join storing a new row, a new group — read
// a data block from disk (Nexmark q7 spent 30% of its time so).
var lookOptions = pebble.IterOptions{UseL6Filters: true}

// lookup returns the value stored under key, valid until the table's next
// read or the end of the epoch. Reads through a Txn go through one
// iterator per table, kept for the epoch and refreshed when the batch has
// had writes since, and a prefix seek (the whole key being its own
// prefix), which is what lets the Bloom filters answer.
func (t *Table) lookup(key []byte) ([]byte, bool, error) {
	if t.txn == nil {
		v, closer, err := t.s.db.Get(t.key(key))
		if errors.Is(err, pebble.ErrNotFound) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("state: table %d get: %w", t.id, err)
		}
		v = bytes.Clone(v)
		return v, true, closer.Close()
	}
	if t.look == nil {
		it, err := t.txn.batch.NewIter(&lookOptions)
		if err != nil {
			return nil, false, fmt.Errorf("state: table %d get: %w", t.id, err)
		}
		t.look, t.lookLen = it, t.txn.batch.Len()
		t.txn.lookups = append(t.txn.lookups, t)
	} else if n := t.txn.batch.Len(); n != t.lookLen {
		// The batch has had writes since: the iterator sees them only once
		// told (cheap when the batch holds no range deletions).
		t.look.SetOptions(&lookOptions)
		t.lookLen = n
	}
	k := t.key(key)
	if !t.look.SeekPrefixGE(k) || !bytes.Equal(t.look.Key(), k) {
		if err := t.look.Error(); err != nil {
			return nil, false, fmt.Errorf("state: table %d get: %w", t.id, err)
		}
		return nil, false, nil
	}
	v, err := t.look.ValueAndErr()
	if err != nil {
		return nil, false, fmt.Errorf("state: table %d get: %w", t.id, err)
	}
	return v, true, nil
}

// closeLookup closes the point-read iterator, at the end of an epoch.
func (t *Table) closeLookup() error {
	if t.look == nil {
		return nil
	}
	err := t.look.Close()
	t.look = nil
	return err
}

// Put stores value under key in this epoch.
func (t *Table) Put(key, value []byte) {
	w := t.writer()
	w.noteErr(w.batch.Set(t.key(key), value, nil))
}

// Delete removes key in this epoch.
func (t *Table) Delete(key []byte) {
	w := t.writer()
	w.noteErr(w.batch.Delete(t.key(key), nil))
}

// DeleteRange removes every key in [start, end) in this epoch. A nil start
// means the table's first key and a nil end the table's end, so
// DeleteRange(nil, nil) empties the table (window cleanup by time prefix
// passes the window's key bounds).
func (t *Table) DeleteRange(start, end []byte) {
	w := t.writer()
	lo, hi := t.bounds(start, end)
	w.noteErr(w.batch.DeleteRange(lo, hi, nil))
}

// DeletePrefix removes every key that starts with prefix in this epoch,
// key by key. An operator that drops one key's state at a time (a fired
// group, a closed session) uses it rather than DeleteRange: every read of
// an epoch's batch re-sorts the range deletions the batch holds, so
// thousands of them made the epoch's later reads quadratic (Nexmark q5 and
// q11 did not finish).
func (t *Table) DeletePrefix(prefix []byte) error {
	it, err := t.Scan(prefix)
	if err != nil {
		return err
	}
	var keys [][]byte
	for ok := it.First(); ok; ok = it.Next() {
		keys = append(keys, bytes.Clone(it.Key()))
	}
	if err := it.Close(); err != nil {
		return err
	}
	for _, k := range keys {
		t.Delete(k)
	}
	return nil
}

// Iter returns an iterator over the keys in [lower, upper), nil meaning
// unbounded within the table, unpositioned. It sees the Txn's writes made
// before it was created, not later ones. The caller must Close it, and
// before the Txn's Commit or Abort.
func (t *Table) Iter(lower, upper []byte) (*Iter, error) {
	lo, hi := t.bounds(lower, upper)
	it, err := t.reader().NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return nil, fmt.Errorf("state: table %d iter: %w", t.id, err)
	}
	i := &Iter{it: it, prefix: t.prefix, txn: t.txn}
	if t.txn != nil {
		t.txn.open = append(t.txn.open, i)
	}
	return i, nil
}

// Scan returns an iterator over the keys that start with prefix.
func (t *Table) Scan(prefix []byte) (*Iter, error) {
	if len(prefix) == 0 {
		return t.Iter(nil, nil)
	}
	return t.Iter(prefix, prefixEnd(prefix))
}

// bounds turns table-relative bounds into fresh absolute keys (Pebble keeps
// referring to iterator bounds, so they must not be t.buf).
func (t *Table) bounds(lower, upper []byte) ([]byte, []byte) {
	lo := append(append([]byte{}, t.prefix...), lower...)
	var hi []byte
	if upper == nil {
		hi = prefixEnd(t.prefix)
	} else {
		hi = append(append([]byte{}, t.prefix...), upper...)
	}
	return lo, hi
}

// Iter walks a table's keys in order. Its methods follow Pebble's iterator:
// the positioning methods return whether the iterator is at a key; Key and
// Value are valid until the next positioning call and must be copied to be
// kept. An Iter is used by its Txn's goroutine only.
type Iter struct {
	it     *pebble.Iterator
	prefix []byte
	seek   []byte // scratch for absolute seek keys (Pebble copies them)
	// Rescan's bounds: the pair in use (lo2, hi2) and the pair to fill next.
	lo, hi, lo2, hi2 []byte
	txn              *Txn
	closed           bool
}

// First moves to the first key.
func (i *Iter) First() bool { return i.it.First() }

// Last moves to the last key.
func (i *Iter) Last() bool { return i.it.Last() }

// Next moves to the next key.
func (i *Iter) Next() bool { return i.it.Next() }

// Prev moves to the previous key.
func (i *Iter) Prev() bool { return i.it.Prev() }

// SeekGE moves to the first key at or after key.
func (i *Iter) SeekGE(key []byte) bool { return i.it.SeekGE(i.abs(key)) }

// SeekLT moves to the last key before key.
func (i *Iter) SeekLT(key []byte) bool { return i.it.SeekLT(i.abs(key)) }

// Valid reports whether the iterator is at a key.
func (i *Iter) Valid() bool { return i.it.Valid() }

// Key returns the current key, relative to the table.
func (i *Iter) Key() []byte { return i.it.Key()[len(i.prefix):] }

// Value returns the current value.
func (i *Iter) Value() []byte { return i.it.Value() }

// Rescan moves the iterator to the keys that start with prefix and
// refreshes its view of the Txn's writes, so one iterator can serve many
// lookups (creating one per lookup costs more than the lookup). Like a new
// Iter it sees the writes made before the call, and is unpositioned.
func (i *Iter) Rescan(prefix []byte) {
	i.lo = append(append(i.lo[:0], i.prefix...), prefix...)
	if len(prefix) == 0 {
		i.hi = append(i.hi[:0], prefixEnd(i.prefix)...)
	} else {
		i.hi = append(i.hi[:0], prefixEnd(i.lo)...)
	}
	// Pebble keeps referring to the bounds until they are replaced, so
	// they alternate between two pairs of buffers.
	i.lo, i.hi, i.lo2, i.hi2 = i.lo2, i.hi2, i.lo, i.hi
	i.it.SetOptions(&pebble.IterOptions{LowerBound: i.lo2, UpperBound: i.hi2})
}

// Error returns the error that stopped iteration, if any: a positioning
// method returning false means the end or an error, and only Error tells.
func (i *Iter) Error() error { return i.it.Error() }

// Close releases the iterator and returns its error, if any. Closing twice
// is harmless.
func (i *Iter) Close() error {
	if i.closed {
		return nil
	}
	i.closed = true
	if i.txn != nil {
		i.txn.forget(i)
	}
	return i.it.Close()
}

func (i *Iter) abs(key []byte) []byte {
	i.seek = append(append(i.seek[:0], i.prefix...), key...)
	return i.seek
}
