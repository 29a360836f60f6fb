// Package runtime runs continuous queries. Start turns a physical plan into
// operators and runs them in a goroutine: read a batch of records from the
// source topics and decode it (or generate the due rows of a generated
// table: 'connector' = 'datagen' or 'nexmark', see generated.go), push it
// through the operators into the sink, then end the epoch — every operator
// flushes into the epoch's state transaction, which commits atomically with
// the source positions. After a crash the query resumes from its last
// commit, so a materialized view never counts a record twice or misses one.
//
// A query into a Kafka table is exactly-once (eos.go): its epochs last an
// interval, each one Kafka transaction holding its output and its state
// changelog, committed before the state store; on start it restores the
// state the store lacks from the changelog. Reset (reset.go) empties a
// query's state and moves its inputs back for RESET QUERY.
//
// The runtime also answers FLUSH (WaitFor: has the query committed
// everything before these offsets?) and SHOW QUERIES (Stats).
package runtime
