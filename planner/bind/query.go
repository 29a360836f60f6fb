package bind

import (
	"strings"
	"time"

	"riffle/catalog"
	"riffle/planner/logical"
	"riffle/planner/scalar"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
	"riffle/sql/types"

	"github.com/pingcap/tidb/pkg/parser/ast"
	driver "github.com/pingcap/tidb/pkg/parser/test_driver"
)

// Binder binds the queries of one statement.
type Binder struct {
	Cat *catalog.Catalog
	Src *parse.Source
	// Params are the values of $n parameters, in text form (nil for NULL).
	// A nil slice means the statement is only being described.
	Params []*string
	// ParamCount is set while describing: the highest $n seen.
	ParamCount int
	// paramTypes are the types inferred for $1… while describing.
	paramTypes []*scalar.ParamType
	// Snapshot is set for a one-shot SELECT: sources are read up to their
	// current end and ORDER BY / LIMIT apply.
	Snapshot bool
	// Zone is the session time zone (nil: UTC), where windows over a
	// TIMESTAMP_LTZ column are aligned (logical.WindowTVF.Zone).
	Zone *time.Location
	// FoldNames is set for a SELECT whose rows go to a client: the names
	// its unquoted aliases give columns fold to lower case, as in
	// PostgreSQL, because clients look columns up by those names
	// (node-postgres' row objects, psycopg2's dict cursors). The columns
	// a view, a table or a continuous query declares keep the case they
	// are written in, as in Flink: they name JSON fields and sink columns.
	FoldNames bool
	// Notices collects remarks for the user (sent as NoticeResponses).
	Notices []string
	// Uses collects the tables and views the statement names directly (not
	// those a view it names reads), for dependency checks on DROP.
	Uses []string

	// Emit is how the aggregates of a continuous query emit when they
	// aggregate event-time windows (the session's table.exec.emit.*).
	Emit logical.Emit

	// Planner is the planner version to plan with; 0 is PlannerVersion. A
	// stored query is planned again, at every start, at the version it was
	// created with (catalog.Query.Planner), so that its operators read
	// their state as they wrote it.
	Planner int
	// WholeLateRows is set for a query that writes the rows it drops as
	// late to a table ('riffle.late-rows.table'): that table shows each
	// row as the operator that dropped it saw it, every column of it, so
	// the query's columns are not pruned.
	WholeLateRows bool

	// System resolves the relations of the system schemas (pg_catalog,
	// information_schema): their columns and their rows as of this
	// statement. nil: there are none. schema "" means the search path.
	System func(schema, name string) (types.Schema, []types.Row, bool)

	// Natives resolves functions the catalogue does not have, and casts to
	// PostgreSQL catalog types (fn "::regclass", "::text" from a reg*
	// type): PostgreSQL's catalog functions, implemented by the session.
	// ok is false when it does not know fn either.
	Natives func(fn string, args []scalar.Expr) (e scalar.Expr, ok bool, err error)

	// HintTTL is the state TTL STATE_TTL hints give the scans they name.
	HintTTL  map[*logical.Scan]time.Duration
	hintUsed map[int]bool

	// outer holds the subqueries being bound inside expressions, innermost
	// last; runner runs them all (Runner).
	outer  []*subCtx
	runner *scalar.Runner

	views []string    // views being expanded, to catch cycles
	agg   *aggContext // set while binding an aggregating SELECT's outputs
	// over maps each window function call of the SELECT being bound to its
	// column of the Over node below the select list.
	over map[*ast.WindowFuncExpr]scalar.Expr
	ctes []cteDef // the WITH queries in scope, innermost last
	// warned is set once the statement's warnings are in Notices.
	warned bool
}

// Runner is what runs the plans of the statement's subqueries used as
// values (nil when it has none): the executor sets its Run.
func (b *Binder) Runner() *scalar.Runner { return b.runner }

// ParamTypes returns, after describing, the type each $n parameter was
// inferred to have from its use (Unknown when nothing says: PostgreSQL
// would say text, and clients then send text).
func (b *Binder) ParamTypes() []types.Type {
	ts := make([]types.Type, b.ParamCount)
	for i := range ts {
		if i < len(b.paramTypes) {
			ts[i] = b.paramTypes[i].T
		}
	}
	return ts
}

