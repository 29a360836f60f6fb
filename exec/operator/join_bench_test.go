package operator_test

import (
	"context"
	"os"
	"strconv"
	"syscall"
	"testing"

	"riffle/exec/expr"
	"riffle/exec/operator"
	"riffle/exec/state"
	"riffle/sql/types"
)

// joinOnDisk plans `sql` over t (left) and u (right) and opens its Join
// with state in a Pebble store on disk under dir.
func joinOnDisk(tb testing.TB, dir, left, right, sql string) (*operator.Join, *state.Txn, func()) {
	store, h := onDisk(tb, dir, left)
	if err := h.declare("u", right, false); err != nil {
		tb.Fatal(err)
	}
	node, err := h.bind(sql)
	if err != nil {
		tb.Fatal(err)
	}
	jn, ok := findJoin(node)
	if !ok {
		tb.Fatal("no join in the plan")
	}
	j, err := operator.NewJoin(jn, expr.Env{})
	if err != nil {
		tb.Fatal(err)
	}
	txn := store.Begin()
	if err := j.Open(context.Background(), &operator.Env{Table: func(i int) *state.Table { return txn.Table(uint32(i + 1)) }}); err != nil {
		tb.Fatal(err)
	}
	return j, txn, func() { txn.Close(); store.Close() }
}

// cacheMiB is the block cache the benchmarks give Pebble: $RIFFLE_CACHE_MIB,
// or the store's default.
func cacheMiB() int64 {
	n, err := strconv.ParseInt(os.Getenv("RIFFLE_CACHE_MIB"), 10, 64)
	if err != nil {
		return 64
	}
	return n
}

