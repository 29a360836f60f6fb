// Package node assembles a whole riffle server in one process: the Kafka
// cluster (embedded kfake broker, or an external cluster), the schema
// registry (embedded srfake, or external), the engine over a data
// directory, and the Postgres gateway on a listener. The riffle binary and
// the end-to-end tests start riffle through it, so they run the same thing.
package node
