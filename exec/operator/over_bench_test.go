package operator_test

import (
	"context"
	"testing"

	"riffle/exec/expr"
	"riffle/exec/operator"
	"riffle/exec/state"
	"riffle/sql/types"
)

// BenchmarkTimeOver runs an event-time OVER window (a 10-row SUM, a
// 1-second RANGE MAX and LAG per key, 1000 keys) over b.N events whose
// times advance 1 ms per event, with the watermark following them: each
// batch of 4096 is held, the watermark seals and emits it, and the epoch
// commits to Pebble on disk. It reports events per CPU second and the
// state's size at the end, which stays flat: only the rows the frames
// still reach are kept.
//
//	go test ./exec/operator -run X -bench TimeOver -benchtime 2000000x
func BenchmarkTimeOver(b *testing.B) {
	dir := b.TempDir()
	store, h := onDisk(b, dir, "k BIGINT, v BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts")
	defer store.Close()
	node, err := h.bind(`SELECT k, v, ts,
		SUM(v) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW),
		MAX(v) OVER (PARTITION BY k ORDER BY ts RANGE BETWEEN INTERVAL '1' SECOND PRECEDING AND CURRENT ROW),
		LAG(v) OVER (PARTITION BY k ORDER BY ts) FROM t`)
	if err != nil {
		b.Fatal(err)
	}
	o, ok := findOver(node)
	if !ok || !o.EventTime() {
		b.Fatal("no event-time over window")
	}
	over, err := operator.NewTimeOver(o, expr.Env{})
	if err != nil {
		b.Fatal(err)
	}
	txn := store.Begin()
	defer txn.Close()
	ctx := context.Background()
	if err := over.Open(ctx, &operator.Env{Table: func(i int) *state.Table { return txn.Table(uint32(i + 1)) }}); err != nil {
		b.Fatal(err)
	}
	var emitted int
	sink := operator.EmitFunc(func(_ context.Context, b types.Batch) error { emitted += len(b); return nil })
	const batch = 4096
	const base = int64(1_700_000_000_000_000)
	rows := make([]types.Value, batch*3)
	changes := make(types.Batch, batch)
	cpu := cpuSeconds()
	b.ResetTimer()
	for done := 0; done < b.N; done += batch {
		n := min(batch, b.N-done)
		var wm int64
		for i := range n {
			e := done + i
			row := types.Row(rows[i*3 : i*3+3 : i*3+3])
			ts := base + int64(e)*1000
			row[0], row[1], row[2] = types.NewInt(int64(e%1000)), types.NewInt(int64(e%97)), types.NewTimestamp(ts)
			changes[i] = types.Change{Row: row, Diff: 1, Wm: wm}
			wm = ts - 1
		}
		if err := over.OnBatch(ctx, 0, changes[:n], sink); err != nil {
			b.Fatal(err)
		}
		if _, err := over.OnWatermark(ctx, []int64{wm}, sink); err != nil {
			b.Fatal(err)
		}
		if err := txn.Commit(false); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if b.N > batch && emitted == 0 {
		b.Fatal("nothing emitted")
	}
	b.ReportMetric(float64(b.N)/(cpuSeconds()-cpu), "events/s/core")
	b.ReportMetric(float64(dirSize(dir))/(1<<20), "state-MiB-end")
}
