package kafka

import "github.com/twmb/franz-go/pkg/kgo"

// AnyPartition in Record.Partition lets the Writer choose the partition:
// by the key's murmur2 hash as Kafka's default partitioner does, or
// round-robin for keyless records.
const AnyPartition int32 = -1

// Header is one record header. It is franz-go's type, so records read from
// Kafka hand their headers on without copying.
type Header = kgo.RecordHeader

// Record is one Kafka record.
//
// Records returned by a Reader share their Key, Value and Headers with the
// fetched data; they stay valid (nothing reuses them) but must be treated as
// read-only.
type Record struct {
	Topic string
	// Partition is the record's partition. For writing, AnyPartition lets
	// the Writer choose; 0 and above are used as given. Note that the zero
	// value is partition 0.
	Partition int32
	Offset    int64 // set on read; ignored on write
	Key       []byte
	// Value nil is a tombstone: in a compacted (upsert) topic it deletes
	// the key. An empty non-nil Value is an empty record, not a tombstone.
	Value     []byte
	Timestamp int64 // milliseconds since the epoch; 0 on write means now
	Headers   []Header
	// LogAppendTime (set on read): the broker stamped the record when it
	// appended it (the topic's message.timestamp.type), rather than the
	// producer when it created it.
	LogAppendTime bool
}
