package runtime

import (
	"context"
	"fmt"
	"strconv"

	"riffle/catalog"
	"riffle/connectors/kafka"
)

// Bad records. A record a query cannot read (bytes its format rejects, a
// schema id its registry does not know, a null in a NOT NULL column, an
// event time that cannot be computed) meets its table's error policy
// (catalog.Object.ErrorPolicy): fail stops the query with an error naming
// the record; skip counts it; dead-letter counts it and writes it, as it
// was read, to the table's dead-letter topic with the epoch, before the
// epoch commits, so that it is written once the query has moved past it
// and at least once (exactly once with the query's Kafka transaction).
//
// A dead letter keeps the record's key, value, headers and timestamp, and
// says where it came from and why in headers of its own, as Kafka
// Connect's dead-letter queues do:
//
//	riffle.error       the decode error
//	riffle.table       the table it was read as
//	riffle.query       the query that read it
//	riffle.topic       its topic
//	riffle.partition   its partition
//	riffle.offset      its offset
//
// A table over the dead-letter topic (format raw, headers as a metadata
// column) reads them back with SQL, to repair and replay them.

// deadLetterHeaders are the headers a dead letter carries, in order.
var deadLetterHeaders = []string{"riffle.error", "riffle.table", "riffle.query", "riffle.topic", "riffle.partition", "riffle.offset"}

// BadRecordError is the error of a query stopped by a table whose error
// policy is fail.
type BadRecordError struct {
	Table, Topic string
	Partition    int32
	Offset       int64
	Err          error
}

func (e *BadRecordError) Error() string {
	return fmt.Sprintf("bad record in table %s (topic %s, partition %d, offset %d): %v; its 'error.policy' is 'fail': "+
		"fix the record upstream, or ALTER TABLE %s SET ('error.policy' = 'skip' | 'dead-letter') to go on",
		e.Table, e.Topic, e.Partition, e.Offset, e.Err, e.Table)
}

func (e *BadRecordError) Unwrap() error { return e.Err }

// reject applies route r's error policy to rec, which the task could not
// read for err: a non-nil result stops the query.
func (t *task) reject(r *route, rec *kafka.Record, err error) error {
	first := r.first
	if first {
		r.bad.Add(1)
	}
	switch r.policy {
	case catalog.PolicyFail:
		return &BadRecordError{Table: r.table, Topic: rec.Topic, Partition: rec.Partition, Offset: rec.Offset, Err: err}
	case catalog.PolicyDeadLetter:
		if !first {
			return nil // another scan of the same table wrote it
		}
		hs := append([]kafka.Header(nil), rec.Headers...)
		for i, v := range []string{err.Error(), r.table, t.q.ID, rec.Topic,
			strconv.Itoa(int(rec.Partition)), strconv.FormatInt(rec.Offset, 10)} {
			hs = append(hs, kafka.Header{Key: deadLetterHeaders[i], Value: []byte(v)})
		}
		value := rec.Value
		if value == nil {
			value = []byte{} // a tombstone's dead letter must not delete its key
		}
		t.deadLetters = append(t.deadLetters, kafka.Record{Topic: r.deadLetter, Partition: kafka.AnyPartition,
			Key: rec.Key, Value: value, Timestamp: rec.Timestamp, Headers: hs})
	}
	return nil
}

// flushDeadLetters writes the epoch's dead letters, before the epoch
// commits.
func (q *Query) flushDeadLetters(ctx context.Context) error {
	if len(q.deadLetters) == 0 {
		return nil
	}
	if err := q.writer().Write(ctx, q.deadLetters); err != nil {
		return fmt.Errorf("write dead letters: %w", err)
	}
	q.dead.Add(int64(len(q.deadLetters)))
	q.deadLetters = q.deadLetters[:0]
	q.wroteKafka = true
	return nil
}
