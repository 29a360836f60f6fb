package physical

import (
	"strings"

	"riffle/planner/logical"
	"riffle/planner/scalar"
)

// A plan runs as tasks (design.md, "Scale"). With a parallelism of n, every
// scan is read by n tasks, each owning some of the source's partitions, and
// each task runs its own copy of the operators above the scan up to the
// first exchange. An exchange sits on one edge of the plan and sends each
// row to the task that owns it downstream: hashed by the key of the
// stateful operator it feeds (its group, join, partition or upsert key),
// so that each key's state lives in one task; or gathered into a single
// task, for the operators that need every row in one place. Parallelize
// places them; the tree itself is not changed, so the stream properties,
// the state layout and the state tables handed out stay those of the
// one-task plan.
//
// What runs where, at parallelism n > 1:
//
//   - Scans, and the stateless operators over them (filters, projections,
//     TUMBLE/HOP/CUMULATE window assignment, UNION ALL), run in n tasks, in
//     the tasks of their input.
//   - A keyed stateful operator runs in n tasks behind an exchange hashing
//     by its key: an aggregate with GROUP BY, a join with equality keys
//     (both inputs), a temporal join with keys, a Top-N with PARTITION BY,
//     a SESSION window with PARTITION BY, the normalisation of an upsert
//     table (by its primary key). A HOP aggregate by slices runs with its
//     window TVF behind an exchange below the TVF (placeSliced).
//   - An OVER window with PARTITION BY runs in n tasks, hashed by the
//     partition; GROUPING SETS, stateless, runs in the tasks of its input,
//     and the aggregate over it hashes by its groups, the set among them.
//   - An operator without a key runs in one task behind a gathering
//     exchange: a global aggregate (no GROUP BY), a Top-N without PARTITION
//     BY (ORDER BY … LIMIT), a join without an equality key, the null-aware
//     anti join of NOT IN (which needs to know whether the whole subquery
//     has a NULL), a SESSION window without PARTITION BY, an OVER window
//     without PARTITION BY.
//   - The sink runs in one task: one writer of the view's rows, one Kafka
//     transaction per epoch. A blackhole sink, which only counts, runs in
//     the tasks of its input.
//   - Everything above an operator that runs in one task stays in that task,
//     until the next keyed operator hashes the rows out again.

// MaxParallelism bounds a query's parallelism. It is also the number of
// key groups: an exchange hashes a key into one of MaxParallelism key
// groups (as Flink's maximum parallelism does), and key group g belongs to
// task g·n/MaxParallelism of n, so each task owns a contiguous range.
const MaxParallelism = 256

// Exchange redistributes the rows that flow along one edge of the plan.
type Exchange struct {
	// Keys, over the columns of the rows exchanged, hash each row to the
	// task owning its key group; nil gathers every row into one task.
	Keys []scalar.Expr
}

// Describe is the exchange's line in EXPLAIN.
func (x *Exchange) Describe() string {
	if x.Keys == nil {
		return "Exchange gather"
	}
	ks := make([]string, len(x.Keys))
	for i, k := range x.Keys {
		ks[i] = k.String()
	}
	return "Exchange hash=(" + strings.Join(ks, ", ") + ")"
}

// Edge names the edge from a node's input to the node: input Input of
// Node, or the sink's input when Node is nil.
type Edge struct {
	Node  logical.Node
	Input int
}

// KeyGroup is the key group a key hash falls in.
func KeyGroup(hash uint64) int { return int(hash % MaxParallelism) }

// TaskOf is the task, of n, that owns key group g.
func TaskOf(g, n int) int { return g * n / MaxParallelism }

// Parallelize splits the plan into parts run by n tasks each (n is clamped
// to 1…MaxParallelism), placing the exchanges between them. At n = 1 the
// whole query is one task and there are no exchanges.
func (p *Plan) Parallelize(n int) {
	n = min(max(n, 1), MaxParallelism)
	p.Parallelism = n
	p.Exchanges = nil
	p.single = nil
	if n == 1 {
		return
	}
	p.Exchanges = map[Edge]*Exchange{}
	p.single = map[logical.Node]bool{}
	if !p.place(p.Root) {
		if _, ok := p.Sink.(*BlackholeSink); !ok {
			p.Exchanges[Edge{nil, 0}] = &Exchange{}
		}
	}
}

// SinkTasks is how many tasks run the sink.
func (p *Plan) SinkTasks() int {
	if p.ExchangeAt(nil, 0) != nil {
		return 1
	}
	return p.TasksOf(p.Root)
}

// place decides where n's subtree runs and reports whether n's output is
// in one task.
func (p *Plan) place(n logical.Node) bool {
	if a, ok := n.(*logical.Aggregate); ok {
		if tvf := logical.Sliced(a); tvf != nil {
			return p.placeSliced(a, tvf)
		}
	}
	ins := n.Inputs()
	single := make([]bool, len(ins))
	for i, c := range ins {
		single[i] = p.place(c)
	}
	keys, keyed := partitionKeys(n)
	switch {
	case keyed:
		// The rows of one key meet in the task that owns it.
		for i := range ins {
			p.Exchanges[Edge{n, i}] = &Exchange{Keys: keys[i]}
		}
		return false
	case len(ins) == 0:
		return false // a scan: read by every task
	case needsOneTask(n):
		p.gather(n, single)
		return true
	}
	// A stateless operator runs in the tasks of its input; a union of
	// inputs some of which are in one task runs in one task.
	for _, s := range single {
		if s {
			p.gather(n, single)
			return true
		}
	}
	return false
}

