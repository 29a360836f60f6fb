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
	// Warnings are defects the layer accepted because their fix is
	// unambiguous (a trailing comma before ')' in CREATE TABLE), each
	// positioned in Input like an error, with SQLSTATE 01000. The gateway
	// sends them as NOTICE/WARNING messages before the statement's result;
	// the shell prints them.
	Warnings []*sqlerr.Error

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

	// WindowTVFs maps the placeholder table name (TVFPrefix + N) the layer
	// put in FROM in place of a window table function —
	// TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '10' SECOND)) or the
	// short form TUMBLE(t, ts, INTERVAL '10' SECOND) — to the function.
	// TiDB sees an ordinary *ast.TableName (with the user's alias, if any,
	// in the enclosing *ast.TableSource); the binder resolves a table name
	// with the prefix here instead of in the catalog: the input columns of
	// Table (or Query) plus window_start, window_end and window_time.
	WindowTVFs map[string]*WindowTVF
	// GroupWindows maps the placeholder function name (GroupWindowPrefix +
	// N) put in place of the name of a legacy group window in GROUP BY
	// (TUMBLE(ts, size), HOP(ts, slide, size), SESSION(ts, gap)) to what it
	// was. The call keeps its arguments as written (intervals become
	// interval placeholders as anywhere else): Args[0] is the time
	// attribute, then the intervals in the order above. TiDB reserves
	// SESSION, hence the renaming. TUMBLE_START, HOP_END, SESSION_ROWTIME
	// and the like stay ordinary function calls with the same arguments.
	GroupWindows map[string]GroupWindow
	// Filters maps the placeholder function name (FilterPrefix + N) that
	// wraps an aggregate with a FILTER clause to that clause:
	// agg(…) FILTER (WHERE cond) reaches TiDB as __riffle_filter_N(agg(…),
	// cond). The binder binds Args[0] as the aggregate and Args[1] as its
	// filter; the wrapper is a primary expression, so precedence is as
	// written. FILTER before OVER is refused.
	Filters map[string]FilterExt
	// FullJoins maps the placeholder function name (FullJoinPrefix + N)
	// of a FULL [OUTER] JOIN to its position. TiDB has no FULL JOIN, so
	// a FULL JOIN b ON cond reaches it as a LEFT JOIN b ON
	// __riffle_full_join_N(cond): the binder treats an *ast.Join of type
	// LeftJoin whose On.Expr is a call with this prefix as a full outer
	// join on Args[0]. FULL JOIN … USING and NATURAL FULL JOIN are refused.
	FullJoins map[string]FullJoinExt
	// Temporal lists the FOR SYSTEM_TIME AS OF clauses, in written order,
	// each removed from the text (JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r
	// reaches TiDB as JOIN rates AS r). TemporalJoin.Source is the
	// *ast.TableSource of the versioned table in the parsed statement.
	Temporal []*TemporalJoin
	// DistinctFrom holds the null-safe comparisons a <=> b that stand for
	// a IS DISTINCT FROM b, which the binder must negate. a IS NOT
	// DISTINCT FROM b reaches TiDB as a <=> b, which means exactly that;
	// a IS DISTINCT FROM b also reaches it as a <=> b, and its node is in
	// this set (the keys are nodes of the parsed statement). <=> has the
	// precedence of the comparisons; PostgreSQL binds IS DISTINCT FROM a
	// little tighter than = and <, which differs only in chains such as
	// a = b IS DISTINCT FROM c, and those the layer refuses.
	DistinctFrom map[*ast.BinaryOperationExpr]bool
	// Regex holds PostgreSQL's regular-expression operators. a ~ b and
	// a ~* b reach TiDB as a REGEXP b, a !~ b and a !~* b as a NOT REGEXP
	// b (OPERATOR(pg_catalog.~) likewise), an operator of the same
	// precedence class; the node's Not says whether the match is negated.
	// The map holds each such *ast.PatternRegexpExpr of the parsed
	// statement with what was written: the binder matches
	// case-insensitively where RegexExt.CaseInsensitive says so, and with
	// PostgreSQL's (case-sensitive) rules for every node in the map. A
	// REGEXP/RLIKE the user wrote is not in the map.
	Regex map[*ast.PatternRegexpExpr]RegexExt
	// StateTTL holds the STATE_TTL hints of /*+ … */ comments: per table
	// name or alias, the TTL of the state kept for that input
	// (/*+ STATE_TTL('orders' = '1 d') */, as in Flink). Other hints are
	// ignored with a warning.
	StateTTL []StateTTLHint
	// ColumnAliases holds the column alias lists of FROM items (FROM
	// unnest(a) AS x(elem), FROM t AS u(p, q)), by the lower-case alias
	// they follow; the layer takes the list out, as TiDB has no grammar
	// for it, and the binder renames the item's columns.
	ColumnAliases map[string][]string
	// Quoted holds the names the statement writes as quoted identifiers
	// ("Total" or `Total`), as written. PostgreSQL folds an unquoted name
	// to lower case and keeps a quoted one; TiDB's tree does not say which
	// a name was, and the binder needs it where it follows PostgreSQL (the
	// output names of a SELECT a client runs).
	Quoted map[string]bool
}

