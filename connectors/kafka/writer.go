package kafka

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Writer produces records through its Cluster's idempotent producer and
// waits for their acknowledgement. It is safe for concurrent use. Within
// one Write, records bound for the same partition are appended in slice
// order; an idempotent producer keeps that order across retries.
type Writer struct {
	c      *Cluster
	closed atomic.Bool
}

// NewWriter returns a writer to c. It opens no connection of its own.
func NewWriter(c *Cluster) *Writer { return &Writer{c: c} }

// Write produces recs and returns once every one is acknowledged by all
// in-sync replicas, or with the first error. After an error some records
// may have been written: Write is not atomic (transactions are).
//
// Each record goes to the partition it names, or with AnyPartition to the
// partition of its key's murmur2 hash (Kafka's default, so other clients
// agree on where a key lives), or round-robin when it has no key.
func (w *Writer) Write(ctx context.Context, recs []Record) error {
	if w.closed.Load() {
		return errors.New("kafka writer: write after Close")
	}
	if len(recs) == 0 {
		return nil
	}
	krs := make([]kgo.Record, len(recs))
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	done := func(kr *kgo.Record, err error) {
		if err != nil {
			mu.Lock()
			if first == nil {
				first = fmt.Errorf("write to topic %q partition %d: %w", kr.Topic, kr.Partition, err)
			}
			mu.Unlock()
		}
		wg.Done()
	}
	for i := range recs {
		if recs[i].Topic == "" {
			return fmt.Errorf("kafka writer: record %d has no topic", i)
		}
	}
	wg.Add(len(recs))
	for i := range recs {
		kr := &krs[i]
		toKgo(kr, &recs[i])
		w.c.cl.Produce(ctx, kr, done)
	}
	wg.Wait()
	return first
}

func toKgo(kr *kgo.Record, r *Record) {
	kr.Topic = r.Topic
	kr.Partition = r.Partition
	kr.Key = r.Key
	kr.Value = r.Value
	kr.Headers = r.Headers
	if r.Timestamp != 0 {
		kr.Timestamp = time.UnixMilli(r.Timestamp)
	}
}

// Flush waits until every record buffered by the cluster's producer, from
// any Writer, is acknowledged. Write already waits for its own records;
// Flush is for callers that share the cluster with other writers and need a
// point after which everything produced so far is durable.
func (w *Writer) Flush(ctx context.Context) error { return w.c.cl.Flush(ctx) }

// Close marks the writer closed; later Writes fail. It does not close the
// Cluster, which other writers may share.
func (w *Writer) Close() { w.closed.Store(true) }
