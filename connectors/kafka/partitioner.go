package kafka

import "github.com/twmb/franz-go/pkg/kgo"

// partitioner chooses a record's partition: the one the record names, else
// its key's murmur2 hash as Kafka's Java client does, else round-robin.
// kgo hands the record to the partitioner unmodified, so Record.Partition
// still holds what the Writer set (AnyPartition or an explicit partition).
type partitioner struct{}

var _ kgo.Partitioner = partitioner{}

func (partitioner) ForTopic(topic string) kgo.TopicPartitioner {
	return &topicPartitioner{byKey: kgo.StickyKeyPartitioner(nil).ForTopic(topic)}
}

// topicPartitioner is used by one producer goroutine at a time (kgo's
// guarantee), so its counter needs no lock.
type topicPartitioner struct {
	byKey kgo.TopicPartitioner
	next  int
}

// RequiresConsistency is true for records whose partition is determined
// (explicit or keyed): they must not move to another partition when theirs
// is temporarily unavailable.
func (p *topicPartitioner) RequiresConsistency(r *kgo.Record) bool {
	return r.Partition >= 0 || r.Key != nil
}

func (p *topicPartitioner) Partition(r *kgo.Record, n int) int {
	switch {
	case r.Partition >= 0:
		return int(r.Partition)
	case r.Key != nil:
		return p.byKey.Partition(r, n)
	}
	p.next++
	if p.next >= n {
		p.next = 0
	}
	return p.next
}
