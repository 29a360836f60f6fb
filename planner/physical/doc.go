// Package physical holds the plan the runtime executes: the operator tree and
// where its changes go (a materialized view's state, or a table's topic).
//
// In this first slice every logical operator (scan, filter, project) has a
// single incremental implementation, so the physical tree is the logical tree
// and Plan only adds the sink and checks that the sink accepts what the tree
// produces. Operators with several implementations (hash or interval join,
// window or group aggregate) get physical nodes of their own as they arrive.
package physical
