// Package state keeps operator state, source positions and catalog metadata
// in one Pebble database, and commits them together once per epoch.
//
// # Why one store and epochs
//
// riffle's exactly-once guarantee rests on a single atomic write per epoch
// and query: every operator's state changes for the epoch, the positions its
// sources have reached, and any metadata that must move in step all land in
// one Pebble batch, or none of it does. After a crash a query reopens its
// tables, reads its source positions and resumes from exactly there. This
// is RisingWave's StateTable model (writes buffered per epoch, committed
// with the source positions), with a Pebble indexed batch as the buffer.
//
// # Usage
//
//	st, _ := state.Open(dir)
//	id, _ := st.NextTableID()            // once, when the operator is planned
//	txn := st.Begin()                    // one per query task
//	counts := txn.Table(id)              // bound at Operator.Open
//	key := state.AppendTupleKey(nil, types.Row{types.NewInt(7)})
//	counts.Put(key, state.AppendRow(nil, types.Row{types.NewInt(1)}))
//	txn.PutPosition("q1", "bids/0", offset)
//	_ = txn.Commit(true)                 // at the barrier: all or nothing
//
// # Changelog
//
// A query into Kafka also writes each epoch to a changelog topic before it
// commits here (exec/runtime): Txn.Writes lists the epoch's writes, named
// by table index rather than id so that they mean the same on any store,
// EncodeWrite/DecodeWrite turn them into compactable records, and
// Txn.Apply replays them when the store is behind the changelog or lost
// the query's state. Store.ID names the store in names outside it.
//
// # Keyspace
//
// Every Pebble key starts with a one-byte namespace:
//
//	0x00 'system'  <name>                        store internals: format version,
//	                                             the table-id counter
//	0x01 'meta'    <key bytes>                   Meta: catalog records by string key
//	0x02 'pos'     <query, escaped> <part bytes> source positions per query and
//	                                             partition (the query name is
//	                                             key-encoded, so one query's
//	                                             positions are one prefix)
//	0x10 'table'   <table id, uint32 BE> <key>   state tables
//
// A table's id is allocated once by NextTableID from a persistent counter
// and never reused, so dropping a query and creating another cannot read a
// dead operator's leftovers even if the range delete has not compacted yet.
//
// # Encodings
//
// Keys inside a table are what the operator makes them, normally tuples
// encoded with AppendKey/AppendKeyDesc/AppendTupleKey/AppendTupleKeyDirs
// (keycodec.go): byte order equals types.Compare order, so range scans,
// ordered top-N and window cleanup by time prefix work on raw bytes, and a
// prefix of a tuple's columns is a byte prefix of its key (Table.Scan).
// Values are normally rows encoded with AppendRow (rowcodec.go), which is
// compact and exact but does not sort. Both encodings are on disk:
// testdata/state/codec pins their bytes, and changing them needs a new
// format version (the store refuses to open a version it does not know).
//
// # Concurrency contract
//
// A Store is safe for concurrent use: many query tasks hold their own Txn
// and commit concurrently; Pebble orders their commits. A Txn, its Tables
// and their Iters belong to one goroutine (the query task's) and are not
// safe for concurrent use. Txns never conflict by design: each operator
// owns its tables, and tasks of one operator that share a table write
// disjoint keys (e.g. keys led by the partition), so no conflict detection
// is done. Store.Table gives other goroutines (the gateway serving a
// materialized view) a read-only view of committed data.
//
// Reads through a Txn see committed data overlaid with the epoch's pending
// writes; an Iter sees the writes made before it was opened. All Iters
// must be closed before Commit or Abort.
package state
