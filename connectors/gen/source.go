package gen

import "riffle/sql/types"

// Source generates the rows of one table; see the package comment for how
// rows are numbered and split.
//
// A Source holds no reading state: Len, Splits and Rate are constants of
// the table, and Fill depends only on its arguments. Fill is called by one
// goroutine at a time (each reader builds its own Source).
type Source interface {
	// Len is how many rows the table has (-1: it never ends), and whether
	// the table ends after them. A table that stays open after its last
	// row (Nexmark's 'keep-alive') has rows >= 0 and ends false: a query
	// over it never finishes.
	Len() (rows int64, ends bool)
	// Splits is how many splits the table is read in ('scan.parallelism',
	// 1 unless set).
	Splits() int
	// Rate is how many rows per second of wall-clock time come due, over
	// the whole table: row n is due n/Rate seconds after row 0. Zero means
	// unpaced: every row is due at once.
	Rate() float64
	// Fill generates rows first, first+stride, first+2*stride, … into
	// rows, one each. Every row has the table's width and arrives zeroed
	// (all NULL); Fill sets the columns in Table.Fill and leaves the others
	// (computed columns) alone. The rows must lie within Len. The values
	// Fill stores are never reused or changed afterwards: the caller may
	// keep them as long as it likes.
	Fill(first, stride int64, rows []types.Row)
}

// Reuser is a Source that can make the values it stores inside rows (the
// fields of a ROW column: Fill stores the row's own values into the
// caller's memory, but allocates those) in memory it reuses from one call
// to the next. A batch of rows then costs no allocation at all, which is
// what lets a generator run at millions of rows a second per core without
// the garbage collector running at every batch.
type Reuser interface {
	Source
	// FillReusing is Fill, except that the values it stores may be
	// carved from memory that held those of the rows FillReusing filled
	// before the last Release. Fill's values are never reused, whatever
	// FillReusing does.
	FillReusing(first, stride int64, rows []types.Row)
	// Release is the caller's promise that nothing reads the rows of the
	// FillReusing calls so far any more (the runtime's, once the query's
	// first operator, which copies what it keeps out of its input rows,
	// has had them): their memory may serve the calls to come.
	Release()
}

// Table is what a generator is built for: a table's name (for errors), its
// schema, the columns the generator fills (every column but the computed
// ones, in schema order) and its WITH options.
type Table struct {
	Name    string
	Schema  types.Schema
	Fill    []int
	Options map[string]string
}

// SplitLen is how many of a table's rows split s of n holds: -1 when rows
// is (the table never ends).
func SplitLen(rows int64, s, n int) int64 {
	if rows < 0 {
		return -1
	}
	if rows <= int64(s) {
		return 0
	}
	return (rows - int64(s) + int64(n) - 1) / int64(n)
}

// Eager is a Source read whole at a query's first poll, and pushed ahead
// of the other sources' rows of that poll: a bounded side table (a
// 'filesystem' table) that a processing-time temporal join looks up, as
// Flink's lookup join reads its file before the first probe row.
type Eager interface {
	Source
	Eager() bool
}
