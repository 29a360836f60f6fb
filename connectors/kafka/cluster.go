package kafka

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Cluster is a connection to one Kafka cluster. It is safe for concurrent
// use. Its client is used for administration and by every Writer; each
// Reader opens a client of its own because consumption is configured per
// client.
type Cluster struct {
	brokers []string
	cl      *kgo.Client
}

// Connect connects to the cluster reachable through the given bootstrap
// brokers and checks that at least one answers before ctx is done.
func Connect(ctx context.Context, brokers []string) (*Cluster, error) {
	if len(brokers) == 0 {
		return nil, errors.New("kafka: no bootstrap brokers given")
	}
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(brokers...),
		kgo.RecordPartitioner(partitioner{}),
		// riffle creates its topics explicitly; producing to a missing
		// topic must fail rather than create it with default settings.
		kgo.UnknownTopicRetries(3),
	)
	if err != nil {
		return nil, fmt.Errorf("kafka: connect to %s: %w", strings.Join(brokers, ","), err)
	}
	if err := cl.Ping(ctx); err != nil {
		cl.Close()
		return nil, fmt.Errorf("kafka: connect to %s: %w", strings.Join(brokers, ","), err)
	}
	return &Cluster{brokers: append([]string(nil), brokers...), cl: cl}, nil
}

// Brokers returns the bootstrap brokers the cluster was connected with.
func (c *Cluster) Brokers() []string { return append([]string(nil), c.brokers...) }

// Client returns the underlying franz-go client, for requests this package
// does not wrap. Callers must not close it.
func (c *Cluster) Client() *kgo.Client { return c.cl }

// Close closes the connection. Writers of the cluster must be done first:
// records not yet acknowledged fail.
func (c *Cluster) Close() { c.cl.Close() }
