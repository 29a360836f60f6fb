package state

import (
	"encoding/binary"
	"fmt"
	"math/rand"
	randv2 "math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"riffle/sql/types"
)

func openMem(t testing.TB) *Store {
	t.Helper()
	st, err := OpenFS(vfs.NewMem(), "/db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// TestCrashAtomicity runs epochs that each write state, a counter and a
// source position, crashes at random moments keeping a random part of the
// unsynced bytes, and checks after every restart that the store holds
// exactly some whole prefix of the epochs, at least up to the last synced
// one: state and position always agree.
func TestCrashAtomicity(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	fs := vfs.NewCrashableMem()
	st, err := OpenFS(fs, "/db")
	if err != nil {
		t.Fatal(err)
	}
	crashRNG := randv2.New(randv2.NewPCG(7, 7))
	synced := 0
	for round := 0; round < 25; round++ {
		epoch := recoveredEpoch(t, st)
		if epoch < synced {
			t.Fatalf("round %d: recovered epoch %d, but %d was synced", round, epoch, synced)
		}
		t.Logf("round %d: recovered epoch %d (synced %d)", round, epoch, synced)
		synced = epoch
		txn := st.Begin()
		tbl := txn.Table(1)
		for n := rng.Intn(20); n > 0; n-- {
			epoch++
			for i := 0; i < 50; i++ {
				tbl.Put([]byte(fmt.Sprintf("e%06d/%02d", epoch, i)), []byte(strings.Repeat("v", rng.Intn(200))))
			}
			tbl.Put([]byte("count"), binary.BigEndian.AppendUint64(nil, uint64(epoch)))
			txn.PutPosition("q", "src/0", binary.BigEndian.AppendUint64(nil, uint64(epoch)))
			sync := rng.Intn(4) == 0
			if err := txn.Commit(sync); err != nil {
				t.Fatal(err)
			}
			if sync {
				synced = epoch
			}
		}
		crashed := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: []int{0, 30, 90, 100}[rng.Intn(4)], RNG: crashRNG})
		_ = txn.Close()
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		fs = crashed
		if st, err = OpenFS(fs, "/db"); err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
	}
	_ = st.Close()
}

// recoveredEpoch checks that the store is a whole prefix of epochs and
// returns its length.
func recoveredEpoch(t *testing.T, st *Store) int {
	t.Helper()
	tbl := st.Table(1)
	v, ok, err := tbl.Get([]byte("count"))
	if err != nil {
		t.Fatal(err)
	}
	epoch := 0
	if ok {
		epoch = int(binary.BigEndian.Uint64(v))
	}
	ps, err := st.Positions("q")
	if err != nil {
		t.Fatal(err)
	}
	if (len(ps) == 0) != (epoch == 0) || len(ps) > 0 && int(binary.BigEndian.Uint64(ps[0].Pos)) != epoch {
		t.Fatalf("state at epoch %d but positions %v", epoch, ps)
	}
	it, err := tbl.Scan([]byte("e"))
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		n++
	}
	if n != epoch*50 {
		t.Fatalf("state at epoch %d holds %d rows, want %d", epoch, n, epoch*50)
	}
	return epoch
}

