package state

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// Parallel queries. A query run as several tasks gives each task a Txn of
// its own (a Txn belongs to one goroutine), and each task's copy of a
// stateful operator its own part of the operator's tables (Part): the
// task's keys live under a prefix of its own inside the table, so a scan
// of the whole table by one task (a window firing, a TTL sweep) sees only
// its keys. At the end of an epoch CommitAll commits every task's writes
// and the query's own (positions, watermarks) in one atomic batch, as one
// Txn's Commit would.
//
// A part's prefix is part of the keys as the table sees them: Txn.Writes
// lists them with it and Txn.Apply writes them back with it, so a query's
// changelog restores each task's part where it was.

// Part returns table id as seen by this Txn, restricted to the keys that
// start with part: keys passed to and returned by the Table are relative
// to the part. A nil part is the whole table (Txn.Table).
func (t *Txn) Part(id uint32, part []byte) *Table {
	return &Table{id: id, prefix: append(tablePrefix(id), part...), s: t.s, txn: t}
}

// CommitAll commits the epoch's writes of every Txn in txns atomically,
// as one Pebble batch, and starts the next epoch on each (see
// Txn.Commit). The Txns must belong to the store and have no open
// iterators; their writes must not overlap (each task writes its own
// parts), since the order in which they apply is not defined. If it fails,
// no Txn's writes are committed; as with Commit, the query must restart
// from the last commit.
func (s *Store) CommitAll(sync bool, txns ...*Txn) error {
	for _, t := range txns {
		if t.s != s {
			return errors.New("state: commit of a Txn of another store")
		}
		if len(t.open) > 0 {
			return fmt.Errorf("state: commit with %d open iterators", len(t.open))
		}
	}
	defer func() {
		for _, t := range txns {
			t.next()
		}
	}()
	for _, t := range txns {
		// The tables' point-read iterators read the batch that next
		// releases.
		if err := t.closeLookups(); err != nil {
			return fmt.Errorf("state: commit: %w", err)
		}
	}
	for _, t := range txns {
		if t.err != nil {
			return fmt.Errorf("state: commit: %w", t.err)
		}
	}
	// The other batches go into the largest, which commits: copying the
	// small ones (the query's positions) costs little.
	var base *Txn
	for _, t := range txns {
		if !t.batch.Empty() && (base == nil || t.batch.Len() > base.batch.Len()) {
			base = t
		}
	}
	if base == nil {
		return nil
	}
	for _, t := range txns {
		t.wrote = len(t.batch.Repr())
		if t == base || t.batch.Empty() {
			continue
		}
		if err := base.batch.Apply(t.batch, nil); err != nil {
			return fmt.Errorf("state: commit: %w", err)
		}
	}
	opts := pebble.NoSync
	if sync {
		opts = pebble.Sync
	}
	if err := base.batch.Commit(opts); err != nil {
		return fmt.Errorf("state: commit: %w", err)
	}
	return nil
}
