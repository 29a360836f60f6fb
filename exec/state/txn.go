package state

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// Txn buffers one query task's writes for the current epoch and commits
// them atomically: state tables, source positions and metadata together.
//
// Contract:
//   - A Txn, the Tables it returns and their Iters are used by one goroutine
//     at a time (the query task's). Different Txns may commit concurrently.
//   - Reads through the Txn and its Tables see the store's committed data
//     overlaid with this epoch's pending writes (read-your-writes).
//   - Writes copy their arguments; callers may reuse their buffers at once.
//   - Commit and Abort end the epoch and start the next one on the same Txn;
//     Tables obtained earlier stay valid. Every Iter must be closed before
//     Commit or Abort (they would otherwise read a released buffer), and
//     Commit refuses to run while one is open.
//   - Close releases the Txn, discarding pending writes. Nothing may be
//     called on it afterwards.
type Txn struct {
	s     *Store
	batch *pebble.Batch
	open  []*Iter // Iters over batch not yet closed
	// lookups are the tables whose point-read iterator is open.
	lookups []*Table
	err     error // first write error of the epoch, returned by Commit
	// wrote is how many bytes the epoch's batch held when it committed
	// (a committed batch's bytes are Pebble's): the next one's size.
	wrote int
	buf   []byte
}

// Table returns table id as seen by this Txn. Operators call it once, when
// they open, and keep the *Table for the Txn's life.
func (t *Txn) Table(id uint32) *Table {
	return &Table{id: id, prefix: tablePrefix(id), s: t.s, txn: t}
}

// PutMeta stores a metadata record as part of this epoch's commit.
func (t *Txn) PutMeta(key string, val []byte) {
	t.buf = metaKey(t.buf[:0], key)
	t.noteErr(t.batch.Set(t.buf, val, nil))
}

// DeleteMeta deletes a metadata record as part of this epoch's commit.
func (t *Txn) DeleteMeta(key string) {
	t.buf = metaKey(t.buf[:0], key)
	t.noteErr(t.batch.Delete(t.buf, nil))
}

// GetMeta reads a metadata record, seeing this epoch's pending writes.
func (t *Txn) GetMeta(key string) ([]byte, bool, error) {
	t.buf = metaKey(t.buf[:0], key)
	return get(t.batch, t.buf, nil)
}

// ScanMeta is Store.ScanMeta seeing this epoch's pending writes.
func (t *Txn) ScanMeta(prefix string, fn func(key string, val []byte) error) error {
	return scanMeta(t.batch, prefix, fn)
}

// PutPosition records that query's source partition part has reached pos,
// as part of this epoch's commit: after a crash the query resumes there.
func (t *Txn) PutPosition(query, part string, pos []byte) {
	t.buf = posKey(t.buf[:0], query, part)
	t.noteErr(t.batch.Set(t.buf, pos, nil))
}

// Positions is Store.Positions seeing this epoch's pending writes.
func (t *Txn) Positions(query string) ([]Position, error) {
	return positions(t.batch, query)
}

// DropTable deletes every row of table id as part of this epoch's commit.
func (t *Txn) DropTable(id uint32) {
	p := tablePrefix(id)
	t.noteErr(t.batch.DeleteRange(p, prefixEnd(p), nil))
}

// Pending returns the number of writes buffered in this epoch, and their
// size in bytes, for callers that end an epoch early when it grows large.
func (t *Txn) Pending() (writes int, bytes int) {
	return int(t.batch.Count()), t.batch.Len()
}

// Commit applies every write of the epoch atomically and starts the next
// epoch. With sync, it returns only once the commit is durable; without,
// a crash may lose it (but never part of it). If Commit fails the epoch's
// writes are discarded and the store holds the previous commit: the query
// must restart from there.
func (t *Txn) Commit(sync bool) error {
	if len(t.open) > 0 {
		return fmt.Errorf("state: commit with %d open iterators", len(t.open))
	}
	err := t.closeLookups()
	if err == nil {
		err = t.err
	}
	if err == nil && !t.batch.Empty() {
		opts := pebble.NoSync
		if sync {
			opts = pebble.Sync
		}
		t.wrote = len(t.batch.Repr())
		err = t.batch.Commit(opts)
	}
	t.next()
	if err != nil {
		return fmt.Errorf("state: commit: %w", err)
	}
	return nil
}

// Abort discards the epoch's writes and starts the next epoch from the last
// commit. Operators must drop any caches built from the discarded writes.
// Iters still open are closed (and should not have been left open).
func (t *Txn) Abort() {
	t.closeIters()
	_ = t.closeLookups()
	t.next()
}

// Close discards pending writes and releases the Txn.
func (t *Txn) Close() error {
	if t.batch == nil {
		return errors.New("state: txn closed twice")
	}
	t.closeIters()
	lerr := t.closeLookups()
	err := t.batch.Close()
	t.batch = nil
	return errors.Join(err, lerr)
}

// closeLookups closes the tables' point-read iterators, which read the
// batch the epoch's end releases.
func (t *Txn) closeLookups() error {
	var errs []error
	for _, tb := range t.lookups {
		errs = append(errs, tb.closeLookup())
	}
	t.lookups = t.lookups[:0]
	return errors.Join(errs...)
}

func (t *Txn) closeIters() {
	for len(t.open) > 0 {
		_ = t.open[len(t.open)-1].Close()
	}
}

// forget drops a closed Iter from the open list.
func (t *Txn) forget(i *Iter) {
	for j, o := range t.open {
		if o == i {
			t.open = append(t.open[:j], t.open[j+1:]...)
			return
		}
	}
}

// next replaces the batch with a fresh one. A new batch rather than Reset:
// Pebble may still hold a committed batch's buffer (WAL failover), and a
// closed batch goes back to Pebble's pool.
//
// The new batch starts half again as large as the last one committed, up
// to maxBatchHint: an epoch writes about what the one before it wrote, and
// a batch grown by doubling copied itself over and over (2–3% of Nexmark
// q9's profile).
func (t *Txn) next() {
	// Half again as large: an epoch that writes a little more than the
	// last would otherwise copy it all once more.
	size := min(t.wrote*3/2, maxBatchHint)
	t.wrote = 0
	_ = t.batch.Close()
	t.batch = t.s.db.NewIndexedBatchWithSize(size)
	t.err = nil
}

// maxBatchHint bounds the size a new batch starts at.
const maxBatchHint = 16 << 20

func (t *Txn) noteErr(err error) {
	if err != nil && t.err == nil {
		t.err = err
	}
}