// Query binds a query expression.
func (b *Binder) Query(q *parse.Query) (logical.Node, error) {
	b.surfaceWarnings()
	n, err := b.resultSet(q.Node)
	if err != nil {
		return nil, err
	}
	if len(b.views) == 0 {
		v := b.Planner
		if v == 0 {
			v = PlannerVersion
		}
		// Stamped before pruning: how a TopN prunes depends on its
		// version.
		logical.StampLayout(n, v)
	}
	if len(b.views) == 0 && b.Planner != 1 && !b.WholeLateRows {
		// The statement's whole query (a view it reads is part of it): its
		// result is every column it has.
		n = logical.Prune(n)
	}
	return n, b.checkHints()
}

// PlannerVersion is the version of the plans the binder makes now, which
// a new continuous query records. Version 1 planned every node with all
// the columns it was bound with; version 2 prunes columns
// (logical.Prune), so that stateful operators keep narrower rows, which a
// version 1 query's state does not hold; versions 3 and 4 change the
// state layouts of some operators (logical.StampLayout lists them).
const PlannerVersion = 4

// resultSet binds a query expression of the parsed statement.
func (b *Binder) resultSet(n ast.ResultSetNode) (logical.Node, error) {
	switch n := n.(type) {
	case *ast.SelectStmt:
		return b.selectStmt(n)
	case *ast.SetOprStmt:
		return b.setOpr(n)
	}
	return nil, b.Src.Errorf(0, sqlerr.FeatureNotSupported, "this query form is not supported")
}

func (b *Binder) selectStmt(s *ast.SelectStmt) (logical.Node, error) {
	undo, err := b.with(s.With)
	defer undo()
	if err != nil {
		return nil, err
	}
	if s.Kind == ast.SelectStmtKindValues {
		return b.valuesQuery(s)
	}
	if s.Kind != ast.SelectStmtKindSelect {
		return nil, b.Src.Errorf(0, sqlerr.FeatureNotSupported, "TABLE as a query is not supported yet")
	}
	if len(s.WindowSpecs) > 0 {
		return nil, b.notYet(s, "WINDOW clauses are", "arrives later; write the window in OVER (…)")
	}
	on := takeDistinctOn(s)
	in, sc, err := b.from(s.From)
	if err != nil {
		return nil, err
	}
	if in, err = b.where(s.Where, in, sc); err != nil {
		return nil, err
	}
	if isAggregating(s) {
		if on != nil {
			return nil, b.Src.Errorf(max(b.nodePos(s), 0), sqlerr.FeatureNotSupported, "DISTINCT ON with GROUP BY or aggregates is not supported yet").
				WithHint("apply DISTINCT ON to a subquery that aggregates")
		}
		return b.aggregateSelect(s, in, sc)
	}
	if in, err = b.overWindows(s.Fields, in, sc); err != nil {
		return nil, err
	}
	proj, err := b.selectList(s.Fields, in, sc)
	b.over = nil
	if err != nil {
		return nil, err
	}
	expandSRFs(proj)
	pruneRowNumber(proj)
	if on != nil {
		if err := b.distinctOn(s, on, proj, sc); err != nil {
			return nil, err
		}
	}
	return b.orderLimit(s, proj, withDistinct(s, proj), sc)
}

// where binds WHERE: IN and EXISTS subqueries become semi and anti joins,
// a ROW_NUMBER bound over a ranked subquery becomes a TopN, and the rest
// is the condition of an inner join at the top of FROM, or a Filter.
func (b *Binder) where(w ast.ExprNode, in logical.Node, sc *scope) (logical.Node, error) {
	if w == nil {
		return in, nil
	}
	var plain, subs []ast.ExprNode
	for _, c := range astConjuncts(w) {
		if isSubqueryPred(c) {
			subs = append(subs, c)
		} else {
			plain = append(plain, c)
		}
	}
	var preds []scalar.Expr
	for _, c := range plain {
		pred, err := b.expr(c, sc)
		if err != nil {
			return nil, err
		}
		if pred.Type().ID != types.Boolean && pred.Type().ID != types.Unknown {
			return nil, b.position(sqlerr.New(sqlerr.DatatypeMismatch,
				"argument of WHERE must be type BOOLEAN, not type %s", pred.Type()), w)
		}
		preds = append(preds, scalar.NewCast(pred, types.TBoolean))
	}
	in, preds = topN(in, preds)
	if pred := and(preds); pred != nil {
		folded, ok := b.foldWhere(in, pred)
		if !ok {
			folded = &logical.Filter{Input: in, Pred: pred}
		}
		in = folded
	}
	for _, c := range subs {
		var err error
		if in, err = b.subqueryPred(c, in, sc); err != nil {
			return nil, err
		}
	}
	return in, nil
}

