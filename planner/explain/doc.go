// Package explain prints plans for EXPLAIN and golden files: one operator per
// line, indented under its parent, each with its output columns and stream
// properties (changelog kind, stream key, boundedness).
//
//	Materialize expensive
//	└─ Project auction#0 AS auction, (price#2 * 0.908) AS euros   [append-only]
//	   └─ Filter (price#2 > 100)                                   [append-only]
//	      └─ Scan bids [TABLE]                                     [append-only]
package explain
