// Package embedded runs the Kafka-compatible broker and the schema registry
// that riffle uses when no external cluster is configured.
//
// The broker is franz-go's kfake with a single node, persisted under a data
// directory (kfake.DataDir), so records survive a restart of riffle. It speaks
// the real Kafka protocol over TCP: any Kafka client (kcat, the Java clients,
// franz-go) can produce to it and consume from it, and riffle itself talks to
// it through connectors/kafka exactly as it talks to a real cluster.
// Automatic topic creation is off: riffle creates the topics it needs
// explicitly, so a typo in a topic name is an error rather than a new topic.
//
// The registry is franz-go's srfake, a Confluent-compatible schema registry,
// served over HTTP on a listener of our choosing. The registrations it
// accepts are logged under a data directory and replayed at start, so the
// schema ids in records written before a restart still resolve.
//
//	b, err := embedded.StartBroker(filepath.Join(dataDir, "kafka"), "127.0.0.1:9092", 4)
//	...
//	defer b.Close()
//	cluster, err := kafka.Connect(ctx, []string{b.Addr()})
package embedded
