package operator_test

import (
	"context"
	"testing"
	"time"

	"riffle/exec/expr"
	"riffle/exec/operator"
	"riffle/planner/logical"
	"riffle/sql/types"
)

// A processing-time window the clock has fired drops no row that a slow
// epoch brings late (the row's processing time was read at the scan):
// TUMBLE and HOP count it in the windows the clock is in, the same number of
// windows as it would have had; CUMULATE counts it in its period's larger
// windows, which are still open. The rows are fed to the aggregate as the
// window TVF emits them: the table's columns, then window_start, window_end
// and window_time, one copy per window.
func TestProcTimeWindowCatchUp(t *testing.T) {
	const sec = int64(time.Second / time.Microsecond)
	for _, tc := range []struct {
		name, tvf string
		// windows [start, end) in seconds that hold the row's scan time 3 s
		windows [][2]int64
		// the clock (s) when the row reaches the aggregate: every window
		// ending at or before it has fired
		clock int64
		// the windows (by start and end) the row counts in: those that
		// hold the clock, as many as it had
		want map[[2]int64]int64
	}{
		{"tumble", "TUMBLE(TABLE t, DESCRIPTOR(pt), INTERVAL '10' SECOND)",
			[][2]int64{{0, 10}}, 10, map[[2]int64]int64{{10, 20}: 1}},
		{"tumble two windows on", "TUMBLE(TABLE t, DESCRIPTOR(pt), INTERVAL '10' SECOND)",
			[][2]int64{{0, 10}}, 25, map[[2]int64]int64{{20, 30}: 1}},
		{"hop", "HOP(TABLE t, DESCRIPTOR(pt), INTERVAL '5' SECOND, INTERVAL '10' SECOND)",
			[][2]int64{{-5, 5}, {0, 10}}, 10, map[[2]int64]int64{{5, 15}: 1, {10, 20}: 1}},
		{"hop one fired", "HOP(TABLE t, DESCRIPTOR(pt), INTERVAL '5' SECOND, INTERVAL '10' SECOND)",
			[][2]int64{{-5, 5}, {0, 10}}, 7, map[[2]int64]int64{{0, 10}: 1, {5, 15}: 1}},
		{"cumulate", "CUMULATE(TABLE t, DESCRIPTOR(pt), INTERVAL '5' SECOND, INTERVAL '20' SECOND)",
			[][2]int64{{0, 5}, {0, 10}, {0, 15}, {0, 20}}, 10, map[[2]int64]int64{{0, 15}: 1, {0, 20}: 1}},
		{"cumulate a period on", "CUMULATE(TABLE t, DESCRIPTOR(pt), INTERVAL '5' SECOND, INTERVAL '20' SECOND)",
			[][2]int64{{0, 5}, {0, 10}, {0, 15}, {0, 20}}, 25, map[[2]int64]int64{{20, 30}: 1, {20, 35}: 1, {20, 40}: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &harness{}
			defer h.close()
			if err := h.setSchema("k STRING, pt AS PROCTIME()", false); err != nil {
				t.Fatal(err)
			}
			node, err := h.bind("SELECT k, window_start, window_end, COUNT(*) FROM TABLE(" + tc.tvf + ") GROUP BY k, window_start, window_end")
			if err != nil {
				t.Fatal(err)
			}
			agg := findAggregate(node)
			if agg == nil {
				t.Fatal("no aggregate in the plan")
			}
			a, err := operator.NewAggregate(agg, expr.Env{})
			if err := h.add(a, err); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			emit := operator.EmitFunc(func(ctx context.Context, b types.Batch) error { return h.push(ctx, 1, 0, b) })
			// The clock reaches tc.clock: every window ending by then fires.
			h.now = tc.clock * sec / 1000
			if err := a.OnTick(ctx, emit); err != nil {
				t.Fatal(err)
			}
			var b types.Batch
			for _, w := range tc.windows {
				b = append(b, types.Change{Diff: 1, Row: types.Row{types.NewString("a"), types.NewTimestamp(3 * sec),
					types.NewTimestamp(w[0] * sec), types.NewTimestamp(w[1] * sec), types.NewTimestamp(w[1]*sec - 1000)}})
			}
			h.out = nil
			if err := h.push(ctx, 0, 0, b); err != nil {
				t.Fatal(err)
			}
			// The clock passes every window: each fires with the row.
			h.now = 100 * sec / 1000
			if err := a.OnTick(ctx, emit); err != nil {
				t.Fatal(err)
			}
			got := map[[2]int64]int64{}
			for _, c := range h.out {
				got[[2]int64{c.Row[1].I / sec, c.Row[2].I / sec}] += int64(c.Diff) * c.Row[3].I
			}
			if len(got) != len(tc.want) {
				t.Fatalf("counted in %v, want %v", got, tc.want)
			}
			for w, n := range tc.want {
				if got[w] != n {
					t.Fatalf("counted in %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func findAggregate(n logical.Node) *logical.Aggregate {
	if a, ok := n.(*logical.Aggregate); ok {
		return a
	}
	for _, c := range n.Inputs() {
		if a := findAggregate(c); a != nil {
			return a
		}
	}
	return nil
}
