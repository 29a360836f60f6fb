package state

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// Write is one write of an epoch, as a changelog carries it: to a state
// table (named by its index in the caller's list of tables, so the record
// means the same on any store) or to a metadata record.
//
// Meta != "" names a metadata record; otherwise Table indexes a state
// table and Key is relative to it. Delete says the key is removed (Value
// nil). Range makes the write a deletion of the table's keys in [Key, End),
// End nil meaning up to the table's end.
type Write struct {
	Table  int
	Meta   string
	Key    []byte
	Value  []byte
	Delete bool
	Range  bool
	End    []byte
}

// Writes calls fn with every write buffered in the epoch, in the order
// they were made: table writes named by the index of their table in
// tables, metadata writes by key. A write to a table not in tables, or to
// a namespace other than tables and metadata, is an error: the caller's
// changelog would otherwise silently miss it. The slices handed to fn are
// valid only during the call.
func (t *Txn) Writes(tables []uint32, fn func(Write) error) error {
	if t.err != nil {
		return t.err
	}
	index := make(map[uint32]int, len(tables))
	for i, id := range tables {
		index[id] = i
	}
	r := t.batch.Reader()
	for {
		kind, k, v, ok, err := r.Next()
		if err != nil {
			return fmt.Errorf("state: read epoch writes: %w", err)
		}
		if !ok {
			return nil
		}
		w, err := writeOf(index, kind, k, v)
		if err != nil {
			return err
		}
		if err := fn(w); err != nil {
			return err
		}
	}
}

func writeOf(index map[uint32]int, kind pebble.InternalKeyKind, k, v []byte) (Write, error) {
	var w Write
	switch {
	case len(k) > 0 && k[0] == nsMeta:
		w.Meta = string(k[1:])
	case len(k) >= 5 && k[0] == nsTable:
		id := binary.BigEndian.Uint32(k[1:5])
		i, ok := index[id]
		if !ok {
			return w, fmt.Errorf("state: epoch writes table %d, which is not the query's", id)
		}
		w.Table, w.Key = i, k[5:]
	default:
		return w, fmt.Errorf("state: epoch writes key %x outside tables and metadata", k)
	}
	switch kind {
	case pebble.InternalKeyKindSet:
		w.Value = v
		if w.Value == nil {
			w.Value = []byte{}
		}
	case pebble.InternalKeyKindDelete, pebble.InternalKeyKindSingleDelete:
		w.Delete = true
	case pebble.InternalKeyKindRangeDelete:
		if w.Meta != "" {
			return w, errors.New("state: range deletion of metadata cannot go to a changelog")
		}
		w.Delete, w.Range = true, true
		// The end is inside the table, or the next table's prefix (a
		// deletion to the table's end).
		if len(v) > 5 && v[0] == nsTable && bytes.Equal(v[1:5], k[1:5]) {
			w.End = v[5:]
		}
	default:
		return w, fmt.Errorf("state: epoch write of kind %v cannot go to a changelog", kind)
	}
	return w, nil
}

// Apply makes w, read back from a changelog, a write of this epoch, with
// tables naming the state tables its Table indexes.
func (t *Txn) Apply(tables []uint32, w Write) error {
	if w.Meta != "" {
		if w.Delete {
			t.DeleteMeta(w.Meta)
		} else {
			t.PutMeta(w.Meta, w.Value)
		}
		return t.err
	}
	if w.Table < 0 || w.Table >= len(tables) {
		return fmt.Errorf("state: changelog names state table %d of %d", w.Table, len(tables))
	}
	tb := t.Table(tables[w.Table])
	switch {
	case w.Range:
		tb.DeleteRange(w.Key, w.End)
	case w.Delete:
		tb.Delete(w.Key)
	default:
		tb.Put(w.Key, w.Value)
	}
	return t.err
}

// ClearTables deletes every row of the given tables and the metadata
// records under the given keys, as part of this epoch's commit: a query
// whose state is rebuilt from scratch starts from nothing.
func (t *Txn) ClearTables(tables []uint32, meta ...string) {
	for _, id := range tables {
		t.DropTable(id)
	}
	for _, k := range meta {
		t.DeleteMeta(k)
	}
}

var sysStoreID = []byte{nsSystem, 's', 't', 'o', 'r', 'e', '-', 'i', 'd'}

// ID returns the store's identity: random, made when the store is first
// asked, and kept for its life. Names the store gives to things outside it
// (changelog topics, transactional ids on a shared Kafka cluster) include
// it, so two stores never take each other's.
func (s *Store) ID() (string, error) {
	s.idMu.Lock()
	defer s.idMu.Unlock()
	v, ok, err := get(s.db, sysStoreID, nil)
	if err != nil {
		return "", fmt.Errorf("state: read store id: %w", err)
	}
	if ok {
		return string(v), nil
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	if err := s.db.Set(sysStoreID, []byte(id), pebble.Sync); err != nil {
		return "", fmt.Errorf("state: persist store id: %w", err)
	}
	return id, nil
}

// EncodeWrite turns w into a changelog record's key and value. The key
// names what is written (so a compacted changelog keeps the last write of
// each), the value is the written value; a deleted key's value is nil, a
// tombstone. A range deletion is a record of its own whose key names the
// range and whose value is not empty: compaction must keep it for as long
// as the writes before it that it deletes.
//
//	'm' <meta key>                                  metadata record
//	't' <table index, uint32 BE> <key>              state table row
//	'r' <table index> <uvarint len(start)> <start>  range deletion,
//	    <0 | 1 end>                                 to the table's end or to end
func EncodeWrite(w Write) (key, value []byte) {
	switch {
	case w.Meta != "":
		key = append([]byte{'m'}, w.Meta...)
	case w.Range:
		key = binary.BigEndian.AppendUint32([]byte{'r'}, uint32(w.Table))
		key = binary.AppendUvarint(key, uint64(len(w.Key)))
		key = append(key, w.Key...)
		if w.End == nil {
			return append(key, 0), []byte{1}
		}
		return append(append(key, 1), w.End...), []byte{1}
	default:
		key = binary.BigEndian.AppendUint32([]byte{'t'}, uint32(w.Table))
		key = append(key, w.Key...)
	}
	if w.Delete {
		return key, nil
	}
	return key, append([]byte{}, w.Value...)
}

// DecodeWrite reads back a changelog record made by EncodeWrite.
func DecodeWrite(key, value []byte) (Write, error) {
	bad := fmt.Errorf("state: malformed changelog key %x", key)
	if len(key) == 0 {
		return Write{}, bad
	}
	switch key[0] {
	case 'm':
		if len(key) == 1 {
			return Write{}, bad
		}
		return Write{Meta: string(key[1:]), Value: value, Delete: value == nil}, nil
	case 't':
		if len(key) < 5 {
			return Write{}, bad
		}
		return Write{Table: int(binary.BigEndian.Uint32(key[1:5])), Key: key[5:], Value: value, Delete: value == nil}, nil
	case 'r':
		if len(key) < 5 {
			return Write{}, bad
		}
		w := Write{Table: int(binary.BigEndian.Uint32(key[1:5])), Delete: true, Range: true}
		n, k := binary.Uvarint(key[5:])
		rest := key[5:]
		if k <= 0 || uint64(len(rest)-k) < n+1 {
			return Write{}, bad
		}
		rest = rest[k:]
		w.Key, rest = rest[:n], rest[n:]
		if rest[0] == 1 {
			w.End = rest[1:]
		}
		return w, nil
	}
	return Write{}, bad
}
