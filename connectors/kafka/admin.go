package kafka

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// ErrNoTopic is wrapped by the errors returned for a topic that does not
// exist; test for it with errors.Is.
var ErrNoTopic = errors.New("topic does not exist")

// ErrTopicExists is wrapped by the error CreateTopic returns when the topic
// already exists.
var ErrTopicExists = errors.New("topic already exists")

// CreateTopic creates a topic with the given number of partitions (-1 for
// the broker's default) and the broker's default replication factor. It is
// an error, wrapping ErrTopicExists, if the topic exists; use EnsureTopic to
// accept an existing topic.
func (c *Cluster) CreateTopic(ctx context.Context, name string, partitions int32) error {
	return c.CreateTopicWithConfigs(ctx, name, partitions, nil)
}

// CreateTopicWithConfigs is CreateTopic with topic configs, e.g.
// cleanup.policy=compact for a topic that holds the latest value per key.
func (c *Cluster) CreateTopicWithConfigs(ctx context.Context, name string, partitions int32, configs map[string]string) error {
	req := kmsg.NewPtrCreateTopicsRequest()
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic, rt.NumPartitions, rt.ReplicationFactor = name, partitions, -1
	for _, k := range slices.Sorted(maps.Keys(configs)) {
		cfg := kmsg.NewCreateTopicsRequestTopicConfig()
		cfg.Name, cfg.Value = k, kmsg.StringPtr(configs[k])
		rt.Configs = append(rt.Configs, cfg)
	}
	req.Topics = append(req.Topics, rt)
	req.TimeoutMillis = timeoutMillis(ctx)
	resp, err := req.RequestWith(ctx, c.cl)
	if err != nil {
		return fmt.Errorf("create topic %q: %w", name, err)
	}
	if len(resp.Topics) != 1 {
		return fmt.Errorf("create topic %q: broker answered for %d topics", name, len(resp.Topics))
	}
	t := resp.Topics[0]
	switch err := kerr.ErrorForCode(t.ErrorCode); {
	case err == nil:
		return nil
	case errors.Is(err, kerr.TopicAlreadyExists):
		return fmt.Errorf("create topic %q: %w", name, ErrTopicExists)
	default:
		if t.ErrorMessage != nil {
			return fmt.Errorf("create topic %q: %w: %s", name, err, *t.ErrorMessage)
		}
		return fmt.Errorf("create topic %q: %w", name, err)
	}
}

// EnsureTopic creates the topic if it does not exist. An existing topic is
// left as it is, whatever its partition count.
func (c *Cluster) EnsureTopic(ctx context.Context, name string, partitions int32) error {
	err := c.CreateTopic(ctx, name, partitions)
	if errors.Is(err, ErrTopicExists) {
		return nil
	}
	return err
}

// TopicPartitions returns the number of partitions of a topic, or an error
// wrapping ErrNoTopic that names it.
func (c *Cluster) TopicPartitions(ctx context.Context, name string) (int32, error) {
	parts, err := c.partitions(ctx, name)
	if err != nil {
		return 0, err
	}
	return int32(len(parts)), nil
}

// partitions returns the partition ids of a topic, sorted.
func (c *Cluster) partitions(ctx context.Context, name string) ([]int32, error) {
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(name)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, c.cl)
	if err != nil {
		return nil, fmt.Errorf("describe topic %q: %w", name, err)
	}
	for _, t := range resp.Topics {
		if t.Topic == nil || *t.Topic != name {
			continue
		}
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil {
			if errors.Is(err, kerr.UnknownTopicOrPartition) {
				return nil, fmt.Errorf("topic %q: %w", name, ErrNoTopic)
			}
			return nil, fmt.Errorf("describe topic %q: %w", name, err)
		}
		ps := make([]int32, 0, len(t.Partitions))
		for _, p := range t.Partitions {
			ps = append(ps, p.Partition)
		}
		slices.Sort(ps)
		return ps, nil
	}
	return nil, fmt.Errorf("topic %q: %w", name, ErrNoTopic)
}

// ListTopics returns the names of the cluster's topics, sorted, without
// Kafka's internal topics (__consumer_offsets, __transaction_state).
func (c *Cluster) ListTopics(ctx context.Context) ([]string, error) {
	req := kmsg.NewPtrMetadataRequest()
	req.Topics = nil // all topics
	resp, err := req.RequestWith(ctx, c.cl)
	if err != nil {
		return nil, fmt.Errorf("list topics: %w", err)
	}
	var names []string
	for _, t := range resp.Topics {
		if t.Topic == nil || t.IsInternal || kerr.ErrorForCode(t.ErrorCode) != nil {
			continue
		}
		names = append(names, *t.Topic)
	}
	slices.Sort(names)
	return names, nil
}

