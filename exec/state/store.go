package state

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"

	"riffle/sql/types"
)

// Namespaces: the first byte of every Pebble key (see doc.go).
const (
	nsSystem = 0x00
	nsMeta   = 0x01
	nsPos    = 0x02
	nsTable  = 0x10
)

// formatVersion is the layout of keys and values this code writes. A store
// written by a later layout is refused rather than misread.
const formatVersion = 1

var (
	sysFormat  = []byte{nsSystem, 'f', 'o', 'r', 'm', 'a', 't'}
	sysTableID = []byte{nsSystem, 't', 'a', 'b', 'l', 'e', '-', 'i', 'd'}
)

// Store is riffle's state database: one Pebble DB holding every query's
// state tables, source positions and the catalog's metadata. It is safe for
// concurrent use; see the package comment for the contract of the Txns it
// hands out.
type Store struct {
	db *pebble.DB

	idMu sync.Mutex // serializes NextTableID's read-modify-write
}

// Option configures Open.
type Option func(*pebble.Options)

// WithFS makes the store use fs instead of the operating system's files
// (vfs.NewMem for tests, vfs.NewCrashableMem for crash tests).
func WithFS(fs vfs.FS) Option { return func(o *pebble.Options) { o.FS = fs } }

// WithCacheSize sets the size in bytes of Pebble's block cache.
func WithCacheSize(n int64) Option {
	return func(o *pebble.Options) { o.CacheSize = n }
}

// WithPebbleOptions gives direct access to Pebble's options, for tuning
// that riffle has no named option for yet.
func WithPebbleOptions(f func(*pebble.Options)) Option { return Option(f) }

