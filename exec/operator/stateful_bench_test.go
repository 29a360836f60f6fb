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

// The benchmarks here run one stateful operator each the way a Nexmark
// query does (docs/performance.md): over b.N bids with Nexmark's shape (a
// few hot auctions and bidders among many), with state in Pebble on disk
// and a commit after every batch of 4096, as a query's epochs do. Each
// reports events per second, events per CPU second (Pebble's background
// work included: the figure to compare on a loaded machine) and
// allocations per event. For example
//
//	go test ./exec/operator -run X -bench Nexmark -benchtime 1000000x

const bidCols = "auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING, dateTime TIMESTAMP(3), extra STRING"

// bidRow fills row with bid e: auctions and bidders hot as Nexmark's are
// (half the bids on a hot hundred), prices spread, the strings as long as
// Nexmark's.
func bidRow(row types.Row, e int) {
	auction, bidder := int64(e*7919%50_000), int64(e*104_729%20_000)
	if e%2 == 0 {
		auction, bidder = int64(e%100), int64(e%100)
	}
	row[0], row[1], row[2] = types.NewInt(auction), types.NewInt(bidder), types.NewInt(int64(e*31%2_000_000))
	row[3] = types.NewString([...]string{"Google", "Facebook", "Baidu", "Apple"}[e%4])
	row[4] = types.NewString("https://www.nexmark.com/item.htm?query=1&channel_id=1234567")
	row[5] = types.NewTimestamp(1_700_000_000_000_000 + int64(e))
	row[6] = types.NewString("extra-padding-of-a-bid-extra-padding-of-a-bid")
}

// find returns the first node of type T in n's tree.
func find[T logical.Node](n logical.Node) (T, bool) {
	if t, ok := n.(T); ok {
		return t, true
	}
	for _, in := range n.Inputs() {
		if t, ok := find[T](in); ok {
			return t, true
		}
	}
	var zero T
	return zero, false
}

// runBids feeds b.N bids to op in batches, committing each, and reports
// the figures.
func runBids(b *testing.B, op operator.Operator, txn *state.Txn) {
	ctx := context.Background()
	if err := op.Open(ctx, &operator.Env{Table: func(i int) *state.Table { return txn.Table(uint32(i + 1)) }}); err != nil {
		b.Fatal(err)
	}
	var out int
	count := operator.EmitFunc(func(_ context.Context, b types.Batch) error { out += len(b); return nil })
	const batch = 4096
	changes := make(types.Batch, batch)
	b.ReportAllocs()
	cpu := cpuSeconds()
	b.ResetTimer()
	for done := 0; done < b.N; done += batch {
		n := min(batch, b.N-done)
		rows := make([]types.Value, n*7) // a batch's rows are not reused
		for i := range n {
			row := types.Row(rows[i*7 : i*7+7 : i*7+7])
			bidRow(row, done+i)
			changes[i] = types.Change{Row: row, Diff: 1}
		}
		if err := op.OnBatch(ctx, 0, changes[:n], count); err != nil {
			b.Fatal(err)
		}
		if err := txn.Commit(false); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if out == 0 {
		b.Fatal("no output")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(b.N)/(cpuSeconds()-cpu), "events/s/core")
}

// BenchmarkNexmarkDistinct is q15/q16's aggregate: distinct bidders and
// auctions per channel, with FILTERs, over an append-only input (each
// value written once, then known).
func BenchmarkNexmarkDistinct(b *testing.B) {
	store, h := onDisk(b, b.TempDir(), bidCols)
	defer store.Close()
	node, err := h.bind(`SELECT channel, count(*), count(DISTINCT bidder),
		count(DISTINCT bidder) FILTER (WHERE price < 10000), count(DISTINCT auction),
		count(DISTINCT auction) FILTER (WHERE price >= 10000), max(price) FROM t GROUP BY channel`)
	if err != nil {
		b.Fatal(err)
	}
	n, _ := find[*logical.Aggregate](node)
	agg, err := operator.NewAggregate(n, expr.Env{})
	if err != nil {
		b.Fatal(err)
	}
	txn := store.Begin()
	defer txn.Close()
	runBids(b, agg, txn)
}

// BenchmarkNexmarkTopN is q19's Top-N: the ten highest bids per auction,
// over an append-only input (a partition keeps its ten).
func BenchmarkNexmarkTopN(b *testing.B) {
	store, h := onDisk(b, b.TempDir(), bidCols)
	defer store.Close()
	node, err := h.bind(`SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC) AS rn FROM t)
		WHERE rn <= 10`)
	if err != nil {
		b.Fatal(err)
	}
	n, ok := find[*logical.TopN](node)
	if !ok {
		b.Fatal("no Top-N in the plan")
	}
	top, err := operator.NewTopN(n)
	if err != nil {
		b.Fatal(err)
	}
	txn := store.Begin()
	defer txn.Close()
	runBids(b, top, txn)
}

// BenchmarkNexmarkJoin is q20's join from the bids' side: 50,000
// auctions are stored first, then every bid probes its auction (hot ones
// over and over) and is stored for the auctions to come.
func BenchmarkNexmarkJoin(b *testing.B) {
	dir := b.TempDir()
	j, txn, done := joinOnDisk(b, dir, bidCols, "id BIGINT, itemName STRING, category BIGINT",
		"SELECT * FROM t JOIN u ON t.auction = u.id")
	defer done()
	ctx := context.Background()
	discard := operator.EmitFunc(func(context.Context, types.Batch) error { return nil })
	for from := 0; from < 50_000; from += 4096 {
		var auctions types.Batch
		for i := from; i < min(from+4096, 50_000); i++ {
			auctions = append(auctions, types.Change{Row: types.Row{types.NewInt(int64(i)), types.NewString("an item name"), types.NewInt(10)}, Diff: 1})
		}
		if err := j.OnBatch(ctx, 1, auctions, discard); err != nil {
			b.Fatal(err)
		}
		if err := txn.Commit(false); err != nil {
			b.Fatal(err)
		}
	}
	runBids(b, (*leftOnly)(j), txn)
}

// leftOnly is a Join fed on its left input only, opened already.
type leftOnly operator.Join

func (l *leftOnly) Open(context.Context, *operator.Env) error { return nil }
func (l *leftOnly) OnBatch(ctx context.Context, _ int, b types.Batch, out operator.Emitter) error {
	return (*operator.Join)(l).OnBatch(ctx, 0, b, out)
}
func (l *leftOnly) OnBarrier(context.Context) error { return nil }
func (l *leftOnly) Close() error                    { return nil }
