package runtime

import (
	"riffle/catalog"
	"riffle/exec/operator"
	"riffle/planner/logical"
	"riffle/planner/physical"
	"riffle/sql/sqlerr"
)

// build turns the plan's tree into operators. This slice runs linear
// pipelines: one scan of a table, then filters and projections.
func (q *Query) build() error {
	var chain []logical.Node
	n := q.plan.Root
	for {
		if s, ok := n.(*logical.Scan); ok {
			if s.Object.Kind != catalog.Table {
				return sqlerr.New(sqlerr.FeatureNotSupported,
					"a continuous query over the materialized view %q is not supported yet", s.Object.Name).
					WithHint("read the view's source tables instead; views over views arrive with the changelog work")
			}
			q.src = newSource(s.Object)
			break
		}
		in := n.Inputs()
		if len(in) != 1 {
			return sqlerr.New(sqlerr.FeatureNotSupported, "%s is not supported in a continuous query yet", n.Describe())
		}
		chain = append(chain, n)
		n = in[0]
	}
	for i := len(chain) - 1; i >= 0; i-- {
		op, err := newOperator(chain[i])
		if err != nil {
			return err
		}
		q.ops = append(q.ops, op)
		q.opTables = append(q.opTables, tablesOf(chain[i]))
	}
	switch s := q.plan.Sink.(type) {
	case *physical.ViewSink:
		q.sink, q.sinkTables = operator.NewMaterialize(), 1
	case *physical.TableSink:
		q.sink = operator.NewKafkaSink(q.deps.Writer, s.Table)
	}
	return nil
}

func newOperator(n logical.Node) (operator.Operator, error) {
	switch n := n.(type) {
	case *logical.Filter:
		return operator.NewFilter(n.Pred)
	case *logical.Project:
		return operator.NewProject(n.Exprs)
	case *logical.Aggregate:
		return operator.NewAggregate(n)
	case *logical.Normalize:
		return operator.NewNormalize(n.Input.Props().Key), nil
	}
	return nil, sqlerr.New(sqlerr.FeatureNotSupported, "%s is not supported in a continuous query yet", n.Describe())
}

// tablesOf is how many state tables the operator for n keeps.
func tablesOf(n logical.Node) int {
	switch n.(type) {
	case *logical.Aggregate:
		return operator.AggregateTables
	case *logical.Normalize:
		return 1
	}
	return 0
}

// TablesNeeded is how many state tables a plan's operators use, so the
// engine can allocate their ids before the first start. The runtime hands
// them out in plan order: operators from the source up, then the sink.
func TablesNeeded(p *physical.Plan) int {
	n := 0
	for node := p.Root; node != nil; {
		n += tablesOf(node)
		in := node.Inputs()
		if len(in) == 0 {
			break
		}
		node = in[0]
	}
	if _, ok := p.Sink.(*physical.ViewSink); ok {
		n++
	}
	return n
}
