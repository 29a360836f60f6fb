package nexmark

import (
	"testing"

	"riffle/connectors/gen"
	"riffle/sql/types"
)

// BenchmarkGenerate measures the generator alone: events made into rows of
// Flink's ddl_gen.sql columns, in batches of 1024, on one core. It reports
// events/s; the standard is at least 2 million.
func BenchmarkGenerate(b *testing.B) {
	src, err := New(gen.Table{Schema: ddlSchema(), Fill: []int{0, 1, 2, 3}, Options: map[string]string{"base-time": "0"}})
	if err != nil {
		b.Fatal(err)
	}
	const batch = 1024
	b.ReportAllocs()
	var n int64
	for b.Loop() {
		slab := make([]types.Value, batch*5)
		rows := make([]types.Row, batch)
		for i := range rows {
			rows[i] = slab[i*5 : (i+1)*5 : (i+1)*5]
		}
		src.Fill(n, 1, rows)
		n += batch
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/event")
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
