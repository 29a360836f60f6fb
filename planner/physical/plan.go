package physical

import (
	"riffle/catalog"
	"riffle/planner/logical"
	"riffle/sql/sqlerr"
)

// Plan is a continuous query ready to run.
type Plan struct {
	Root logical.Node
	Sink Sink
}

// Sink is where a continuous query's changes go.
type Sink interface {
	// Describe is the sink's line in EXPLAIN.
	Describe() string
}

// ViewSink maintains a materialized view's contents in a state table.
type ViewSink struct {
	View *catalog.Object
}

// TableSink writes changes as records to a table's topic.
type TableSink struct {
	Table *catalog.Object
}

func (s *ViewSink) Describe() string { return "Materialize " + s.View.Name }
func (s *TableSink) Describe() string {
	return "KafkaSink " + s.Table.Name + " topic=" + s.Table.Options["topic"]
}

// Build checks that the sink accepts root's changelog and returns the plan.
// An append-only table's topic is a log of inserts: writing an updating
// result to it would publish rows that later stop being true with no way
// for a reader to learn it.
func Build(root logical.Node, sink Sink) (*Plan, error) {
	if ts, ok := sink.(*TableSink); ok {
		p := root.Props()
		if p.Changelog != logical.AppendOnly && len(ts.Table.PrimaryKey) == 0 {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported,
				"table %q is append-only, but the query produces updates (%s)", ts.Table.Name, p.Changelog).
				WithHint("declare a PRIMARY KEY … NOT ENFORCED on the sink table so it becomes an upsert table, or write to a materialized view")
		}
	}
	return &Plan{Root: root, Sink: sink}, nil
}
