// Package planner turns parsed statements into plans. Its sub-packages are
// the stages, in order:
//
//	bind      statement AST + catalog → logical plan, names resolved, types checked
//	logical   relational operators, each deriving its stream properties
//	physical  the incremental plan the runtime executes (pure data)
//	explain   the printed form of both, with stream properties, for EXPLAIN
//	scalar    typed scalar expressions and the function catalogue
//
// The planner never touches Kafka, Pebble or goroutines: exec/runtime is the
// only place where a physical plan becomes running operators.
//
// Stream properties: every node states its changelog kind (append-only, upsert
// on a key, retract) and stream key. A continuous query's output kind must
// fit its sink; see physical.Build.
package planner