// valuesQuery binds VALUES (…), (…) used as a query: constant rows with
// columns column1, column2, … of each column's common type.
func (b *Binder) valuesQuery(s *ast.SelectStmt) (logical.Node, error) {
	v := &logical.Values{}
	width := -1
	for _, row := range s.Lists {
		var exprs []scalar.Expr
		for _, x := range row.Values {
			e, err := b.expr(x, &scope{})
			if err != nil {
				return nil, err
			}
			exprs = append(exprs, e)
		}
		if width >= 0 && len(exprs) != width {
			return nil, b.position(sqlerr.New(sqlerr.SyntaxError, "VALUES lists must all be the same length"), row)
		}
		width = len(exprs)
		v.Rows = append(v.Rows, exprs)
	}
	for c := range width {
		ts := make([]types.Type, len(v.Rows))
		for r := range v.Rows {
			ts[r] = v.Rows[r][c].Type()
		}
		t, err := scalar.CommonType(ts...)
		if err != nil {
			return nil, b.position(err, s)
		}
		for r := range v.Rows {
			if v.Rows[r][c], err = scalar.Coerce(v.Rows[r][c], t); err != nil {
				return nil, b.position(err, s)
			}
		}
		v.Out.Columns = append(v.Out.Columns, types.Column{Name: "column" + itoa(c+1), Type: t, Nullable: true})
	}
	return v, nil
}

func withDistinct(s *ast.SelectStmt, p *logical.Project) logical.Node {
	if s.Distinct {
		return distinct(p)
	}
	return p
}

// aggregateSelect binds a grouping SELECT: the select list, HAVING and
// ORDER BY are bound over the aggregate's output, and the Aggregate is built
// last, once they have named every aggregate call.
func (b *Binder) aggregateSelect(s *ast.SelectStmt, in logical.Node, sc *scope) (logical.Node, error) {
	ctx, err := b.groupBy(s, sc, in)
	if err != nil {
		return nil, err
	}
	b.agg = ctx
	defer func() { b.agg = nil }()
	proj, err := b.selectList(s.Fields, nil, sc)
	if err != nil {
		return nil, err
	}
	var having scalar.Expr
	if s.Having != nil {
		if having, err = b.expr(s.Having.Expr, sc); err != nil {
			return nil, err
		}
		if having.Type().ID != types.Boolean && having.Type().ID != types.Unknown {
			return nil, b.position(sqlerr.New(sqlerr.DatatypeMismatch,
				"argument of HAVING must be type BOOLEAN, not type %s", having.Type()), s.Having.Expr)
		}
	}
	node, err := b.orderLimit(s, proj, withDistinct(s, proj), sc)
	if err != nil {
		return nil, err
	}
	if ctx.window != nil {
		in = ctx.window
	}
	if ctx.sets != nil {
		in = ctx.sets
	}
	var agg logical.Node = aggregateNode(in, ctx, b.Emit)
	if having != nil {
		agg = &logical.Filter{Input: agg, Pred: scalar.NewCast(having, types.TBoolean)}
	}
	proj.Input = agg
	return node, nil
}

// RenameColumns gives node's output the names in s (a view's column list).
func RenameColumns(node logical.Node, s types.Schema) logical.Node {
	in := node.Schema()
	exprs := make([]scalar.Expr, in.Len())
	for i, c := range in.Columns {
		exprs[i] = &scalar.ColRef{Idx: i, Name: c.Name, T: c.Type}
	}
	return &logical.Project{Input: node, Exprs: exprs, Out: s}
}

