// Package operator holds riffle's incremental operators, one per file. Each
// receives batches of changes (row, diff) and emits the changes of its
// output; stateful operators keep their state only in state tables.
//
// An operator is called by one goroutine, in order: Open, then any mix of
// OnBatch, OnWatermark and OnBarrier, then Close. It never keeps a Batch
// after returning. Linear operators (Filter, Project) pass each change's
// diff through unchanged, so they work the same on inserts, updates and
// retractions.
package operator
