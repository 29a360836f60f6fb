package operator_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"riffle/connectors/gen"
	"riffle/connectors/nexmark"
	"riffle/exec/expr"
	"riffle/exec/operator"
	"riffle/planner/logical"
	"riffle/sql/types"
)

// nexmarkTable is Flink's ddl_gen.sql without its computed column, which
// the chain computes as the runtime does: in a projection over the scan.
const nexmarkTable = "event_type INT, " +
	"person ROW<id BIGINT, name VARCHAR, emailAddress VARCHAR, creditCard VARCHAR, city VARCHAR, state VARCHAR, `dateTime` TIMESTAMP(3), extra VARCHAR>, " +
	"auction ROW<id BIGINT, itemName VARCHAR, description VARCHAR, initialBid BIGINT, reserve BIGINT, `dateTime` TIMESTAMP(3), expires TIMESTAMP(3), seller BIGINT, category BIGINT, extra VARCHAR>, " +
	"bid ROW<auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR, `dateTime` TIMESTAMP(3), extra VARCHAR>"

// bidView is the bid view of ddl_views.sql over the table's projection of
// its computed column `dateTime`, as the binder stacks them.
const bidView = "(SELECT bid.auction AS auction, bid.bidder AS bidder, bid.price AS price, bid.channel AS channel, " +
	"bid.url AS url, `dateTime`, bid.extra AS extra FROM (" +
	"SELECT event_type, person, auction, bid, CASE WHEN event_type = 0 THEN person.`dateTime` " +
	"WHEN event_type = 1 THEN auction.`dateTime` ELSE bid.`dateTime` END AS `dateTime` FROM t" +
	") WHERE event_type = 2) AS bid"

// cpuTime is the CPU time the process has used, all threads: on a shared
// machine, events per CPU second measure the code where events per
// wall-clock second measure the machine's load.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkNexmarkCalc measures Nexmark's stateless queries from the
// generator's rows to the blackhole: each batch of 4096 events (the
// runtime's generated batch) is generated, into memory reused from batch
// to batch as the runtime does, and goes through the query's filters and
// projections, the bid view's included, fused into one Calc.
// "calc" runs the Calc alone over batches generated beforehand. It reports
// events per second and per CPU second (all threads, the garbage collector
// included; run it with -cpu 1) and allocations per batch.
func BenchmarkNexmarkCalc(b *testing.B) {
	queries := []struct{ name, sql string }{
		{"q0", "SELECT auction, bidder, price, `dateTime`, extra FROM " + bidView},
		{"q1", "SELECT auction, bidder, CAST(0.908 * price AS DECIMAL(23, 3)) AS price, `dateTime`, extra FROM " + bidView},
		{"q2", "SELECT auction, price FROM " + bidView + " WHERE MOD(auction, 123) = 0"},
	}
	const batch = 4096
	for _, q := range queries {
		for _, mode := range []string{"generate+calc", "calc"} {
			b.Run(q.name+"/"+mode, func(b *testing.B) {
				h := &harness{}
				if err := h.setSchemaOnly(nexmarkTable, false); err != nil {
					b.Fatal(err)
				}
				node, err := h.bind(q.sql)
				if err != nil {
					b.Fatal(err)
				}
				var chain []logical.Node
				for n := node; ; n = n.Inputs()[0] {
					if _, ok := n.(*logical.Scan); ok {
						break
					}
					chain = append(chain, n)
				}
				calc, err := operator.NewCalc(chain, expr.Env{})
				if err != nil {
					b.Fatal(err)
				}
				src, err := nexmark.New(gen.Table{Schema: h.schema, Fill: []int{0, 1, 2, 3},
					Options: map[string]string{"base-time": "0", "events.num": "100000000"}})
				if err != nil {
					b.Fatal(err)
				}
				if !calc.CopiesOut() {
					b.Fatal("the calc does not copy out what it keeps")
				}
				width := h.schema.Len()
				rows := make([]types.Row, batch)
				in := make(types.Batch, batch)
				slab := make([]types.Value, batch*width)
				var next int64
				generate := func() {
					// As the runtime does: the Calc copies out what it
					// keeps, so the rows' memory serves every batch.
					clear(slab)
					src.Release()
					for i := range rows {
						rows[i] = slab[i*width : (i+1)*width : (i+1)*width]
					}
					src.FillReusing(next, 1, rows)
					next += batch
					for i, r := range rows {
						in[i] = types.Change{Row: r, Diff: 1}
					}
				}
				generate()
				var out int64
				sink := operator.EmitFunc(func(_ context.Context, b types.Batch) error {
					out += int64(len(b))
					return nil
				})
				ctx := context.Background()
				b.ReportAllocs()
				cpu := cpuTime()
				b.ResetTimer()
				for b.Loop() {
					if mode != "calc" {
						generate()
					}
					if err := calc.OnBatch(ctx, 0, in, sink); err != nil {
						b.Fatal(err)
					}
				}
				events := float64(b.N) * batch
				b.ReportMetric(events/b.Elapsed().Seconds(), "events/s")
				b.ReportMetric(events/(cpuTime()-cpu).Seconds(), "events/cpu-s")
				b.ReportMetric(float64(out)/events, "out/event")
			})
		}
	}
}