// selectList binds the SELECT fields into a projection.
func (b *Binder) selectList(fl *ast.FieldList, in logical.Node, sc *scope) (*logical.Project, error) {
	p := &logical.Project{Input: in}
	for _, f := range fl.Fields {
		if f.WildCard != nil && b.agg != nil {
			return nil, b.Src.Errorf(0, sqlerr.GroupingError, "SELECT * cannot be used with GROUP BY or aggregates").
				WithHint("name the grouped columns and the aggregates")
		}
		if f.WildCard != nil {
			if err := b.wildcard(f.WildCard, sc, p); err != nil {
				return nil, err
			}
			continue
		}
		e, err := b.expr(f.Expr, sc)
		if err != nil {
			return nil, err
		}
		if e.Type().ID == types.Unknown {
			// An untyped literal in the output is text, as in PostgreSQL.
			e = scalar.NewCast(e, types.TString)
		}
		name := b.alias(f.AsName.O)
		if ref, ok := e.(*scalar.ColRef); ok && name == "" && isColumnName(f.Expr) {
			// A column is shown as declared (or as the alias that named
			// it), not as the reference was spelled.
			name = ref.Name
		}
		if name == "" {
			name = b.columnName(f.Expr)
		}
		p.Exprs = append(p.Exprs, e)
		p.Out.Columns = append(p.Out.Columns, types.Column{Name: name, Type: e.Type(), Nullable: true})
	}
	return p, nil
}

func isColumnName(e ast.ExprNode) bool {
	_, ok := e.(*ast.ColumnNameExpr)
	return ok
}

// alias is the name an alias written as name gives a column (see
// FoldNames).
func (b *Binder) alias(name string) string {
	if !b.FoldNames || b.Src == nil || b.Src.Ext.Quoted[name] {
		return name
	}
	return strings.ToLower(name)
}

func (b *Binder) wildcard(w *ast.WildCardField, sc *scope, p *logical.Project) error {
	table := w.Table.O
	if table != "" && !sc.hasTable(table) {
		return b.errAt(table, sqlerr.UndefinedTable, "missing FROM-clause entry for table %q", table)
	}
	for i, c := range sc.cols {
		if table != "" && !strings.EqualFold(c.table, table) || table == "" && c.hidden {
			continue
		}
		p.Exprs = append(p.Exprs, &scalar.ColRef{Idx: i, Name: c.name, T: c.typ})
		p.Out.Columns = append(p.Out.Columns, types.Column{Name: c.name, Type: c.typ, Nullable: true})
	}
	return nil
}

// columnName names an output column the way PostgreSQL does: a column
// keeps its name, a function call takes the function's name, a cast the
// name of what it casts (or of the type, when that has no name), a CASE the
// name of its ELSE, a scalar subquery the name of its column, anything else
// is "?column?".
func (b *Binder) columnName(e ast.ExprNode) string {
	name, _ := b.figureName(e)
	return name
}

// figureName is columnName and whether the name is strong (a column's or a
// function's) rather than a fallback, as PostgreSQL's FigureColname ranks
// them.
func (b *Binder) figureName(e ast.ExprNode) (string, bool) {
	switch e := e.(type) {
	case *ast.ColumnNameExpr:
		return e.Name.Name.O, true
	case *ast.ParenthesesExpr:
		return b.figureName(e.Expr)
	case *ast.FuncCallExpr:
		switch name := e.FnName.L; {
		case strings.HasPrefix(name, parse.CastPrefix) && len(e.Args) == 1:
			if n, strong := b.figureName(e.Args[0]); strong {
				return n, true
			}
			if ext, ok := b.Src.Ext.Casts[name]; ok {
				if ext.Name != "" {
					return ext.Name, false
				}
				return pgTypeName(ext.Type), false
			}
		case name == parse.SubscriptFunc && len(e.Args) == 2:
			return b.figureName(e.Args[0])
		case name == parse.ArraySubqueryFunc:
			return "array", true
		case name == parse.ExtractFunc:
			return "extract", true
		case strings.HasPrefix(name, parse.ConstructorPrefix):
			return strings.TrimPrefix(name, parse.ConstructorPrefix), true
		case strings.HasPrefix(name, parse.AggDistinctPrefix):
			return strings.TrimPrefix(name, parse.AggDistinctPrefix), true
		case strings.HasPrefix(name, "__riffle_"):
			return "?column?", false
		case name == "trim":
			// TRIM(… FROM x) is btrim, ltrim or rtrim in PostgreSQL.
			for _, a := range e.Args {
				if d, ok := a.(*ast.TrimDirectionExpr); ok {
					return map[ast.TrimDirectionType]string{ast.TrimLeading: "ltrim", ast.TrimTrailing: "rtrim"}[d.Direction] + "", true
				}
			}
			return "btrim", true
		default:
			return name, true
		}
	case *ast.CaseExpr:
		if e.ElseClause != nil {
			if n, strong := b.figureName(e.ElseClause); strong {
				return n, true
			}
		}
		return "case", false
	case *ast.SubqueryExpr:
		if s, ok := e.Query.(*ast.SelectStmt); ok && s.Fields != nil && len(s.Fields.Fields) == 1 {
			f := s.Fields.Fields[0]
			if f.AsName.O != "" {
				return b.alias(f.AsName.O), true
			}
			if f.Expr != nil {
				return b.figureName(f.Expr)
			}
		}
	case *ast.ExistsSubqueryExpr:
		return "exists", true
	case *ast.AggregateFuncExpr:
		return strings.ToLower(e.F), true
	case *ast.WindowFuncExpr:
		return strings.ToLower(e.Name), true
	}
	return "?column?", false
}