// cpuSeconds is the CPU time (user and system) the process has used.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// BenchmarkJoinTwoStreams joins two streams of b.N/2 rows each on a key
// (every left row meets one right row, which arrives a batch later), with
// state in Pebble on disk and a commit after every batch of 4096, as a
// query's epochs do. It reports events per second, events per second per
// core (over the CPU time the process used, Pebble's background work
// included), peak RSS and the state's size. The figure is
//
//	go test ./exec/operator -run X -bench JoinTwoStreams -benchtime 20000000x
func BenchmarkJoinTwoStreams(b *testing.B) {
	dir := b.TempDir()
	j, txn, done := joinOnDisk(b, dir, "k BIGINT, v BIGINT", "k BIGINT, w STRING",
		"SELECT * FROM t JOIN u ON t.k = u.k")
	defer done()
	ctx := context.Background()
	var out int
	count := operator.EmitFunc(func(_ context.Context, b types.Batch) error { out += len(b); return nil })
	const batch = 4096
	rows := make([]types.Value, batch*2)
	changes := make(types.Batch, batch)
	fill := func(side, from, n int) types.Batch {
		for i := range n {
			row := types.Row(rows[i*2 : i*2+2 : i*2+2])
			row[0] = types.NewInt(int64(from + i))
			if side == 0 {
				row[1] = types.NewInt(int64(i))
			} else {
				row[1] = types.NewString("payment")
			}
			changes[i] = types.Change{Row: row, Diff: 1}
		}
		return changes[:n]
	}
	cpu := cpuSeconds()
	b.ResetTimer()
	for sent := 0; sent < b.N; {
		// A batch of left rows, then the right rows of the same keys.
		n := min(batch, (b.N-sent+1)/2)
		from := sent / 2
		for side := range 2 {
			if err := j.OnBatch(ctx, side, fill(side, from, n), count); err != nil {
				b.Fatal(err)
			}
			if err := txn.Commit(false); err != nil {
				b.Fatal(err)
			}
		}
		sent += 2 * n
	}
	b.StopTimer()
	if out < b.N/2-1 {
		b.Fatalf("%d pairs from %d events", out, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(b.N)/(cpuSeconds()-cpu), "events/s/core")
	b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MiB")
	b.ReportMetric(float64(dirSize(dir))/(1<<20), "state-MiB")
}

// BenchmarkJoinFanout is a foreign-key join where one right row (a
// merchant) matches a million left rows (its items): each update of the
// merchant re-emits every item, retraction and insertion. It reports the
// output changes per second and peak RSS; the operator streams the
// fan-out in chunks (TestJoinFanoutStreams), so memory does not grow with
// the fan-out.
//
//	go test ./exec/operator -run X -bench JoinFanout -benchtime 3x
func BenchmarkJoinFanout(b *testing.B) {
	const items = 1_000_000
	dir := b.TempDir()
	j, txn, done := joinOnDisk(b, dir, "id BIGINT, merchant BIGINT", "id BIGINT, tier STRING",
		"SELECT * FROM t JOIN u ON t.merchant = u.id")
	defer done()
	ctx := context.Background()
	discard := operator.EmitFunc(func(context.Context, types.Batch) error { return nil })
	loadItems(b, j, txn, items)
	if err := j.OnBatch(ctx, 1, types.Batch{{Row: types.Row{types.NewInt(1), types.NewString("t0")}, Diff: 1}}, discard); err != nil {
		b.Fatal(err)
	}
	var out int
	count := operator.EmitFunc(func(_ context.Context, b types.Batch) error { out += len(b); return nil })
	b.ResetTimer()
	for i := range b.N {
		update := types.Batch{
			{Row: types.Row{types.NewInt(1), types.NewString("t" + string(rune('0'+i%10)))}, Diff: -1},
			{Row: types.Row{types.NewInt(1), types.NewString("t" + string(rune('0'+(i+1)%10)))}, Diff: 1},
		}
		if err := j.OnBatch(ctx, 1, update, count); err != nil {
			b.Fatal(err)
		}
		if err := txn.Commit(false); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if out != 2*items*b.N {
		b.Fatalf("%d changes from %d updates of a merchant with %d items", out, b.N, items)
	}
	b.ReportMetric(float64(out)/b.Elapsed().Seconds(), "changes/s")
	b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MiB")
}

// loadItems feeds n left rows (id, merchant 1) to j, committing as it goes.
func loadItems(tb testing.TB, j *operator.Join, txn *state.Txn, n int) {
	ctx := context.Background()
	discard := operator.EmitFunc(func(context.Context, types.Batch) error { return nil })
	const batch = 4096
	for from := 0; from < n; from += batch {
		var b types.Batch
		for i := from; i < min(from+batch, n); i++ {
			b = append(b, types.Change{Row: types.Row{types.NewInt(int64(i)), types.NewInt(1)}, Diff: 1})
		}
		if err := j.OnBatch(ctx, 0, b, discard); err != nil {
			tb.Fatal(err)
		}
		if err := txn.Commit(false); err != nil {
			tb.Fatal(err)
		}
	}
}

// TestJoinFanoutStreams checks that a change on the one side of a
// one-to-many join reaches downstream in chunks as it is computed, not as
// one batch holding the whole fan-out.
func TestJoinFanoutStreams(t *testing.T) {
	const items = 20_000
	j, txn, done := joinOnDisk(t, t.TempDir(), "id BIGINT, merchant BIGINT", "id BIGINT, tier STRING",
		"SELECT * FROM t LEFT JOIN u ON t.merchant = u.id")
	defer done()
	loadItems(t, j, txn, items)
	var calls, total, largest int
	var sum types.Diff
	count := operator.EmitFunc(func(_ context.Context, b types.Batch) error {
		calls++
		total += len(b)
		largest = max(largest, len(b))
		for _, c := range b {
			sum += c.Diff
		}
		return nil
	})
	// The merchant arrives: every padded item row goes, every pair comes.
	row := types.Row{types.NewInt(1), types.NewString("premium")}
	if err := j.OnBatch(context.Background(), 1, types.Batch{{Row: row, Diff: 1}}, count); err != nil {
		t.Fatal(err)
	}
	if total != 2*items || sum != 0 {
		t.Fatalf("fan-out gave %d changes summing to %d, want %d summing to 0", total, sum, 2*items)
	}
	if largest > 1024 || calls < 2*items/1024 {
		t.Fatalf("fan-out of %d changes came in %d calls, the largest %d: not streamed", total, calls, largest)
	}
}
