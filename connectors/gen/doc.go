// Package gen is the contract between riffle's runtime and the connectors
// that generate a table's rows instead of reading them from Kafka:
// 'connector' = 'nexmark' (connectors/nexmark, the Nexmark benchmark's
// events) and 'connector' = 'datagen' (connectors/datagen, random or
// sequential rows of any schema).
//
// A generated table is one stream of rows numbered 0, 1, 2, … Every row is
// a pure function of the table's options (its seed and base time among
// them) and its number, so a reader that knows how many rows it has read
// can regenerate the rest after a restart, and two readers of the same
// table see the same rows. A Source is read in splits, the generated
// table's partitions: split s of n holds the rows s, s+n, s+2n, …, so n
// splits together hold exactly the rows one split would, in the same
// event-time span, whatever n is. The runtime reads each split like a Kafka
// partition: in order, a watermark per split, and a position (the count of
// rows read) committed with every epoch.
//
//	src, err := nexmark.New(gen.Table{Schema: s, Fill: cols, Options: opts})
//	rows := make([]types.Row, 1024) // each of s.Len() values, zeroed
//	src.Fill(first, stride, rows)  // rows first, first+stride, …
//
// A source may be paced: its rows come due at Rate() rows per second of
// wall-clock time (Flink's 'rows-per-second', and Nexmark's
// 'first-event.rate' without 'max-emit-speed'); the runtime generates a row
// only once it is due. An unpaced source is read as fast as the query
// consumes it.
//
// This package also holds what both generators share: the per-row random
// number generator (Rand), the options every generated table takes
// ('seed', 'base-time', 'scan.parallelism'), and the error that names the
// option it is about (OptionError), which CREATE TABLE positions at that
// option in the statement.
package gen
