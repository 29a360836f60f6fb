package nexmark

import (
	"syscall"
	"testing"
	"time"

	"riffle/connectors/gen"
	"riffle/sql/types"
)

// cpuTime is the CPU time the process has used, all threads: with other
// processes on the machine, events per CPU second measure the generator
// where events per wall-clock second measure the machine's load.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkGenerate measures the generator alone: events made into rows of
// Flink's ddl_gen.sql columns, in batches of 4096 (the runtime's), the
// garbage collector included. "fill" makes new memory for every batch, as
// Fill does; "reusing" reuses it, as the runtime does with FillReusing when
// the query copies out what it keeps. Run it with -cpu 1: it reports events
// per second and per CPU second (all threads); the standard is at least 2
// million per CPU second.
func BenchmarkGenerate(b *testing.B) {
	for _, mode := range []string{"fill", "reusing"} {
		b.Run(mode, func(b *testing.B) {
			src, err := New(gen.Table{Schema: ddlSchema(), Fill: []int{0, 1, 2, 3}, Options: map[string]string{"base-time": "0"}})
			if err != nil {
				b.Fatal(err)
			}
			const batch = 4096
			rows := make([]types.Row, batch)
			slab := make([]types.Value, batch*5)
			b.ReportAllocs()
			var n int64
			cpu := cpuTime()
			for b.Loop() {
				if mode == "fill" {
					slab = make([]types.Value, batch*5)
				} else {
					clear(slab)
					src.Release()
				}
				for i := range rows {
					rows[i] = slab[i*5 : (i+1)*5 : (i+1)*5]
				}
				if mode == "fill" {
					src.Fill(n, 1, rows)
				} else {
					src.FillReusing(n, 1, rows)
				}
				n += batch
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(n)/(cpuTime()-cpu).Seconds(), "events/cpu-s")
		})
	}
}

// BenchmarkNext measures event generation without rows.
func BenchmarkNext(b *testing.B) {
	g := NewGenerator(DefaultConfig())
	var e Event
	var n int64
	for b.Loop() {
		g.Next(n, &e)
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}
