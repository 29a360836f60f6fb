// Package filesystem reads and writes the files of a 'filesystem' table
// (Flink's connector of that name):
//
//	CREATE TABLE side_input (key BIGINT, `value` STRING)
//	WITH ('connector' = 'filesystem', 'path' = 'file:///data/side_input.txt', 'format' = 'csv');
//
//	CREATE TABLE bids_log (auction BIGINT, price BIGINT, dt STRING) PARTITIONED BY (dt)
//	WITH ('connector' = 'filesystem', 'path' = '/data/bids/', 'format' = 'json');
//
// A table's path is a file or a directory. Read, a directory holds every
// file below it whose name, and whose directories' names, do not start
// with '.' or '_' (in-progress and marker files), in path order; each file
// holds one record per line (csv or json lines). The values of a
// partitioned table's PARTITIONED BY columns are not in the files: they
// name the directories, col=value/ (Hive's layout, as Flink writes it),
// with the characters a path cannot hold escaped as %XX.
//
// Written (Sink), the rows of an epoch go to in-progress part files, one
// per partition directory, hidden by a leading '.'; Prepare closes and
// syncs them and names them, and the caller records those names with its
// epoch's commit; Commit then renames each to its visible name. A crash
// before the commit leaves only hidden in-progress files, which Abort
// removes on restart (the rows are written again from the committed
// source positions); a crash between the commit and the renames is
// finished on restart by Commit of the recorded names, which is
// idempotent. So a reader never sees a half-written file, and every row
// is in exactly one visible file. This is Flink's FileSink protocol
// (in-progress, pending, finished) with one epoch as the checkpoint.
//
// The package deals in bytes and paths: the caller turns records into
// rows with connectors/format and keeps the epoch state.
package filesystem
