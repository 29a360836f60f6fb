package operator_test

import (
	"context"
	"fmt"
	"testing"

	"riffle/connectors/format"
	"riffle/exec/expr"
	"riffle/exec/operator"
	"riffle/planner/logical"
	"riffle/sql/types"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// bids is a batch of encoded Nexmark-like bids.
func bids(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = fmt.Appendf(nil, `{"auction":%d,"bidder":%d,"price":%d,"channel":"Google","url":"https://www.nexmark.com/item.htm?query=1","dateTime":"2024-01-01 00:00:%02d.123","extra":""}`,
			1000+i%100, 2000+i, 100+i%5000, i%60)
	}
	return out
}

const bidSchema = "auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING, dateTime TIMESTAMP(3), extra STRING"

// BenchmarkPipeline measures a continuous query's data path per batch of
// 1024 records: JSON decode into a slab, filter, project (Nexmark q1's
// price * 0.908 and a string function), and materialize into Pebble. It
// reports events per second on one core and allocations per event.
func BenchmarkPipeline(b *testing.B) {
	for _, stage := range []string{"decode", "decode+filter+project", "decode+filter+project+materialize"} {
		b.Run(stage, func(b *testing.B) {
			h := &harness{fs: vfs.NewMem()}
			defer h.close()
			if err := h.setSchema(bidSchema, false); err != nil {
				b.Fatal(err)
			}
			if stage != "decode" {
				node, err := h.bind("SELECT auction, bidder, CAST(price AS DECIMAL(10, 0)) * 0.908 AS euros, upper(channel) AS channel FROM t WHERE price > 200 AND channel <> 'Apple'")
				if err != nil {
					b.Fatal(err)
				}
				p := node.(*logical.Project)
				if err := h.add(operator.NewCalc([]logical.Node{p, p.Input}, expr.Env{})); err != nil {
					b.Fatal(err)
				}
			}
			materialize := stage == "decode+filter+project+materialize"
			if materialize {
				if err := h.add(operator.NewMaterialize(), nil); err != nil {
					b.Fatal(err)
				}
			}
			recs := bids(1024)
			dec := format.NewJSONDecoder(h.schema)
			width := h.schema.Len()
			batch := make(types.Batch, len(recs))
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				slab := make([]types.Value, len(recs)*width)
				for i, r := range recs {
					row := types.Row(slab[i*width : (i+1)*width])
					if err := dec.Decode(r, row); err != nil {
						b.Fatal(err)
					}
					batch[i] = types.Change{Row: row, Diff: 1}
				}
				if len(h.ops) > 0 {
					if err := h.ops[0].OnBatch(ctx, 0, batch, chain(h, 1)); err != nil {
						b.Fatal(err)
					}
				}
				if materialize {
					if err := h.txn.Commit(false); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.StopTimer()
			events := float64(b.N) * float64(len(recs))
			b.ReportMetric(events/b.Elapsed().Seconds(), "events/s")
		})
	}
}

func chain(h *harness, i int) operator.Emitter {
	return operator.EmitFunc(func(ctx context.Context, b types.Batch) error {
		if i == len(h.ops) {
			return nil
		}
		return h.ops[i].OnBatch(ctx, 0, b, chain(h, i+1))
	})
}
