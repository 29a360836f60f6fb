package operator_test

import (
	"testing"

	"github.com/twmb/franz-go/pkg/sr/srfake"

	"riffle/connectors/kafka"
	"riffle/exec/operator"
	"riffle/sql/types"
)

// BenchmarkRecordDecode decodes Nexmark-like bids in each value format
// through a RecordDecoder, as a source does: records per second on one core
// and allocations per record (the two strings).
func BenchmarkRecordDecode(b *testing.B) {
	fake := srfake.New()
	defer fake.Close()
	regs := operator.NewRegistries(fake.URL())
	row := types.Row{types.NewInt(1007), types.NewInt(2001), types.NewInt(4_583_000), types.NewString("Google"),
		types.NewString("https://www.nexmark.com/oph/fbg/item.htm?query=1"), types.NewTimestamp(1_704_067_201_500_000)}
	for _, f := range []string{"json", "csv", "avro", "avro-confluent"} {
		b.Run(f, func(b *testing.B) {
			obj := table(b, `CREATE TABLE bids (auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING,
				dateTime TIMESTAMP(3)) WITH ('format' = '`+f+`')`)
			enc, err := operator.NewRecordEncoderWith(obj, regs)
			if err != nil {
				b.Fatal(err)
			}
			r, err := enc.Encode(row, 0, false)
			if err != nil {
				b.Fatal(err)
			}
			d, err := operator.NewRecordDecoderWith(obj, regs)
			if err != nil {
				b.Fatal(err)
			}
			out := make(types.Row, len(row))
			b.SetBytes(int64(len(r.Value)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.Decode(&r, out); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
	b.Run("raw", func(b *testing.B) {
		obj := table(b, `CREATE TABLE lines (line STRING) WITH ('format' = 'raw')`)
		d, err := operator.NewRecordDecoderWith(obj, regs)
		if err != nil {
			b.Fatal(err)
		}
		r := kafka.Record{Value: []byte("1007,2001,4583000,Google,https://www.nexmark.com/oph/fbg/item.htm?query=1")}
		out := make(types.Row, 1)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := d.Decode(&r, out); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
}