// pgTypeName is the name PostgreSQL gives a cast's column when the value
// cast has none: the type's name as written in PostgreSQL.
func pgTypeName(t types.Type) string {
	switch t.ID {
	case types.Varchar:
		if t.Length > 0 {
			return "varchar"
		}
		return "text"
	case types.Char:
		return "bpchar"
	case types.Int:
		return "int4"
	case types.BigInt:
		return "int8"
	case types.SmallInt, types.TinyInt:
		return "int2"
	case types.Boolean:
		return "bool"
	case types.Double:
		return "float8"
	case types.Float:
		return "float4"
	case types.Decimal:
		return "numeric"
	case types.TimestampLTZ:
		return "timestamptz"
	}
	return strings.ToLower(t.ID.String())
}

// orderLimit binds ORDER BY and LIMIT. In a one-shot SELECT they sort and
// cut the snapshot. In a continuous query a view's rows have no order (as
// in every SQL database), so ORDER BY alone is accepted and noted, and
// LIMIT waits for the Top-N operator.
func (b *Binder) orderLimit(s *ast.SelectStmt, p *logical.Project, base logical.Node, sc *scope) (logical.Node, error) {
	if !b.Snapshot {
		if s.Limit != nil {
			return b.continuousLimit(s, p, base, sc)
		}
		if s.OrderBy != nil {
			b.Notices = append(b.Notices, "ORDER BY in a continuous query does not order the result; order when you read it")
		}
		return base, nil
	}
	node := base
	if s.OrderBy != nil {
		sorted, err := b.orderBy(s.OrderBy, p, base, sc)
		if err != nil {
			return nil, err
		}
		node = sorted
	}
	if s.Limit != nil {
		count, err := b.limitValue(s.Limit.Count)
		if err != nil {
			return nil, err
		}
		offset, err := b.limitValue(s.Limit.Offset)
		if err != nil {
			return nil, err
		}
		if s.Limit.Count == nil {
			count = -1
		}
		node = &logical.Limit{Input: node, Count: count, Offset: offset}
	}
	return node, nil
}

// orderBy sorts the projection. An item names an output column (by alias
// or position) or is an expression over the input; such expressions are
// computed as hidden extra columns and projected away after the sort.
func (b *Binder) orderBy(ob *ast.OrderByClause, p *logical.Project, base logical.Node, sc *scope) (logical.Node, error) {
	width := len(p.Exprs)
	var keys []logical.SortKey
	for _, item := range ob.Items {
		idx, err := b.outputRef(item.Expr, p)
		if err != nil {
			return nil, err
		}
		if idx < 0 && base != logical.Node(p) {
			return nil, b.position(sqlerr.New(sqlerr.InvalidColumnReference,
				"for SELECT DISTINCT, ORDER BY expressions must appear in select list"), item.Expr)
		}
		if idx < 0 {
			e, err := b.expr(item.Expr, sc)
			if err != nil {
				return nil, err
			}
			idx = len(p.Exprs)
			p.Exprs = append(p.Exprs, e)
			p.Out.Columns = append(p.Out.Columns, types.Column{Name: "?order?", Type: e.Type(), Nullable: true})
		}
		c := p.Out.Columns[idx]
		keys = append(keys, logical.SortKey{
			Expr: &scalar.ColRef{Idx: idx, Name: c.Name, T: c.Type},
			Desc: item.Desc, NullsFirst: item.Desc,
		})
	}
	var node logical.Node = &logical.Sort{Input: base, Keys: keys}
	if len(p.Exprs) > width {
		exprs := make([]scalar.Expr, width)
		for i := range width {
			c := p.Out.Columns[i]
			exprs[i] = &scalar.ColRef{Idx: i, Name: c.Name, T: c.Type}
		}
		node = &logical.Project{Input: node, Exprs: exprs, Out: types.Schema{Columns: p.Out.Columns[:width:width]}}
	}
	return node, nil
}