// Placeholder prefixes of the constructs above.
const (
	TVFPrefix         = "__riffle_tvf_"
	GroupWindowPrefix = "__riffle_group_window_"
	FilterPrefix      = "__riffle_filter_"
	FullJoinPrefix    = "__riffle_full_join_"
	// TimeUnitPrefix starts the name of the call that stands for the unit
	// of Flink's FLOOR(x TO unit) and CEIL(x TO unit): they reach TiDB as
	// FLOOR(x, __riffle_unit_minute()), the unit lower-case and singular
	// (year, month, day, hour, minute, second). No Ext entry: the name
	// says it all.
	TimeUnitPrefix = "__riffle_unit_"
)

// WindowKind names a window function.
type WindowKind string

// Window kinds.
const (
	Tumble   WindowKind = "TUMBLE"
	Hop      WindowKind = "HOP"
	Cumulate WindowKind = "CUMULATE"
	Session  WindowKind = "SESSION"
)

// WindowTVF is one window table function in FROM. Exactly one of Table
// and Query is set. Which intervals are set depends on Kind: TUMBLE has
// Size; HOP has Slide and Size; CUMULATE has Step and Size (the maximum);
// SESSION has Gap. Offset is the optional last argument of TUMBLE, HOP
// and CUMULATE (Flink's OFFSET). Intervals are literals, as Flink requires.
type WindowTVF struct {
	Kind  WindowKind
	Table Name   // TABLE t, or t in the short form
	Query *Query // TABLE (SELECT …): the subquery, parsed on its own
	// TimeCol is the time attribute: DESCRIPTOR(ts), or ts in the short form.
	TimeCol                        Name
	Size, Slide, Step, Gap, Offset *IntervalExt
	// PartitionBy is SESSION's TABLE t PARTITION BY k / (k1, k2).
	PartitionBy []Name
	Pos         int // position of TABLE( or of the function name (short form) in Text
}

// GroupWindow is one legacy group window call in GROUP BY.
type GroupWindow struct {
	Kind WindowKind // TUMBLE, HOP or SESSION
	Pos  int        // position of the function name in Text
}

// FilterExt is the FILTER (WHERE cond) clause of one aggregate.
type FilterExt struct {
	Pos  int    // position of FILTER in Text
	Text string // the condition as written
	// Cond is the parsed condition: the same node as Args[1] of the
	// placeholder call.
	Cond ast.ExprNode
}

// FullJoinExt is one FULL [OUTER] JOIN.
type FullJoinExt struct {
	Pos     int // position of FULL in Text
	Ordinal int // 1 for the first JOIN keyword of the statement's text, …
}

// TemporalJoin is FOR SYSTEM_TIME AS OF expr after a table reference.
type TemporalJoin struct {
	Table Name  // the table as written before FOR
	Alias Name  // the alias after the clause; Name "" if none
	Time  *Expr // the time expression, parsed on its own
	Pos   int   // position of FOR in Text
	// Source is the table reference in the parsed statement (nil in a
	// statement that was only rewritten, never parsed).
	Source *ast.TableSource
}

// RegexExt is one PostgreSQL regular-expression match operator.
type RegexExt struct {
	Op              string // "~", "~*", "!~" or "!~*" as written
	Not             bool   // !~ and !~*: the match is negated
	CaseInsensitive bool   // ~* and !~*
	Pos             int    // position of the operator in Text
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
	// Varchar is set for a cast to a bare VARCHAR (or CHARACTER VARYING),
	// which is STRING to riffle but varchar, not text, to a PostgreSQL
	// client.
	Varchar bool
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
	// PartitionedBy is Flink's PARTITIONED BY (a, b) (filesystem sinks);
	// nil when absent. The binder refuses it for connectors that have no
	// partitions of that kind.
	PartitionedBy []Name
	// Checks are the table's CHECK constraints, in written order.
	Checks []Check
}

