package logical

// A stateful operator's state tables outlive the binary that wrote them: a
// query keeps running, with its state, across an upgrade of riffle. When a
// newer riffle stores an operator's state differently, it must still read
// the state a running query's operators wrote before it. So every plan is
// made at a planner version (bind.PlannerVersion for a new query, the one
// it was created with for a stored one), and the nodes whose operators have
// more than one layout carry that version as their Layout: an operator
// writes the layout its node says, and an old query's node says the old one.
// A Layout of 0 (a node made without binding, in the operators' tests) is
// the newest.
//
// The layouts that differ from one version to the next:
//
//	1, 2  the layouts of the first release
//	3     an Aggregate's DISTINCT calls of one argument share one value
//	      entry per group and value (exec/operator/aggregate_distinct.go)
//	      a Join side whose input only inserts keeps each insert under a
//	      short id, written without a read (exec/operator/join_append.go)
//	      a HOP window aggregate keeps one accumulator per slice and group
//	      (operator.SliceAggregate; see Sliced)
//	4     the rows of a TopN and of an Over keep only the columns it and
//	      its parent read, not every column up to the last one read
//	      (Prune)
//	      an append-only TopN keeps a partition's top as one entry under
//	      the partition's key (exec/operator/top_n_append.go)
//	      an Aggregate's shared DISTINCT entries are keyed by a short id
//	      per group, not by the group's values
//	      (exec/operator/aggregate_gid.go)

// StampLayout sets the state layout of every node under root that has one
// to version v.
func StampLayout(root Node, v int) {
	switch n := root.(type) {
	case *Join:
		n.Layout = v
	case *Aggregate:
		n.Layout = v
	case *TopN:
		n.Layout = v
	case *Over:
		n.Layout = v
	}
	for _, in := range root.Inputs() {
		StampLayout(in, v)
	}
}
