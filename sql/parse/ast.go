package parse

import (
	"riffle/sql/sqlerr"
	"riffle/sql/types"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// Statement is one parsed statement. Every statement carries its Source: the
// text the user wrote, for error positions and for storing in the catalog.
type Statement interface {
	Source() *Source
}

// Source is the text of one statement as the user wrote it, and what the
// dialect layer did to it before the TiDB parser saw it.
type Source struct {
	// Text is the statement exactly as written, without the trailing ';'.
	Text string
	// Input is the whole input the statement came from (a script or a
	// simple-protocol query string may hold several statements), and Offset
	// is where Text starts in it. Positions inside the statement are relative
	// to Text; errors are reported relative to Input, as PostgreSQL does.
	Input  string
	Offset int
	// Rewritten is the text handed to the TiDB parser ("" when the statement
	// was parsed by the dialect layer alone).
	Rewritten string
	// Ext is what the dialect layer took out of the text.
	Ext Extensions

	// edits maps positions in Rewritten back to positions in Text.
	edits []edit
}

// edit records that Rewritten[at:at+newLen] replaced Text[orig:orig+oldLen].
type edit struct {
	at, newLen   int
	orig, oldLen int
}

// Extensions is what the dialect layer took out of a statement so that the
// TiDB parser would accept it; the planner reads it back while binding.
type Extensions struct {
	// Casts maps the name of a placeholder function the layer put in place
	// of CAST(x AS <riffle type>) or x::<type> to the target type. The
	// placeholder is called with x as its only argument.
	Casts map[string]CastExt
	// Intervals maps the name of a placeholder function the layer put in
	// place of an interval literal (INTERVAL '5' SECOND) to the literal.
	// The placeholder takes no arguments.
	Intervals map[string]IntervalExt
}

// IntervalExt is one extracted interval literal. Value (interval.go)
// computes what it stands for.
type IntervalExt struct {
	// Type is INTERVAL YEAR TO MONTH or INTERVAL DAY TO SECOND.
	Type types.Type
	// Text is the quoted or numeric value as written, without quotes:
	// "5" for INTERVAL '5' SECOND, "1 day 2 hours" for PostgreSQL's
	// INTERVAL '1 day 2 hours'.
	Text string
	// Unit is the qualifier as written, upper-case and normalised to
	// single spaces ("SECOND", "DAY TO SECOND"); "" for PostgreSQL's form.
	Unit string
	Pos  int // position of the INTERVAL keyword in Text
}

// IntervalPrefix starts the name of every placeholder function for
// interval literals.
const IntervalPrefix = "__riffle_interval_"

// CastExt is one extracted cast.
type CastExt struct {
	Type types.Type
	Pos  int // position of the CAST keyword or the :: in Text
	// Name is set, with Type left Unknown, for a PostgreSQL catalog type
	// riffle has no type for (regclass, regtype, oid, name, …), written
	// lower-case without the pg_catalog qualifier; the binder decides what
	// such a cast means.
	Name string
	// Try is set for TRY_CAST, which yields NULL instead of failing.
	Try bool
}

// ParamPrefix starts the name of the placeholder function the layer puts in
// place of a $n parameter: $3 becomes __riffle_param_3().
const ParamPrefix = "__riffle_param_"

// CastPrefix starts the name of every placeholder function for casts.
const CastPrefix = "__riffle_cast_"

// Query is a query expression: the TiDB AST (*ast.SelectStmt or
// *ast.SetOprStmt) of the rewritten text.
type Query struct {
	Node ast.ResultSetNode
	// Text is the query's own text (e.g. the part after AS in CREATE
	// MATERIALIZED VIEW v AS …), as written.
	Text string
}

// CreateTable is CREATE TABLE, parsed by the dialect layer itself (the TiDB
// grammar has no WITH options, WATERMARK or NOT ENFORCED).
type CreateTable struct {
	Src         *Source
	Name        Name
	IfNotExists bool
	Columns     []ColumnDef
	PrimaryKey  []Name // PRIMARY KEY (…) NOT ENFORCED, or on a column
	Watermark   *Watermark
	Options     []Option // WITH ('k' = 'v', …), in written order
	As          *Query   // CREATE TABLE … AS SELECT
}

// Name is an identifier with the position where it was written. Unquoted
// and quoted names are both kept as written; lookups compare them without
// regard to case.
type Name struct {
	Name string
	Pos  int
}

// ColumnDef is one column of CREATE TABLE.
type ColumnDef struct {
	Name     Name
	Type     types.Type
	NotNull  bool
	Metadata *MetadataColumn // METADATA [FROM 'key'] [VIRTUAL]
	Computed *Expr           // name AS expr
}

// MetadataColumn is a column read from the Kafka record rather than its value.
type MetadataColumn struct {
	Key     string // "timestamp", "partition", "offset", "headers", …; defaults to the column name
	Virtual bool
}

// Watermark is WATERMARK FOR col AS expr.
type Watermark struct {
	Column Name
	Expr   *Expr
}

// Option is one 'key' = 'value' of a WITH clause.
type Option struct {
	Key    string
	Value  string
	KeyPos int
}

// Expr is a scalar expression parsed by the TiDB parser, with the source it
// came from (for casts and positions).
type Expr struct {
	Node ast.ExprNode
	Text string
}

// CreateView is CREATE [MATERIALIZED] VIEW name [(cols)] AS query.
type CreateView struct {
	Src          *Source
	Name         Name
	Materialized bool
	OrReplace    bool // CREATE OR REPLACE …
	IfNotExists  bool
	Columns      []Name
	Query        *Query
}

// Insert is INSERT INTO t [(cols)] VALUES … | SELECT ….
type Insert struct {
	Src     *Source
	Table   Name
	Columns []Name
	Values  [][]ast.ExprNode // set for VALUES
	Query   *Query           // set for INSERT … SELECT
}

// Select is a query run once (SELECT … FROM v reads the current contents).
type Select struct {
	Src   *Source
	Query *Query
}

// ShowKind says what SHOW lists.
type ShowKind string

// The things SHOW can list.
const (
	ShowTables            ShowKind = "TABLES"
	ShowViews             ShowKind = "VIEWS"
	ShowMaterializedViews ShowKind = "MATERIALIZED VIEWS"
	ShowQueries           ShowKind = "QUERIES"
	ShowTopics            ShowKind = "TOPICS"
	ShowCreateTable       ShowKind = "CREATE TABLE"
	ShowVariable          ShowKind = "VARIABLE" // Postgres SHOW name
)

// Show is SHOW TABLES | VIEWS | MATERIALIZED VIEWS | QUERIES | JOBS | TOPICS,
// SHOW CREATE TABLE t, and Postgres SHOW name.
type Show struct {
	Src  *Source
	What ShowKind
	Name Name // for SHOW CREATE TABLE and SHOW variable
}

// Describe is DESCRIBE t / DESC t.
type Describe struct {
	Src  *Source
	Name Name
}

// ObjectKind is the kind of object a DROP names.
type ObjectKind string

// Object kinds.
const (
	ObjTable            ObjectKind = "TABLE"
	ObjView             ObjectKind = "VIEW"
	ObjMaterializedView ObjectKind = "MATERIALIZED VIEW"
)

// Drop is DROP TABLE | VIEW | MATERIALIZED VIEW [IF EXISTS] name.
type Drop struct {
	Src      *Source
	Kind     ObjectKind
	Name     Name
	IfExists bool
}

// StopQuery is STOP QUERY id (also STOP JOB id).
type StopQuery struct {
	Src *Source
	ID  Name
}

// Flush is FLUSH: returns once every running query has processed every
// record written before it.
type Flush struct {
	Src *Source
}

// Set is SET 'k' = 'v' (Flink), SET k = v and SET k TO v (Postgres).
type Set struct {
	Src   *Source
	Key   string
	Value string
}

// Explain is EXPLAIN [ANALYZE] statement.
type Explain struct {
	Src     *Source
	Analyze bool
	Stmt    Statement
}

// Empty is a statement with nothing in it (";" alone, or only comments);
// Postgres answers it with EmptyQueryResponse.
type Empty struct {
	Src *Source
}

// Source implementations.

func (s *CreateTable) Source() *Source { return s.Src }
func (s *CreateView) Source() *Source  { return s.Src }
func (s *Insert) Source() *Source      { return s.Src }
func (s *Select) Source() *Source      { return s.Src }
func (s *Show) Source() *Source        { return s.Src }
func (s *Describe) Source() *Source    { return s.Src }
func (s *Drop) Source() *Source        { return s.Src }
func (s *StopQuery) Source() *Source   { return s.Src }
func (s *Flush) Source() *Source       { return s.Src }
func (s *Set) Source() *Source         { return s.Src }
func (s *Explain) Source() *Source     { return s.Src }
func (s *Empty) Source() *Source       { return s.Src }

// Errorf returns an error positioned at pos (a byte offset into s.Text),
// with line and column counted in the whole input.
func (s *Source) Errorf(pos int, code, format string, args ...any) *sqlerr.Error {
	if pos < 0 {
		return sqlerr.New(code, format, args...)
	}
	return sqlerr.At(s.Input, s.Offset+pos, code, format, args...)
}
