package node

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// BenchmarkDelivery measures what exactly-once costs against at-least-once:
// the throughput of a stateful query (an aggregation, and a stateless copy
// of the stream, both into Kafka tables) working through a backlog, and the
// end-to-end latency of records produced at a steady rate, from the
// producer to a read_committed consumer of the output. Run it once per
// guarantee:
//
//	go test ./server/node -run '^$' -bench Delivery -benchtime 1x
func BenchmarkDelivery(b *testing.B) {
	for _, g := range []string{"exactly-once", "at-least-once"} {
		b.Run(g, func(b *testing.B) {
			for b.Loop() {
				benchDelivery(b, g)
			}
		})
	}
}

func benchDelivery(b *testing.B, guarantee string) {
	const backlog, rate, steady = 300_000, 5000, 5 * time.Second
	n := startNode(&testing.T{}, b.TempDir())
	defer n.Close()
	c := connect(&testing.T{}, n)
	ctx := context.Background()
	for _, s := range []string{
		`CREATE TABLE src (id BIGINT, ts BIGINT) WITH ('topic.partitions' = '4')`,
		`CREATE TABLE copy (id BIGINT, ts BIGINT) WITH ('sink.delivery-guarantee' = '` + guarantee + `')`,
		`CREATE TABLE counts (k BIGINT, n BIGINT, hi BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH ('sink.delivery-guarantee' = '` + guarantee + `')`,
	} {
		if _, err := c.Exec(ctx, s); err != nil {
			b.Fatal(err)
		}
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(n.KafkaBrokers()...), kgo.DefaultProduceTopic("src"),
		kgo.RecordPartitioner(kgo.RoundRobinPartitioner()), kgo.ProducerLinger(time.Millisecond))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	for i := range backlog {
		cl.Produce(ctx, &kgo.Record{Value: fmt.Appendf(nil, `{"id":%d,"ts":0}`, i)}, nil)
	}
	if err := cl.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for _, s := range []string{
		`INSERT INTO copy SELECT id, ts FROM src`,
		`INSERT INTO counts SELECT id % 1000, COUNT(*), MAX(ts) FROM src GROUP BY id % 1000`,
		`FLUSH`,
	} {
		if _, err := c.Exec(ctx, s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(backlog/time.Since(start).Seconds(), "records/s")

	// Latency: a read_committed consumer of the copy sees each record
	// produced at a steady rate, stamped with its production time.
	cons, err := kgo.NewClient(kgo.SeedBrokers(n.KafkaBrokers()...), kgo.ConsumeTopics("copy"),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.ConsumeResetOffset(kgo.NewOffset().AtEnd()),
		kgo.FetchMaxWait(10*time.Millisecond))
	if err != nil {
		b.Fatal(err)
	}
	defer cons.Close()
	first, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	cons.PollFetches(first) // join the end of the topic
	cancel()
	var lat []time.Duration
	done := make(chan struct{})
	go func() {
		defer close(done)
		want := int(rate * steady.Seconds())
		for len(lat) < want {
			wait, cancel := context.WithTimeout(ctx, 10*time.Second)
			fs := cons.PollFetches(wait)
			cancel()
			if fs.IsClientClosed() || fs.Err() != nil {
				return
			}
			now := time.Now()
			fs.EachRecord(func(r *kgo.Record) {
				var id, ts int64
				if _, err := fmt.Sscanf(string(r.Value), `{"id":%d,"ts":%d}`, &id, &ts); err == nil && ts > 0 {
					lat = append(lat, now.Sub(time.UnixMicro(ts)))
				}
			})
		}
	}()
	tick := time.NewTicker(time.Second / 100)
	defer tick.Stop()
	for i, end := backlog, time.Now().Add(steady); time.Now().Before(end); <-tick.C {
		for range rate / 100 {
			cl.Produce(ctx, &kgo.Record{Value: fmt.Appendf(nil, `{"id":%d,"ts":%d}`, i, time.Now().UnixMicro())}, nil)
			i++
		}
	}
	<-done
	if len(lat) == 0 {
		b.Fatal("no record reached the consumer")
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
