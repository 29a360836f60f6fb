package embedded

import (
	"fmt"
	"net"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Broker is a running single-node embedded Kafka broker.
type Broker struct {
	cluster *kfake.Cluster
	addr    string
}

// StartBroker starts a one-broker kfake cluster that persists its log under
// dir and listens on addr ("127.0.0.1:9092"; port 0 picks a free port, see
// Addr). Topics created without an explicit partition count get partitions
// partitions. If dir already holds a broker's data, its topics and records
// are loaded.
func StartBroker(dir, addr string, partitions int) (*Broker, error) {
	if partitions < 1 {
		return nil, fmt.Errorf("embedded broker: partitions must be at least 1, got %d", partitions)
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("embedded broker: listen address %q: %w", addr, err)
	}
	// kfake always asks to listen on 127.0.0.1:<port>; the listen function
	// replaces that with the address we were given so that a host other
	// than loopback can be chosen.
	listen := func(network, _ string) (net.Listener, error) {
		return net.Listen(network, addr)
	}
	c, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.ListenFn(listen),
		kfake.DataDir(dir),
		kfake.DefaultNumPartitions(partitions),
	)
	if err != nil {
		return nil, fmt.Errorf("embedded broker: start on %s with data in %s: %w", addr, dir, err)
	}
	addrs := c.ListenAddrs()
	if len(addrs) != 1 {
		c.Close()
		return nil, fmt.Errorf("embedded broker: expected one listener, got %d", len(addrs))
	}
	if err := settleCrashedTxns(addrs[0]); err != nil {
		c.Close()
		return nil, fmt.Errorf("embedded broker: settle the transactions a crash left open in %s: %w", dir, err)
	}
	return &Broker{cluster: c, addr: addrs[0]}, nil
}

// Addr returns the host:port the broker listens on, to be given to Kafka
// clients as the bootstrap server.
func (b *Broker) Addr() string { return b.addr }

// Close stops the broker, closing client connections and flushing its data
// directory. It is safe to call more than once.
func (b *Broker) Close() { b.cluster.Close() }

// Compact runs log compaction now on every topic with cleanup.policy
// compact (the broker also compacts on its own schedule).
func (b *Broker) Compact() { b.cluster.Compact() }
