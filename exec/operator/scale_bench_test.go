package operator_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"riffle/catalog"
	"riffle/exec/expr"
	"riffle/exec/operator"
	"riffle/exec/state"
	"riffle/planner/logical"
	"riffle/sql/types"
)

// BenchmarkAggregateDistinctKeys aggregates b.N events, each with a key of
// its own (COUNT and SUM per key), with state in Pebble on disk, committing
// every batch of 4096 as a query's epochs do. It reports events per second
// on one core, the peak resident memory of the process, and the state's
// size on disk: with state spilling to Pebble, peak RSS stays far below the
// state size. Run it at scale with
//
//	go test ./exec/operator -run X -bench AggregateDistinctKeys -benchtime 10000000x
func BenchmarkAggregateDistinctKeys(b *testing.B) {
	dir := b.TempDir()
	store, h := onDisk(b, dir, "k BIGINT, v BIGINT")
	defer store.Close()
	node, err := h.bind("SELECT k, COUNT(*), SUM(v) FROM t GROUP BY k")
	if err != nil {
		b.Fatal(err)
	}
	agg, err := operator.NewAggregate(node.(*logical.Project).Input.(*logical.Aggregate), expr.Env{})
	if err != nil {
		b.Fatal(err)
	}
	txn := store.Begin()
	defer txn.Close()
	ctx := context.Background()
	if err := agg.Open(ctx, &operator.Env{Table: func(i int) *state.Table { return txn.Table(uint32(i + 1)) }}); err != nil {
		b.Fatal(err)
	}
	discard := operator.EmitFunc(func(context.Context, types.Batch) error { return nil })
	const batch = 4096
	rows := make([]types.Value, batch*2)
	changes := make(types.Batch, batch)
	b.ResetTimer()
	for done := 0; done < b.N; done += batch {
		n := min(batch, b.N-done)
		for i := range n {
			row := types.Row(rows[i*2 : i*2+2 : i*2+2])
			row[0], row[1] = types.NewInt(int64(done+i)), types.NewInt(int64(i%100))
			changes[i] = types.Change{Row: row, Diff: 1}
		}
		if err := agg.OnBatch(ctx, 0, changes[:n], discard); err != nil {
			b.Fatal(err)
		}
		if err := txn.Commit(false); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MiB")
	b.ReportMetric(float64(dirSize(dir))/(1<<20), "state-MiB")
}

// peakRSS is the process's peak resident set size in bytes (Linux).
// onDisk opens a Pebble store under dir (with the store's block cache, or
// $RIFFLE_CACHE_MIB) and a harness whose table t has the given columns:
// what a benchmark at scale runs its operators on.
func onDisk(tb testing.TB, dir, cols string) (*state.Store, *harness) {
	store, err := state.Open(filepath.Join(dir, "state"), state.WithCacheSize(cacheMiB()<<20))
	if err != nil {
		tb.Fatal(err)
	}
	cat, err := catalog.Open(catalog.NewMemStore())
	if err != nil {
		tb.Fatal(err)
	}
	h := &harness{cat: cat}
	if err := h.setSchemaOnly(cols, false); err != nil {
		tb.Fatal(err)
	}
	return store, h
}

func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func dirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n += info.Size()
		}
		return nil
	})
	return n
}
