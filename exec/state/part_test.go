package state

import (
	"bytes"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestPartsCommitAll has two tasks write the same keys into their parts of
// one table, each through its own Txn, and the query its position through
// a third: the parts keep their keys apart, a scan of one part sees only
// its keys, nothing is visible before CommitAll, and after a crash the
// store holds all three Txns' writes or none of them.
func TestPartsCommitAll(t *testing.T) {
	fs := vfs.NewCrashableMem()
	st, err := OpenFS(fs, "/db")
	if err != nil {
		t.Fatal(err)
	}
	id, err := st.NextTableID()
	if err != nil {
		t.Fatal(err)
	}
	q, a, b := st.Begin(), st.Begin(), st.Begin()
	ta, tb := a.Part(id, []byte{0, 0}), b.Part(id, []byte{0, 1})
	ta.Put([]byte("k"), []byte("from a"))
	tb.Put([]byte("k"), []byte("from b"))
	tb.Put([]byte("only b"), []byte("b"))
	q.PutMeta("pos", []byte("1"))
	if got := keys(t, ta); got != "k" {
		t.Errorf("part a scans %q, want only its own key", got)
	}
	if _, ok, _ := st.Table(id).Get([]byte{0, 0, 'k'}); ok {
		t.Fatal("a write is visible before the commit")
	}
	if err := st.CommitAll(true, q, a, b); err != nil {
		t.Fatal(err)
	}
	// The next epoch is left unsynced, then lost in a crash.
	ta.Put([]byte("k"), []byte("lost"))
	q.PutMeta("pos", []byte("2"))
	if err := st.CommitAll(false, q, a, b); err != nil {
		t.Fatal(err)
	}
	crashed := fs.CrashClone(vfs.CrashCloneCfg{})
	for _, x := range []*Txn{q, a, b} {
		x.Close()
	}
	st.Close()
	st, err = OpenFS(crashed, "/db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	whole := st.Table(id)
	va, _, _ := whole.Get([]byte{0, 0, 'k'})
	vb, _, _ := whole.Get([]byte{0, 1, 'k'})
	pos, _, _ := st.GetMeta("pos")
	switch string(pos) {
	case "1":
		if string(va) != "from a" || string(vb) != "from b" {
			t.Errorf("position 1 with a=%q b=%q", va, vb)
		}
	case "2":
		if string(va) != "lost" {
			t.Errorf("position 2 without its epoch's write: a=%q", va)
		}
	default:
		t.Errorf("position %q after the crash", pos)
	}
}

// TestCommitAllRefusesOpenIter: an open iterator in any Txn fails the
// commit, and none of the Txns' writes land.
func TestCommitAllRefusesOpenIter(t *testing.T) {
	st := openMem(t)
	a, b := st.Begin(), st.Begin()
	defer a.Close()
	defer b.Close()
	a.PutMeta("x", []byte("1"))
	it, err := b.Part(7, []byte{1}).Iter(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CommitAll(false, a, b); err == nil || !strings.Contains(err.Error(), "open iterators") {
		t.Fatalf("commit with an open iterator: %v", err)
	}
	it.Close()
	if _, ok, _ := st.GetMeta("x"); ok {
		t.Error("a failed commit wrote another Txn's write")
	}
}

func keys(t *testing.T, tab *Table) string {
	t.Helper()
	it, err := tab.Iter(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var out [][]byte
	for ok := it.First(); ok; ok = it.Next() {
		out = append(out, bytes.Clone(it.Key()))
	}
	return string(bytes.Join(out, []byte(",")))
}

// TestCommitAllPointReads: a part's point reads go through an iterator
// kept for the epoch (Table.lookup), which reads the Txn's batch; CommitAll
// must close it before the batch is replaced, as Commit does, so that the
// next epoch's reads see the committed value and the new writes, not a
// released batch.
func TestCommitAllPointReads(t *testing.T) {
	st, err := OpenFS(vfs.NewMem(), "/db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	id, err := st.NextTableID()
	if err != nil {
		t.Fatal(err)
	}
	q, a := st.Begin(), st.Begin()
	defer q.Close()
	defer a.Close()
	ta := a.Part(id, []byte{0, 1})
	for epoch, v := range []string{"one", "two", "three"} {
		if got, ok, err := ta.Get([]byte("k")); err != nil || (epoch > 0) != ok {
			t.Fatalf("epoch %d: get = %q, %v, %v", epoch, got, ok, err)
		}
		ta.Put([]byte("k"), []byte(v))
		if got, _, _ := ta.Get([]byte("k")); string(got) != v {
			t.Fatalf("epoch %d: read %q after writing %q", epoch, got, v)
		}
		if err := st.CommitAll(false, q, a); err != nil {
			t.Fatal(err)
		}
		if len(a.lookups) != 0 {
			t.Fatalf("epoch %d: %d point-read iterators left open over the released batch", epoch, len(a.lookups))
		}
		if got, _, _ := ta.Get([]byte("k")); string(got) != v {
			t.Fatalf("epoch %d: read %q after the commit of %q", epoch, got, v)
		}
	}
}
