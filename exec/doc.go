// Package exec is riffle's runtime. Its sub-packages:
//
//	expr      compiles bound scalar expressions into evaluators
//	state     state tables on Pebble, committed per epoch with source positions
//	operator  the incremental operators (filter, project, materialize, sinks)
//	runtime   turns a physical plan into a running query: source → operators → sink,
//	          in epochs that commit state and positions atomically
//
// Data moves in batches of changes (types.Batch: row + diff). Operators are
// push-based and single-threaded: one goroutine calls each in order.
package exec
