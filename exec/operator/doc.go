// Package operator holds riffle's incremental operators, one per file. Each
// receives batches of changes (row, diff) and emits the changes of its
// output; stateful operators keep their state only in state tables.
//
// An operator is called by one goroutine, in order: Open, then any mix of
// OnBatch, OnWatermark and OnBarrier, then Close. It never keeps a Batch
// after returning. Linear operators (Calc: filters and projections) pass each change's
// diff through unchanged, so they work the same on inserts, updates and
// retractions. A continuous query runs each chain of filters and
// projections (views stack them) as one Calc, fused so that each row is
// copied once and each expression evaluated at most as often as the chain
// would (calc.go).
package operator
