package types

import "strings"

// Row is a tuple of values, positionally matching a Schema.
type Row []Value

// Column is one named, typed column of a Schema.
type Column struct {
	Name     string
	Type     Type
	Nullable bool
}

// Schema describes the columns of a relation, in order.
type Schema struct {
	Columns []Column
}

// Len returns the number of columns.
func (s Schema) Len() int { return len(s.Columns) }

// Find returns the index of the column named name, compared without regard
// to case (SQL identifiers are case-insensitive unless quoted, and the binder
// resolves quoting before it gets here), or -1.
func (s Schema) Find(name string) int {
	for i, c := range s.Columns {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}

// Names returns the column names.
func (s Schema) Names() []string {
	n := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		n[i] = c.Name
	}
	return n
}

// Diff is a signed multiplicity: +1 inserts one copy of a row, -1 removes
// one. An update is a -1 of the old row and a +1 of the new one. Operators
// that are linear (filter, project) pass it through unchanged.
type Diff int64

// Change is a row with its multiplicity. Inside the engine every stream is a
// sequence of Changes; the +I/-U/+U/-D row kinds are only a rendering made at
// sinks and in tests.
//
// Wm is the watermark the row was read under: the event time (µs since the
// epoch) up to which the stream was complete when the row arrived, from the
// rows before it. A window operator judges lateness by it, so a row is late
// or not whatever batches the rows were read in (the watermark itself moves
// between batches). Zero means no watermark (event time not declared, or
// nothing read yet). Operators that map rows one to one keep it.
type Change struct {
	Row  Row
	Diff Diff
	Wm   int64
}

// Batch is a run of changes processed together. Operators never keep a Batch
// after the call that handed it to them returns; the caller may reuse it.
type Batch []Change

// Clone returns a copy of r that shares nothing mutable with it.
func (r Row) Clone() Row { return append(Row(nil), r...) }
