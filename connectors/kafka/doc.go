// Package kafka talks to a Kafka cluster (the embedded broker or any real
// one) with franz-go: topic administration, reading fixed partitions from
// exact offsets, and writing records.
//
// riffle keeps its own source positions in its state store, committed with
// the state they produced, so the Reader uses no consumer group: it is told
// which partitions to read and from which offsets, and reports where it is
// (Position) for the next commit. It reads with read_committed isolation, so
// records of aborted transactions are never seen and records of open ones
// are held back; this is what makes riffle's own transactional output safe
// to read.
//
//	c, err := kafka.Connect(ctx, []string{"127.0.0.1:9092"})
//	n, err := c.TopicPartitions(ctx, "bids")          // errors.Is(err, kafka.ErrNoTopic)
//	r, err := kafka.NewReader(c, "bids", map[int32]int64{0: 0, 1: 0})
//	recs, err := r.Poll(ctx)                           // blocks until records arrive
//	w := kafka.NewWriter(c)
//	err = w.Write(ctx, []kafka.Record{{Topic: "out", Partition: kafka.AnyPartition, Value: v}})
//
// Administration uses the plain protocol requests of kmsg rather than kadm,
// which is not a direct dependency of the module.
package kafka
