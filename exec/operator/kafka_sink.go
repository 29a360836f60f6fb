package operator

import (
	"context"
	"fmt"

	"riffle/connectors/format"
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
	enc    format.Encoder
	recs   []kafka.Record
	// Written counts records written, for SHOW QUERIES.
	Written int64
}

var _ Operator = (*KafkaSink)(nil)

// NewKafkaSink returns a sink writing JSON records of schema to topic.
func NewKafkaSink(w *kafka.Writer, topic string, schema types.Schema) *KafkaSink {
	return &KafkaSink{writer: w, topic: topic, enc: format.NewJSONEncoder(schema)}
}

func (s *KafkaSink) Open(context.Context, *Env) error { return nil }

func (s *KafkaSink) OnBatch(_ context.Context, _ int, b types.Batch, _ Emitter) error {
	for _, c := range b {
		if c.Diff < 0 {
			return fmt.Errorf("kafka sink %s: a retraction reached an append-only topic", s.topic)
		}
		for range c.Diff {
			v, err := s.enc.Encode(nil, c.Row)
			if err != nil {
				return fmt.Errorf("encode record for topic %s: %w", s.topic, err)
			}
			s.recs = append(s.recs, kafka.Record{Topic: s.topic, Partition: -1, Value: v})
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