// placeSliced places an aggregate that runs by slices (logical.Sliced) in
// one operator with the HOP window TVF below it: the exchange goes below
// the TVF, hashing by the grouping minus the window's columns (it reads
// the TVF's input columns, at the same places), or gathering when that is
// all the grouping is.
func (p *Plan) placeSliced(a *logical.Aggregate, tvf *logical.WindowTVF) bool {
	single := p.place(tvf.Input)
	width := tvf.Input.Schema().Len()
	var keys []scalar.Expr
	for _, g := range a.Groups {
		if c, ok := g.(*scalar.ColRef); !ok || c.Idx < width {
			keys = append(keys, g)
		}
	}
	if len(keys) > 0 {
		p.Exchanges[Edge{tvf, 0}] = &Exchange{Keys: keys}
		return false
	}
	p.single[a], p.single[tvf] = true, true
	if !single {
		p.Exchanges[Edge{tvf, 0}] = &Exchange{}
	}
	return true
}

// gather puts n in one task, gathering its inputs that run in several.
func (p *Plan) gather(n logical.Node, single []bool) {
	p.single[n] = true
	for i, s := range single {
		if !s {
			p.Exchanges[Edge{n, i}] = &Exchange{}
		}
	}
}

// partitionKeys returns, for a keyed stateful operator, the key each of
// its inputs is hashed by; keyed is false for any other node.
func partitionKeys(n logical.Node) (keys [][]scalar.Expr, keyed bool) {
	switch n := n.(type) {
	case *logical.Aggregate:
		if len(n.Groups) > 0 {
			return [][]scalar.Expr{n.Groups}, true
		}
	case *logical.Normalize:
		if k := n.Input.Props().Key; len(k) > 0 {
			return [][]scalar.Expr{columns(n.Input, k)}, true
		}
	case *logical.TopN:
		if len(n.PartitionBy) > 0 {
			return [][]scalar.Expr{columns(n.Input, n.PartitionBy)}, true
		}
	case *logical.WindowTVF:
		if n.Kind == "SESSION" && len(n.PartitionBy) > 0 {
			return [][]scalar.Expr{columns(n.Input, n.PartitionBy)}, true
		}
	case *logical.Join:
		// NOT IN's anti join must see every right row: one NULL among
		// them makes every answer unknown.
		if len(n.LeftKeys) > 0 && !n.NullAware {
			return [][]scalar.Expr{n.LeftKeys, n.RightKeys}, true
		}
	case *logical.TemporalJoin:
		if len(n.LeftKeys) > 0 {
			return [][]scalar.Expr{n.LeftKeys, n.RightKeys}, true
		}
	case *logical.Over:
		// An Over's calls share one window (one Over per window), whose
		// partitions are independent: each keeps its rows and values.
		if k := overPartition(n); len(k) > 0 {
			return [][]scalar.Expr{k}, true
		}
	}
	return nil, false
}

// overPartition is the PARTITION BY of an Over's window: nil when it has
// none, or when its calls do not all share it (then it runs in one task).
func overPartition(n *logical.Over) []scalar.Expr {
	if len(n.Calls) == 0 {
		return nil
	}
	k := n.Calls[0].Partition
	for _, c := range n.Calls[1:] {
		if !sameExprs(c.Partition, k) {
			return nil
		}
	}
	return k
}

func sameExprs(a, b []scalar.Expr) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].String() != b[i].String() {
			return false
		}
	}
	return true
}

// needsOneTask reports whether n keeps state without a key to partition it
// by, so that it must see every row.
func needsOneTask(n logical.Node) bool {
	switch n := n.(type) {
	case *logical.Aggregate, *logical.TopN, *logical.Join, *logical.TemporalJoin:
		return true
	case *logical.WindowTVF:
		return n.Kind == "SESSION"
	}
	return n.Props().State != ""
}

// columns are references to columns cols of n's output.
func columns(n logical.Node, cols []int) []scalar.Expr {
	s := n.Schema()
	out := make([]scalar.Expr, len(cols))
	for i, c := range cols {
		out[i] = &scalar.ColRef{Idx: c, Name: s.Columns[c].Name, T: s.Columns[c].Type}
	}
	return out
}

// ExchangeAt is the exchange on input i of n (n nil: the sink's input), or
// nil when there is none.
func (p *Plan) ExchangeAt(n logical.Node, i int) *Exchange {
	return p.Exchanges[Edge{n, i}]
}

// TasksOf is how many tasks run node n.
func (p *Plan) TasksOf(n logical.Node) int {
	if p.Parallelism <= 1 || p.single[n] {
		return 1
	}
	return p.Parallelism
}