// Check is a CHECK (expr) constraint, named by CONSTRAINT name or not.
type Check struct {
	Name Name // Name.Name "" when unnamed
	Pos  int  // of CHECK
	Expr *Expr
}

// CreateFunction is Flink's CREATE [TEMPORARY] [SYSTEM] FUNCTION [IF NOT
// EXISTS] name AS 'class' [LANGUAGE JAVA|SCALA|PYTHON]: a user-defined
// function implemented in a JVM class. riffle parses it so that scripts
// such as Nexmark's q14 read; running it is the binder's call (riffle has
// no JVM, so it refuses with 0A000 naming the class).
type CreateFunction struct {
	Src         *Source
	Name        Name
	Class       string
	Language    string // upper-case; "" when not written
	Temporary   bool
	IfNotExists bool
}

// CreateType is PostgreSQL's CREATE TYPE name AS ENUM ('label', …): a
// user-defined enum type, riffle's only kind of user-defined type.
type CreateType struct {
	Src    *Source
	Name   Name
	Labels []string
	// LabelPos are the positions of the labels, for errors about one.
	LabelPos []int
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
	Name Name
	Type types.Type
	// TypePos is where the type was written, for the binder's errors
	// about a name it does not know (parse.NamedType).
	TypePos  int
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
	// EmitChanges is set by a trailing EMIT CHANGES: instead of running
	// once, the query streams every change of its result, like SUBSCRIBE.
	EmitChanges bool
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
	// SHOW CREATE VIEW v and SHOW CREATE MATERIALIZED VIEW v.
	ShowCreateView             ShowKind = "CREATE VIEW"
	ShowCreateMaterializedView ShowKind = "CREATE MATERIALIZED VIEW"
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
	ObjType             ObjectKind = "TYPE"
)

// Drop is DROP TABLE | VIEW | MATERIALIZED VIEW | TYPE [IF EXISTS] name.
type Drop struct {
	Src      *Source
	Kind     ObjectKind
	Name     Name
	IfExists bool
}

// DropQuery is DROP QUERY [IF EXISTS] id: a continuous query INSERT INTO …
// SELECT started, with its state and its internal topics.
type DropQuery struct {
	Src      *Source
	ID       Name
	IfExists bool
}

// StopQuery is STOP QUERY id (also STOP JOB id).
type StopQuery struct {
	Src *Source
	ID  Name
}