// outputRef resolves an ORDER BY item that names an output column: a
// position (ORDER BY 2) or an output alias. It returns -1 otherwise.
func (b *Binder) outputRef(e ast.ExprNode, p *logical.Project) (int, error) {
	switch e := e.(type) {
	case *ast.PositionExpr:
		if e.P != nil || e.N < 1 || e.N > len(p.Exprs) {
			return 0, b.Src.Errorf(0, sqlerr.InvalidParameter, "ORDER BY position %d is not in select list", e.N)
		}
		return e.N - 1, nil
	case *driver.ValueExpr:
		if e.Kind() == driver.KindInt64 || e.Kind() == driver.KindUint64 {
			n := int(e.GetInt64())
			if n < 1 || n > len(p.Exprs) {
				return 0, b.Src.Errorf(0, sqlerr.InvalidParameter, "ORDER BY position %d is not in select list", n)
			}
			return n - 1, nil
		}
	case *ast.ColumnNameExpr:
		if e.Name.Table.O != "" {
			return -1, nil
		}
		for i, c := range p.Out.Columns {
			if strings.EqualFold(c.Name, e.Name.Name.O) {
				return i, nil
			}
		}
	}
	return -1, nil
}

func (b *Binder) limitValue(e ast.ExprNode) (int64, error) {
	if e == nil {
		return 0, nil
	}
	v, ok := e.(*driver.ValueExpr)
	if !ok || (v.Kind() != driver.KindInt64 && v.Kind() != driver.KindUint64) || v.GetInt64() < 0 {
		return 0, b.Src.Errorf(0, sqlerr.InvalidParameter, "LIMIT and OFFSET take a non-negative integer constant")
	}
	return v.GetInt64(), nil
}

// continuousLimit plans ORDER BY … LIMIT in a continuous query: a Top-N over
// the whole result (one partition), kept up to date as rows come and go.
func (b *Binder) continuousLimit(s *ast.SelectStmt, p *logical.Project, base logical.Node, sc *scope) (logical.Node, error) {
	count, err := b.limitValue(s.Limit.Count)
	if err != nil {
		return nil, err
	}
	offset, err := b.limitValue(s.Limit.Offset)
	if err != nil {
		return nil, err
	}
	if s.Limit.Count == nil {
		return nil, b.notYet(s, "OFFSET without LIMIT in a continuous query is", "arrives later")
	}
	var keys []logical.SortKey
	var top logical.Node = base
	if s.OrderBy != nil {
		sorted, err := b.orderBy(s.OrderBy, p, base, sc)
		if err != nil {
			return nil, err
		}
		// orderBy gives Sort, or Project(Sort) when it sorted on hidden
		// columns; the Top-N takes the Sort's place.
		outer, _ := sorted.(*logical.Project)
		sort, ok := sorted.(*logical.Sort)
		if outer != nil {
			sort, ok = outer.Input.(*logical.Sort)
		}
		if !ok {
			return nil, sqlerr.New(sqlerr.Internal, "continuous ORDER BY: unexpected plan %s", sorted.Describe())
		}
		keys, top = sort.Keys, sort.Input
		t := &logical.TopN{Input: top, OrderBy: keys, Limit: count, Offset: offset, Out: top.Schema()}
		if outer != nil {
			outer.Input = t
			return outer, nil
		}
		return t, nil
	}
	return &logical.TopN{Input: top, Limit: count, Offset: offset, Out: top.Schema()}, nil
}
