package logical

import (
	"fmt"

	"riffle/catalog"
	"riffle/planner/scalar"
	"riffle/sql/types"
)

// Scan reads a table (its Kafka topic) or a materialized view (its
// contents, then its changes).
type Scan struct {
	Object *catalog.Object
	// Snapshot is set for a one-shot read: the table up to its current end,
	// or the view's current contents.
	Snapshot bool
	// Watermark is the table's watermark expression over the record's
	// columns (computed columns replaced by their expressions), for a
	// continuous read of a table with WATERMARK FOR; nil otherwise. The
	// source evaluates it per record.
	Watermark scalar.Expr
	// EventTime is the event-time column's expression over the record's
	// columns, set with Watermark: a table that drops rows behind its
	// watermark at the source ('scan.watermark.drop-late') reads it.
	EventTime scalar.Expr
	// Checks are the table's CHECK constraints over the record's columns,
	// for a continuous read: a row that makes one false is a bad record.
	Checks []Check
}

// Check is a named CHECK constraint.
type Check struct {
	Name string
	Expr scalar.Expr
}

func (s *Scan) Schema() types.Schema { return s.Object.Schema }
func (s *Scan) Inputs() []Node       { return nil }

// Props: a table without a primary key is an append-only log; a
// materialized view's contents change, and rows are retracted.
func (s *Scan) Props() Props {
	p := Props{Bounded: s.Snapshot}
	switch {
	case s.Object.Kind == catalog.MaterializedView && !s.Snapshot:
		// Its changes: the view's rows inserted and retracted, keyed as
		// its query keys them.
		p.Changelog, p.Key = Retract, s.Object.StreamKey
	case s.Object.Changelog():
		// A CDC table's records insert and retract whole rows; a primary
		// key it declares keys them.
		p.Changelog = Retract
		if len(s.Object.PrimaryKey) > 0 {
			p.Key = s.Object.PrimaryKey
		}
	case len(s.Object.PrimaryKey) > 0:
		p.Changelog, p.Key = Upsert, s.Object.PrimaryKey
	}
	return p
}

func (s *Scan) Describe() string {
	kind := "Scan"
	if s.Snapshot {
		kind = "SnapshotScan"
	}
	return fmt.Sprintf("%s %s [%s]", kind, s.Object.Name, s.Object.Kind)
}
