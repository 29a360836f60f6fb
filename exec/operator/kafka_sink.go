package operator

import (
	"context"
	"fmt"

	"time"

	"riffle/catalog"
	"riffle/connectors/kafka"
	"riffle/sql/types"
)

// KafkaSink writes a query's inserts as records to a table's topic. It
// buffers an epoch's records and writes them at the barrier, waiting for
// every acknowledgement, so the runtime commits source positions only after
// the output is durable: nothing is lost. A crash between the write and the
// commit re-sends the epoch (at-least-once) until Kafka transactions make the
// two one step.
type KafkaSink struct {
	writer *kafka.Writer
	topic  string
	enc    *RecordEncoder
	recs   []kafka.Record
	// Written counts records written, for SHOW QUERIES.
	Written int64
}

var _ Operator = (*KafkaSink)(nil)

// NewKafkaSink returns a sink writing rows of table's writable columns to
// its topic.
func NewKafkaSink(w *kafka.Writer, table *catalog.Object) *KafkaSink {
	return &KafkaSink{writer: w, topic: table.Options["topic"], enc: NewRecordEncoder(table)}
}

func (s *KafkaSink) Open(context.Context, *Env) error { return nil }

func (s *KafkaSink) OnBatch(_ context.Context, _ int, b types.Batch, _ Emitter) error {
	now := time.Now().UnixMilli()
	for _, c := range b {
		if c.Diff < 0 {
			return fmt.Errorf("kafka sink %s: a retraction reached an append-only topic", s.topic)
		}
		for range c.Diff {
			r, err := s.enc.Encode(c.Row, now)
			if err != nil {
				return fmt.Errorf("encode record for topic %s: %w", s.topic, err)
			}
			s.recs = append(s.recs, r)
		}
	}
	return nil
}

func (s *KafkaSink) OnBarrier(ctx context.Context) error {
	if len(s.recs) == 0 {
		return nil
	}
	if err := s.writer.Write(ctx, s.recs); err != nil {
		return fmt.Errorf("write to topic %s: %w", s.topic, err)
	}
	s.Written += int64(len(s.recs))
	s.recs = s.recs[:0]
	return nil
}

func (s *KafkaSink) Close() error { return nil }