// ResetQuery is RESET QUERY id FROM EARLIEST | FROM TIMESTAMP 'time'
// [MUTE OUTPUT | EMIT OUTPUT]: the query's state emptied and its inputs
// read again from their start or from a time, its output to Kafka written
// again (EMIT, the default) or dropped until it has caught up (MUTE).
type ResetQuery struct {
	Src     *Source
	ID      Name
	Time    string // "": FROM EARLIEST
	TimePos int
	Mute    bool
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

// Reset is RESET 'k' / RESET k (Key set) or RESET / RESET ALL (Key
// empty): a session setting back to its default.
type Reset struct {
	Src *Source
	Key string
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

// StatementSet is EXECUTE STATEMENT SET BEGIN INSERT …; INSERT …; END or
// BEGIN STATEMENT SET; INSERT …; …; END: INSERTs that run as one job.
// Each Insert has a Source of its own, cut out of the same input.
type StatementSet struct {
	Src     *Source
	Inserts []*Insert
}

// TxnKind says what a transaction statement does.
type TxnKind string

// Transaction statement kinds.
const (
	TxnBegin    TxnKind = "BEGIN"    // BEGIN [WORK|TRANSACTION], START TRANSACTION
	TxnCommit   TxnKind = "COMMIT"   // COMMIT, END [WORK|TRANSACTION]
	TxnRollback TxnKind = "ROLLBACK" // ROLLBACK, ABORT
)

// Transaction is a transaction statement that PostgreSQL clients send.
// riffle has no transactions; the gateway answers them as PostgreSQL
// does in autocommit so that drivers work.
type Transaction struct {
	Src  *Source
	Kind TxnKind
	// Modes are BEGIN's modes as written, upper-case, one per entry:
	// "ISOLATION LEVEL READ COMMITTED", "READ ONLY", "NOT DEFERRABLE".
	Modes []string
}

// Subscribe is SUBSCRIBE [TO] v or SUBSCRIBE [TO] (query), with options
// WITH (SNAPSHOT [= bool], PROGRESS [= bool]): a result that never ends,
// streaming every change (and SELECT … EMIT CHANGES, which is a Select
// with EmitChanges set). Exactly one of Name and Query is set.
type Subscribe struct {
	Src     *Source
	Name    Name
	Query   *Query
	Options []Option // keys lower-case as written; a bare key has Value "true"
}

// Declare is DECLARE c [BINARY] [[NO] SCROLL] CURSOR [WITH[OUT] HOLD]
// FOR query | SUBSCRIBE … | query EMIT CHANGES. Exactly one of Select and
// Subscribe is set; each has the Source of its own text, cut out of the
// DECLARE.
type Declare struct {
	Src       *Source
	Cursor    Name
	Hold      bool
	Select    *Select
	Subscribe *Subscribe
}

// Fetch is FETCH [NEXT | FORWARD [n | ALL] | n | ALL] [FROM | IN] c
// [WITH (TIMEOUT = t)], or MOVE with the same forms (Move set), which
// skips the rows instead of returning them.
type Fetch struct {
	Src     *Source
	Cursor  Name
	Count   int64 // rows to fetch; -1 for ALL
	Move    bool
	Options []Option
}

// Close is CLOSE c | CLOSE ALL.
type Close struct {
	Src    *Source
	Cursor Name // Name "" for CLOSE ALL
	All    bool
}

// Delete is DELETE FROM t [WHERE cond], parsed by TiDB.
type Delete struct {
	Src   *Source
	Table Name
	Where ast.ExprNode // nil without WHERE
	Node  *ast.DeleteStmt
}

// Update is UPDATE t SET c = e, … [WHERE cond], parsed by TiDB.
type Update struct {
	Src   *Source
	Table Name
	Set   []*ast.Assignment // Column.Name is the column, Expr the value
	Where ast.ExprNode      // nil without WHERE
	Node  *ast.UpdateStmt
}

// AlterOptions is ALTER TABLE [IF EXISTS] name SET ('k' = 'v', …): new
// values for a table's WITH options.
type AlterOptions struct {
	Src      *Source
	Name     Name
	Options  []Option
	IfExists bool
}

// AlterRename is ALTER TABLE | VIEW | MATERIALIZED VIEW [IF EXISTS] name
// RENAME TO new_name.
type AlterRename struct {
	Src      *Source
	Kind     ObjectKind
	Name     Name
	NewName  Name
	IfExists bool
}

// Source implementations.

func (s *CreateTable) Source() *Source    { return s.Src }
func (s *CreateView) Source() *Source     { return s.Src }
func (s *Insert) Source() *Source         { return s.Src }
func (s *Select) Source() *Source         { return s.Src }
func (s *Show) Source() *Source           { return s.Src }
func (s *Describe) Source() *Source       { return s.Src }
func (s *Drop) Source() *Source           { return s.Src }
func (s *StopQuery) Source() *Source      { return s.Src }
func (s *DropQuery) Source() *Source      { return s.Src }
func (s *ResetQuery) Source() *Source     { return s.Src }
func (s *Flush) Source() *Source          { return s.Src }
func (s *Set) Source() *Source            { return s.Src }
func (s *Reset) Source() *Source          { return s.Src }
func (s *Explain) Source() *Source        { return s.Src }
func (s *Empty) Source() *Source          { return s.Src }
func (s *CreateFunction) Source() *Source { return s.Src }
func (s *CreateType) Source() *Source     { return s.Src }
func (s *StatementSet) Source() *Source   { return s.Src }
func (s *Transaction) Source() *Source    { return s.Src }
func (s *Subscribe) Source() *Source      { return s.Src }
func (s *Declare) Source() *Source        { return s.Src }
func (s *Fetch) Source() *Source          { return s.Src }
func (s *Close) Source() *Source          { return s.Src }
func (s *Delete) Source() *Source         { return s.Src }
func (s *Update) Source() *Source         { return s.Src }
func (s *AlterRename) Source() *Source    { return s.Src }
func (s *AlterOptions) Source() *Source   { return s.Src }

// warn adds a warning positioned at pos (a byte offset into s.Text).
func (s *Source) warn(pos int, format string, args ...any) {
	w := s.Errorf(pos, "01000", format, args...)
	s.Warnings = append(s.Warnings, w)
}

// Errorf returns an error positioned at pos (a byte offset into s.Text),
// with line and column counted in the whole input.
func (s *Source) Errorf(pos int, code, format string, args ...any) *sqlerr.Error {
	if pos < 0 {
		return sqlerr.New(code, format, args...)
	}
	return sqlerr.At(s.Input, s.Offset+pos, code, format, args...)
}

// StateTTLHint is one 'table' = 'duration' of a STATE_TTL hint.
type StateTTLHint struct {
	Table string
	Value string
	Pos   int // position of the table name in Text
}
