package state

import (
	"context"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"riffle/sql/types"
)

// BenchmarkGet measures point reads through a Txn of a table of 500,000
// rows compacted into Pebble's last level on disk, as a query's state
// is after a while: of keys that are there (hit), and of keys that are
// not (miss: a join storing a new row, a new group), with a write between
// reads as operators interleave them.
func BenchmarkGet(b *testing.B) {
	const n = 500_000
	st, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	key := func(dst []byte, i int) []byte {
		return AppendTupleKey(dst, types.Row{types.NewInt(int64(i) * 7919 % 1_000_003), types.NewString("bid-padding")})
	}
	val := AppendRow(nil, types.Row{types.NewInt(1), types.NewString("a value of about a hundred bytes, as a Nexmark bid's row is in a join's state ...")})
	txn := st.Begin()
	defer txn.Close()
	tbl := txn.Table(1)
	var k []byte
	for i := range n {
		k = key(k[:0], 2*i)
		tbl.Put(k, val)
		if i%10_000 == 0 {
			if err := txn.Commit(false); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := txn.Commit(false); err != nil {
		b.Fatal(err)
	}
	if err := st.db.Compact(context.Background(), []byte{nsTable}, []byte{nsTable + 1}, false); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		odd  int
	}{{"hit", 0}, {"miss", 1}} {
		b.Run(c.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			var buf []byte
			b.ReportAllocs()
			cpu := cpuTime()
			for i := 0; b.Loop(); i++ {
				k = key(k[:0], 2*r.IntN(n)+c.odd)
				var ok bool
				if buf, ok, err = tbl.GetAppend(buf, k); err != nil || ok == (c.odd == 1) {
					b.Fatalf("get: found %v, %v", ok, err)
				}
				tbl.Put([]byte{0xFF, byte(i)}, val)
				if i%4096 == 4095 {
					if err := txn.Commit(false); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// cpuTime is the CPU time the process has used, user and system: on a
// shared machine the figure to compare, where wall time measures the load.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
