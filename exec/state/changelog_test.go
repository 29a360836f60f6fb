package state

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

// dump lists every key and value of the given tables (relative keys,
// prefixed by the table's index) and metadata records, sorted.
func dump(t *testing.T, st *Store, tables []uint32, meta ...string) []string {
	t.Helper()
	var out []string
	for i, id := range tables {
		it, err := st.Table(id).Iter(nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		for ok := it.First(); ok; ok = it.Next() {
			out = append(out, fmt.Sprintf("%d %x=%x", i, it.Key(), it.Value()))
		}
		if err := it.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range meta {
		if v, ok, err := st.GetMeta(k); err != nil {
			t.Fatal(err)
		} else if ok {
			out = append(out, k+"="+string(v))
		}
	}
	return out
}

// TestChangelogReplay runs random epochs of puts, deletes, range deletions
// (whole tables and key ranges) and metadata writes on one store, turns
// each epoch's writes into changelog records, and replays the records on a
// second store whose tables have other ids: after every epoch the two hold
// the same state. Replaying from any earlier epoch over the later state
// ends in the same state too (a restore that starts too early is
// harmless), and so does replaying only the last record of each key, as a
// compacted changelog keeps (range deletions kept whole).
func TestChangelogReplay(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	src, dst := openMem(t), openMem(t)
	srcTables, dstTables := []uint32{3, 4}, []uint32{8, 9}
	meta := []string{"runtime/position/q", "runtime/watermark/q"}
	type rec struct{ k, v []byte }
	var log []rec
	replay := func(st *Store, recs []rec) {
		txn := st.Begin()
		defer txn.Close()
		for _, r := range recs {
			w, err := DecodeWrite(r.k, r.v)
			if err != nil {
				t.Fatal(err)
			}
			if err := txn.Apply(dstTables, w); err != nil {
				t.Fatal(err)
			}
		}
		if err := txn.Commit(false); err != nil {
			t.Fatal(err)
		}
	}
	txn := src.Begin()
	defer txn.Close()
	key := func() []byte { return []byte{byte(rng.IntN(20))} }
	for epoch := range 200 {
		for range 1 + rng.IntN(12) {
			tb := txn.Table(srcTables[rng.IntN(2)])
			switch r := rng.IntN(20); {
			case r < 12:
				tb.Put(key(), []byte(fmt.Sprint(epoch, r)))
			case r < 16:
				tb.Delete(key())
			case r == 16:
				tb.DeleteRange(nil, nil)
			case r == 17:
				lo, hi := key(), key()
				if bytes.Compare(lo, hi) > 0 {
					lo, hi = hi, lo
				}
				tb.DeleteRange(lo, hi)
			case r == 18:
				txn.PutMeta(meta[rng.IntN(2)], []byte(fmt.Sprint(epoch)))
			default:
				txn.DeleteMeta(meta[rng.IntN(2)])
			}
		}
		var recs []rec
		err := txn.Writes(srcTables, func(w Write) error {
			k, v := EncodeWrite(w)
			recs = append(recs, rec{k, v})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := txn.Commit(false); err != nil {
			t.Fatal(err)
		}
		log = append(log, recs...)
		replay(dst, recs)
		want := dump(t, src, srcTables, meta...)
		if got := dump(t, dst, dstTables, meta...); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("epoch %d: replayed state\n%v\nwant\n%v", epoch, got, want)
		}
	}
	want := dump(t, src, srcTables, meta...)
	replay(dst, log[len(log)/2:])
	if got := dump(t, dst, dstTables, meta...); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("replayed again from the middle:\n%v\nwant\n%v", got, want)
	}
	// Compaction keeps the last record of each key, in log order.
	last := map[string]int{}
	for i, r := range log {
		last[string(r.k)] = i
	}
	var compacted []rec
	for i, r := range log {
		if last[string(r.k)] == i {
			compacted = append(compacted, r)
		}
	}
	fresh := openMem(t)
	replay(fresh, compacted)
	if got := dump(t, fresh, dstTables, meta...); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("compacted changelog replayed on an empty store:\n%v\nwant\n%v", got, want)
	}
}

// TestWritesOutsideTables refuses to put in a changelog a write it could
// not name: to a table that is not the query's.
func TestWritesOutsideTables(t *testing.T) {
	st := openMem(t)
	txn := st.Begin()
	defer txn.Close()
	txn.Table(5).Put([]byte("k"), []byte("v"))
	if err := txn.Writes([]uint32{1, 2}, func(Write) error { return nil }); err == nil {
		t.Fatal("a write to another table was accepted")
	}
	if _, err := DecodeWrite([]byte{'r', 0, 0, 0, 1, 9}, []byte{1}); err == nil {
		t.Fatal("a malformed range record was decoded")
	}
}