// Open opens (creating if needed) the store in directory dir.
func Open(dir string, opts ...Option) (*Store, error) {
	o := &pebble.Options{
		FormatMajorVersion: pebble.FormatNewest,
		Logger:             quietLogger{},
		// Pebble's default 8 MiB cannot hold the index and filter blocks
		// of a few million keys, and every lookup then reads them from
		// disk: a join ran 3.6 times slower with it (BenchmarkJoinTwoStreams).
		CacheSize: 64 << 20,
		// Operators write keys all over their tables (a join's bids by
		// auction, an aggregate's values by group), so every file flushed
		// to level 0 overlaps most of the base level, and compacting after
		// Pebble's default of 4 files rewrote the whole base level that
		// often: for Nexmark q16 it wrote 13 bytes into the base level
		// for each byte that entered it. Sixteen rewrite it a quarter as
		// often (q7, q9 and q20 ran 10–20% faster
		// per CPU second, q16 the same); reads look at more level-0 files,
		// which the Bloom filters below mostly answer.
		L0CompactionThreshold: 16,
		L0StopWritesThreshold: 64,
	}
	// Operators look up keys that often do not exist yet (a join probing
	// for a first match, a new group): a Bloom filter per table answers
	// those without reading data blocks (Table.lookup has them consulted
	// in the last level too).
	for i := range o.Levels {
		o.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	for _, opt := range opts {
		opt(o)
	}
	db, err := pebble.Open(dir, o)
	if err != nil {
		return nil, fmt.Errorf("state: open %s: %w", dir, err)
	}
	s := &Store{db: db}
	if err := s.checkFormat(); err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

// OpenFS opens the store in directory dir of fs.
func OpenFS(fs vfs.FS, dir string, opts ...Option) (*Store, error) {
	return Open(dir, append([]Option{WithFS(fs)}, opts...)...)
}

// quietLogger drops Pebble's informational messages, which are about its
// own housekeeping, and keeps its errors.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any) {}
func (quietLogger) Errorf(format string, args ...any) {
	pebble.DefaultLogger.Errorf(format, args...)
}
func (quietLogger) Fatalf(format string, args ...any) {
	pebble.DefaultLogger.Fatalf(format, args...)
}

func (s *Store) checkFormat() error {
	v, ok, err := get(s.db, sysFormat, nil)
	if err != nil {
		return fmt.Errorf("state: read format version: %w", err)
	}
	if !ok {
		return s.db.Set(sysFormat, []byte{formatVersion}, pebble.Sync)
	}
	if len(v) != 1 || v[0] != formatVersion {
		return fmt.Errorf("state: store has format version %x; this riffle reads version %d", v, formatVersion)
	}
	return nil
}

// Close closes the store. Every Txn must be closed and every Iter of a
// read-only table view must be closed first.
func (s *Store) Close() error {
	return s.db.Close()
}

// Begin starts the first epoch of a new Txn. The Txn is for one goroutine
// (a query task), and lives as long as the task: Commit and Abort end an
// epoch and start the next; Close releases it.
func (s *Store) Begin() *Txn {
	return &Txn{s: s, batch: s.db.NewIndexedBatch()}
}

// Table returns a read-only view of the committed contents of table id,
// for readers outside the query that writes it (serving a materialized
// view). Reads see each commit as it lands. Writing through the view is a
// programming error and panics.
func (s *Store) Table(id uint32) *Table {
	return &Table{id: id, prefix: tablePrefix(id), s: s}
}

// NextTableID allocates a new state table id, never returned before by this
// store, and persists the allocation durably before returning it. Ids start
// at 1.
func (s *Store) NextTableID() (uint32, error) {
	s.idMu.Lock()
	defer s.idMu.Unlock()
	v, ok, err := get(s.db, sysTableID, nil)
	if err != nil {
		return 0, fmt.Errorf("state: read table id counter: %w", err)
	}
	var last uint32
	if ok {
		if len(v) != 4 {
			return 0, fmt.Errorf("state: corrupt table id counter %x", v)
		}
		last = binary.BigEndian.Uint32(v)
	}
	if last == math.MaxUint32 {
		return 0, errors.New("state: table ids exhausted")
	}
	next := last + 1
	if err := s.db.Set(sysTableID, binary.BigEndian.AppendUint32(nil, next), pebble.Sync); err != nil {
		return 0, fmt.Errorf("state: persist table id counter: %w", err)
	}
	return next, nil
}

// DropTable deletes every row of table id, durably. The id stays retired.
func (s *Store) DropTable(id uint32) error {
	p := tablePrefix(id)
	if err := s.db.DeleteRange(p, prefixEnd(p), pebble.Sync); err != nil {
		return fmt.Errorf("state: drop table %d: %w", id, err)
	}
	return nil
}

// GetMeta returns the committed metadata record stored under key.
func (s *Store) GetMeta(key string) ([]byte, bool, error) {
	return get(s.db, metaKey(nil, key), nil)
}

// PutMeta stores a metadata record durably, on its own. To store one
// atomically with state, use Txn.PutMeta.
func (s *Store) PutMeta(key string, val []byte) error {
	if err := s.db.Set(metaKey(nil, key), val, pebble.Sync); err != nil {
		return fmt.Errorf("state: put meta %q: %w", key, err)
	}
	return nil
}

// DeleteMeta deletes a metadata record durably, on its own.
func (s *Store) DeleteMeta(key string) error {
	if err := s.db.Delete(metaKey(nil, key), pebble.Sync); err != nil {
		return fmt.Errorf("state: delete meta %q: %w", key, err)
	}
	return nil
}

// ScanMeta calls fn for every committed metadata record whose key starts
// with prefix, in key order, until fn returns an error. val is valid only
// during the call.
func (s *Store) ScanMeta(prefix string, fn func(key string, val []byte) error) error {
	return scanMeta(s.db, prefix, fn)
}

// Position is how far one source partition of a query has been committed.
// Part names the partition (e.g. "topic/3"); Pos is the source's own
// encoding of its position (e.g. the next offset).
type Position struct {
	Part string
	Pos  []byte
}

// Positions returns the committed positions of query's sources, sorted by
// Part. A query that never committed has none.
func (s *Store) Positions(query string) ([]Position, error) {
	return positions(s.db, query)
}

// DeletePositions forgets every position of query, durably (DROP of the
// query).
func (s *Store) DeletePositions(query string) error {
	p := posKey(nil, query, "")
	if err := s.db.DeleteRange(p, prefixEnd(p), pebble.Sync); err != nil {
		return fmt.Errorf("state: delete positions of %q: %w", query, err)
	}
	return nil
}

// get reads key from r, copying the value into dst[:0].
func get(r pebble.Reader, key, dst []byte) ([]byte, bool, error) {
	v, closer, err := r.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	dst = append(dst[:0], v...)
	if dst == nil {
		dst = []byte{} // found but empty: non-nil, so callers can tell
	}
	return dst, true, closer.Close()
}

func scanMeta(r pebble.Reader, prefix string, fn func(key string, val []byte) error) error {
	lower := metaKey(nil, prefix)
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: prefixEnd(lower)})
	if err != nil {
		return fmt.Errorf("state: scan meta %q: %w", prefix, err)
	}
	for ok := it.First(); ok; ok = it.Next() {
		if err := fn(string(it.Key()[1:]), it.Value()); err != nil {
			_ = it.Close()
			return err
		}
	}
	return it.Close()
}

func positions(r pebble.Reader, query string) ([]Position, error) {
	lower := posKey(nil, query, "")
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: prefixEnd(lower)})
	if err != nil {
		return nil, fmt.Errorf("state: read positions of %q: %w", query, err)
	}
	var out []Position
	for ok := it.First(); ok; ok = it.Next() {
		out = append(out, Position{
			Part: string(it.Key()[len(lower):]),
			Pos:  bytes.Clone(it.Value()),
		})
	}
	return out, it.Close()
}

func tablePrefix(id uint32) []byte {
	return binary.BigEndian.AppendUint32([]byte{nsTable}, id)
}

func metaKey(dst []byte, key string) []byte {
	return append(append(dst, nsMeta), key...)
}

// posKey is nsPos, then the query name key-encoded (escaped and terminated,
// so no query's positions are a prefix of another's), then the partition.
func posKey(dst []byte, query, part string) []byte {
	dst = AppendKey(append(dst, nsPos), types.NewString(query))
	return append(dst, part...)
}

// prefixEnd returns the smallest key above every key that starts with p:
// p with its last byte below 0xFF incremented and the rest cut off. Every p
// here starts with a namespace byte below 0xFF, so one always exists.
func prefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] != 0xFF {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
