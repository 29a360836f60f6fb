package operator_test

import (
	"context"
	"testing"

	"riffle/exec/expr"
	"riffle/exec/operator"
	"riffle/exec/state"
	"riffle/planner/logical"
	"riffle/sql/types"
)

// BenchmarkWindowAggregate runs a tumbling-window aggregate (COUNT and SUM
// per key and 1-second window, 1000 keys) over b.N events whose times
// advance 1 µs per event, with the watermark following them: each batch of
// 4096 is assigned to windows, aggregated, the watermark fires the windows
// it closes, and the epoch commits to Pebble on disk. It reports events
// per second (and per core), peak RSS, and the state's size on disk
// halfway and at the end: state is cleaned as windows fire, so it stays
// flat however many events pass. The figure is
//
//	go test ./exec/operator -run X -bench WindowAggregate -benchtime 50000000x
func BenchmarkWindowAggregate(b *testing.B) {
	dir := b.TempDir()
	store, h := onDisk(b, dir, "k BIGINT, v BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts")
	defer store.Close()
	node, err := h.bind(`SELECT k, window_start, window_end, COUNT(*), SUM(v)
		FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' SECOND)) GROUP BY k, window_start, window_end`)
	if err != nil {
		b.Fatal(err)
	}
	var tvf *logical.WindowTVF
	var agg *logical.Aggregate
	var find func(logical.Node)
	find = func(n logical.Node) {
		switch n := n.(type) {
		case *logical.WindowTVF:
			tvf = n
		case *logical.Aggregate:
			agg = n
		}
		for _, c := range n.Inputs() {
			find(c)
		}
	}
	find(node)
	assign, err := operator.NewWindowAssign(tvf)
	if err != nil {
		b.Fatal(err)
	}
	aggregate, err := operator.NewAggregate(agg, expr.Env{})
	if err != nil {
		b.Fatal(err)
	}
	txn := store.Begin()
	defer txn.Close()
	ctx := context.Background()
	env := &operator.Env{Table: func(i int) *state.Table { return txn.Table(uint32(i + 1)) }}
	if err := assign.Open(ctx, env); err != nil {
		b.Fatal(err)
	}
	if err := aggregate.Open(ctx, env); err != nil {
		b.Fatal(err)
	}
	var fired int
	sink := operator.EmitFunc(func(_ context.Context, b types.Batch) error { fired += len(b); return nil })
	toAgg := operator.EmitFunc(func(ctx context.Context, b types.Batch) error { return aggregate.OnBatch(ctx, 0, b, sink) })
	const batch = 4096
	const base = int64(1_700_000_000_000_000)
	rows := make([]types.Value, batch*3)
	changes := make(types.Batch, batch)
	var halfway int64
	cpu := cpuSeconds()
	b.ResetTimer()
	for done := 0; done < b.N; done += batch {
		n := min(batch, b.N-done)
		var wm int64
		for i := range n {
			e := done + i
			row := types.Row(rows[i*3 : i*3+3 : i*3+3])
			ts := base + int64(e)
			row[0], row[1], row[2] = types.NewInt(int64(e%1000)), types.NewInt(int64(e%7)), types.NewTimestamp(ts)
			changes[i] = types.Change{Row: row, Diff: 1, Wm: wm}
			wm = ts
		}
		if err := assign.OnBatch(ctx, 0, changes[:n], toAgg); err != nil {
			b.Fatal(err)
		}
		if _, err := aggregate.OnWatermark(ctx, []int64{wm}, sink); err != nil {
			b.Fatal(err)
		}
		if err := txn.Commit(false); err != nil {
			b.Fatal(err)
		}
		if halfway == 0 && done >= b.N/2 {
			halfway = dirSize(dir)
		}
	}
	b.StopTimer()
	if b.N > 2_000_000 && fired == 0 {
		b.Fatal("no window fired")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(b.N)/(cpuSeconds()-cpu), "events/s/core")
	b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MiB")
	b.ReportMetric(float64(halfway)/(1<<20), "state-MiB-halfway")
	b.ReportMetric(float64(dirSize(dir))/(1<<20), "state-MiB-end")
}