// TestConcurrentTxns commits from several goroutines at once, one Txn each,
// as query tasks do; run it with -race.
func TestConcurrentTxns(t *testing.T) {
	st := openMem(t)
	var wg sync.WaitGroup
	for q := 0; q < 4; q++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, err := st.NextTableID()
			if err != nil {
				t.Error(err)
				return
			}
			txn := st.Begin()
			defer txn.Close()
			tbl := txn.Table(id)
			for e := 0; e < 20; e++ {
				tbl.Put([]byte{byte(e)}, []byte{byte(q)})
				txn.PutPosition(fmt.Sprint("q", q), "p", []byte{byte(e)})
				if err := txn.Commit(false); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for q := 0; q < 4; q++ {
		ps, err := st.Positions(fmt.Sprint("q", q))
		if err != nil || len(ps) != 1 || ps[0].Pos[0] != 19 {
			t.Fatalf("q%d positions %v %v", q, ps, err)
		}
	}
	if id, _ := st.NextTableID(); id != 5 {
		t.Fatalf("next table id %d, want 5", id)
	}
}

func TestCommitWithOpenIter(t *testing.T) {
	st := openMem(t)
	txn := st.Begin()
	defer txn.Close()
	tbl := txn.Table(1)
	tbl.Put([]byte("a"), []byte("1"))
	it, err := tbl.Scan(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := txn.Commit(true); err == nil {
		t.Fatal("commit with an open iterator succeeded")
	}
	// The writes are still pending; closing the iterator lets them commit.
	_ = it.Close()
	if err := txn.Commit(true); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := st.Table(1).Get([]byte("a")); !ok {
		t.Fatal("write lost")
	}
	// Abort closes iterators left open.
	if _, err := tbl.Scan(nil); err != nil {
		t.Fatal(err)
	}
	txn.Abort()
	if err := txn.Commit(true); err != nil {
		t.Fatal(err)
	}
}

func TestReadOnlyViewPanicsOnWrite(t *testing.T) {
	st := openMem(t)
	defer func() {
		if recover() == nil {
			t.Fatal("write to a read-only view did not panic")
		}
	}()
	st.Table(1).Put([]byte("a"), nil)
}

func TestGetRowAndEmptyValue(t *testing.T) {
	st := openMem(t)
	txn := st.Begin()
	defer txn.Close()
	tbl := txn.Table(9)
	key := AppendTupleKey(nil, types.Row{types.NewInt(1), types.NewString("x")})
	tbl.Put(key, AppendRow(nil, types.Row{types.NewInt(42), types.Null}))
	tbl.Put([]byte("empty"), nil)
	r, ok, err := tbl.GetRow(key, nil)
	if err != nil || !ok || len(r) != 2 || r[0].Int() != 42 || !r[1].IsNull() {
		t.Fatalf("GetRow: %v %v %v", r, ok, err)
	}
	v, ok, err := tbl.Get([]byte("empty"))
	if err != nil || !ok || v == nil || len(v) != 0 {
		t.Fatalf("empty value: %v %v %v", v, ok, err)
	}
}

func TestMetaOutsideTxn(t *testing.T) {
	st := openMem(t)
	if err := st.PutMeta("a/1", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := st.PutMeta("b/1", []byte("y")); err != nil {
		t.Fatal(err)
	}
	var keys []string
	if err := st.ScanMeta("a/", func(k string, _ []byte) error { keys = append(keys, k); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0] != "a/1" {
		t.Fatalf("ScanMeta a/: %v", keys)
	}
	if err := st.DeleteMeta("a/1"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := st.GetMeta("a/1"); ok {
		t.Fatal("deleted meta still there")
	}
	if err := st.DeletePositions("nothing"); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkCommitEpoch measures Put+Commit of 1000-key epochs (no sync, as
// the commit's cost to the query is what is measured, not the disk's).
func BenchmarkCommitEpoch(b *testing.B) {
	st := openMem(b)
	txn := st.Begin()
	defer txn.Close()
	tbl := txn.Table(1)
	key := make([]byte, 0, 32)
	val := AppendRow(nil, types.Row{types.NewInt(1), types.NewString("some value"), types.NewFloat(2.5)})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		for k := 0; k < 1000; k++ {
			key = AppendTupleKey(key[:0], types.Row{types.NewInt(int64(k)), types.NewInt(int64(i))})
			tbl.Put(key, val)
		}
		if err := txn.Commit(false); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "keys/s")
}

// BenchmarkAppendKeyBigintString measures encoding a (BIGINT, STRING) key
// into a reused buffer: it should not allocate.
func BenchmarkAppendKeyBigintString(b *testing.B) {
	row := types.Row{types.NewInt(123456789), types.NewString("auction-name-42")}
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendTupleKey(buf[:0], row)
	}
}

func BenchmarkDecodeKeyBigintString(b *testing.B) {
	enc := AppendTupleKey(nil, types.Row{types.NewInt(123456789), types.NewString("auction-name-42")})
	into := make(types.Row, 0, 2)
	b.ReportAllocs()
	for b.Loop() {
		into, _, _ = DecodeTupleKey(enc, 2, into)
	}
}

func BenchmarkRowRoundTrip(b *testing.B) {
	row := types.Row{types.NewInt(42), types.NewString("bidder"), types.NewFloat(1.5), types.NewTimestamp(1700000000000000)}
	buf := make([]byte, 0, 64)
	into := make(types.Row, 0, 4)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendRow(buf[:0], row)
		into, _ = DecodeRow(buf, into)
	}
}
