package physical

import (
	"time"

	"riffle/catalog"
	"riffle/planner/logical"
	"riffle/sql/sqlerr"
)

// Plan is a continuous query ready to run.
type Plan struct {
	Root logical.Node
	Sink Sink
	// StateTTL bounds the state of the operators that honour it (see
	// logical.Props.Expires); 0 keeps state for as long as the query runs.
	StateTTL time.Duration
	// NodeTTL overrides StateTTL for nodes over inputs named by a STATE_TTL
	// hint (see ApplyHints).
	NodeTTL map[logical.Node]time.Duration
	// LateTable, when set, receives the rows the query drops as late.
	LateTable *catalog.Object
	// Parallelism is how many tasks run the plan's parallel parts, and
	// Exchanges are the exchanges between the parts, by the edge they sit
	// on (see Parallelize; 0 and none: the whole query is one task).
	Parallelism int
	Exchanges   map[Edge]*Exchange
	single      map[logical.Node]bool // nodes that run in one task
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

// BlackholeSink discards changes, counting them ('connector' = 'blackhole',
// as Flink's): a benchmark's sink, which takes every kind of change.
type BlackholeSink struct {
	Table *catalog.Object
}

// FileSink writes an append-only result to part files under a
// 'filesystem' table's path, each made visible when the epoch that wrote
// it commits (connectors/filesystem).
type FileSink struct {
	Table *catalog.Object
}

// SinkFor is the sink of INSERT INTO t: its topic, its files, or nothing
// for a blackhole table.
func SinkFor(t *catalog.Object) Sink {
	switch t.Options["connector"] {
	case "blackhole":
		return &BlackholeSink{Table: t}
	case "filesystem":
		return &FileSink{Table: t}
	}
	return &TableSink{Table: t}
}

func (s *FileSink) Describe() string {
	return "FileSink " + s.Table.Name + " path=" + s.Table.Options["path"] + " format=" + s.Table.Options["format"]
}

func (s *ViewSink) Describe() string { return "Materialize " + s.View.Name }
func (s *BlackholeSink) Describe() string {
	return "Sink " + s.Table.Name + " connector=blackhole"
}
func (s *TableSink) Describe() string {
	return "KafkaSink " + s.Table.Name + " topic=" + s.Table.Options["topic"]
}

// Build checks that the sink accepts root's changelog and returns the plan.
// An append-only table's topic is a log of inserts: writing an updating
// result to it would publish rows that later stop being true with no way
// for a reader to learn it.
func Build(root logical.Node, sink Sink) (*Plan, error) {
	if fs, ok := sink.(*FileSink); ok && root.Props().Changelog != logical.AppendOnly {
		// A file is a log of rows: a row once written cannot be taken back.
		return nil, sqlerr.New(sqlerr.FeatureNotSupported,
			"'filesystem' table %q takes only inserts, but the query produces updates (%s)", fs.Table.Name, root.Props().Changelog).
			WithHint("write an updating result to a materialized view or an upsert table")
	}
	if ts, ok := sink.(*TableSink); ok {
		p := root.Props()
		switch {
		case p.Changelog == logical.AppendOnly, ts.Table.Changelog():
			// A CDC table's records carry any change.
		case len(ts.Table.PrimaryKey) == 0:
			return nil, sqlerr.New(sqlerr.FeatureNotSupported,
				"table %q is append-only, but the query produces updates (%s)", ts.Table.Name, p.Changelog).
				WithHint("declare a PRIMARY KEY … NOT ENFORCED on the sink table so it becomes an upsert table, or write to a materialized view")
		case p.Key == nil || !keyWithin(p.Key, ts.Table):
			// An upsert table replaces rows by its key. Unless the result's
			// own key lies within the table's, two live rows of the result
			// can share a table key: the table would keep one, and lose the
			// other when the first is retracted.
			return nil, sqlerr.New(sqlerr.FeatureNotSupported,
				"the query's updates are not keyed by the primary key of upsert table %q", ts.Table.Name).
				WithHint("GROUP BY the table's key columns, or write to a materialized view")
		}
	}
	return &Plan{Root: root, Sink: sink}, nil
}

// keyWithin reports whether every column of key (indexes into the rows
// written, which are the table's non-virtual columns in order) is part of
// the table's primary key.
func keyWithin(key []int, t *catalog.Object) bool {
	var written []int // written[i] is the schema index of written column i
	for i := range t.Schema.Columns {
		if t.Columns == nil || !t.Columns[i].Virtual {
			written = append(written, i)
		}
	}
	for _, k := range key {
		in := false
		for _, pk := range t.PrimaryKey {
			if k < len(written) && written[k] == pk {
				in = true
			}
		}
		if !in {
			return false
		}
	}
	return true
}