// DeleteTopic deletes a topic and its records. Deleting a topic that does
// not exist is an error wrapping ErrNoTopic.
func (c *Cluster) DeleteTopic(ctx context.Context, name string) error {
	req := kmsg.NewPtrDeleteTopicsRequest()
	// Old versions name topics in TopicNames, v6+ in Topics; kgo picks the
	// version, so fill both.
	req.TopicNames = []string{name}
	rt := kmsg.NewDeleteTopicsRequestTopic()
	rt.Topic = kmsg.StringPtr(name)
	req.Topics = append(req.Topics, rt)
	req.TimeoutMillis = timeoutMillis(ctx)
	resp, err := req.RequestWith(ctx, c.cl)
	if err != nil {
		return fmt.Errorf("delete topic %q: %w", name, err)
	}
	for _, t := range resp.Topics {
		switch err := kerr.ErrorForCode(t.ErrorCode); {
		case err == nil:
		case errors.Is(err, kerr.UnknownTopicOrPartition):
			return fmt.Errorf("delete topic %q: %w", name, ErrNoTopic)
		default:
			return fmt.Errorf("delete topic %q: %w", name, err)
		}
	}
	return nil
}

// DeleteGroup deletes a consumer group and its committed offsets; a group
// that does not exist is no error (what was asked is true).
func (c *Cluster) DeleteGroup(ctx context.Context, group string) error {
	req := kmsg.NewPtrDeleteGroupsRequest()
	req.Groups = []string{group}
	resp, err := req.RequestWith(ctx, c.cl)
	if err != nil {
		return fmt.Errorf("delete group %q: %w", group, err)
	}
	for _, g := range resp.Groups {
		if err := kerr.ErrorForCode(g.ErrorCode); err != nil && !errors.Is(err, kerr.GroupIDNotFound) {
			return fmt.Errorf("delete group %q: %w", group, err)
		}
	}
	return nil
}

// EndOffsets returns, per partition, the offset one past the last record a
// read_committed reader can see: the last stable offset, which is the high
// watermark unless a transaction is open. A Reader that has reached these
// offsets has read everything committed when EndOffsets was called.
func (c *Cluster) EndOffsets(ctx context.Context, topic string) (map[int32]int64, error) {
	return c.listOffsets(ctx, topic, -1, 1)
}

// StartOffsets returns, per partition, the log start offset: the first
// offset not yet removed by retention.
func (c *Cluster) StartOffsets(ctx context.Context, topic string) (map[int32]int64, error) {
	return c.listOffsets(ctx, topic, -2, 0)
}

// OffsetsForTime returns, per partition, the offset of the first record
// whose timestamp is at or after ms (milliseconds since the epoch), or the
// end offset when there is none: where a read bounded by that time stops.
func (c *Cluster) OffsetsForTime(ctx context.Context, topic string, ms int64) (map[int32]int64, error) {
	at, err := c.listOffsets(ctx, topic, ms, 1)
	if err != nil {
		return nil, err
	}
	end, err := c.EndOffsets(ctx, topic)
	if err != nil {
		return nil, err
	}
	for p, o := range at {
		if o < 0 {
			at[p] = end[p]
		}
	}
	return at, nil
}

// listOffsets lists one offset per partition of topic; ts -1 is the end and
// -2 the start, isolation 1 is read_committed.
func (c *Cluster) listOffsets(ctx context.Context, topic string, ts int64, isolation int8) (map[int32]int64, error) {
	parts, err := c.partitions(ctx, topic)
	if err != nil {
		return nil, err
	}
	req := kmsg.NewPtrListOffsetsRequest()
	req.ReplicaID = -1
	req.IsolationLevel = isolation
	rt := kmsg.NewListOffsetsRequestTopic()
	rt.Topic = topic
	for _, p := range parts {
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Partition, rp.Timestamp, rp.CurrentLeaderEpoch = p, ts, -1
		rt.Partitions = append(rt.Partitions, rp)
	}
	req.Topics = append(req.Topics, rt)
	// kgo splits the request by partition leader and merges the answers.
	resp, err := req.RequestWith(ctx, c.cl)
	if err != nil {
		return nil, fmt.Errorf("list offsets of topic %q: %w", topic, err)
	}
	out := make(map[int32]int64, len(parts))
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				return nil, fmt.Errorf("list offsets of topic %q partition %d: %w", topic, p.Partition, err)
			}
			out[p.Partition] = p.Offset
		}
	}
	if len(out) != len(parts) {
		return nil, fmt.Errorf("list offsets of topic %q: got %d of %d partitions", topic, len(out), len(parts))
	}
	return out, nil
}

// timeoutMillis is the broker-side timeout for admin requests: what is left
// of ctx, capped at a minute.
func timeoutMillis(ctx context.Context) int32 {
	const maxMillis = 60_000
	if dl, ok := ctx.Deadline(); ok {
		if ms := time.Until(dl).Milliseconds(); ms < maxMillis {
			return int32(max(ms, 1))
		}
	}
	return maxMillis
}
