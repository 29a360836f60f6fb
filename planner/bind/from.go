package bind

import (
	"fmt"
	"strings"
	"time"

	"riffle/catalog"
	"riffle/planner/logical"
	"riffle/planner/scalar"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
	"riffle/sql/types"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// from binds the FROM clause: tables, views, subqueries, WITH queries,
// window table functions and joins of them.
func (b *Binder) from(f *ast.TableRefsClause) (logical.Node, *scope, error) {
	if f == nil {
		// SELECT without FROM reads one empty row.
		return &logical.Values{Rows: [][]scalar.Expr{{}}}, &scope{}, nil
	}
	return b.fromItem(f.TableRefs)
}

func (b *Binder) fromItem(n ast.ResultSetNode) (logical.Node, *scope, error) {
	switch n := n.(type) {
	case *ast.Join:
		if n.Right == nil {
			return b.fromItem(n.Left)
		}
		return b.join(n)
	case *ast.TableSource:
		return b.tableSource(n)
	}
	return nil, nil, b.unsupported(n, "this FROM item")
}

func (b *Binder) tableSource(ts *ast.TableSource) (logical.Node, *scope, error) {
	node, sc, err := b.tableSourceNamed(ts)
	if err != nil || ts.AsName.O == "" {
		return node, sc, err
	}
	if names, ok := b.Src.Ext.ColumnAliases[ts.AsName.L]; ok {
		// FROM … AS x(a, b): the first columns take the listed names.
		if len(names) > len(sc.cols) {
			return nil, nil, b.errAt(ts.AsName.O, sqlerr.InvalidColumnReference,
				"table %q has %d columns available but %d columns specified", ts.AsName.O, len(sc.cols), len(names))
		}
		cols := append([]scopeCol{}, sc.cols...)
		for i, n := range names {
			cols[i].name = b.alias(n)
		}
		sc = &scope{cols: cols}
	}
	return node, sc, nil
}

func (b *Binder) tableSourceNamed(ts *ast.TableSource) (logical.Node, *scope, error) {
	alias := ts.AsName.O
	switch src := ts.Source.(type) {
	case *ast.TableName:
		if alias == "" {
			alias = src.Name.O
		}
		if strings.HasPrefix(src.Name.L, parse.TVFPrefix) {
			node, err := b.windowTVF(src.Name.L)
			if err != nil {
				return nil, nil, err
			}
			if ts.AsName.O == "" {
				alias = b.Src.Ext.WindowTVFs[src.Name.L].Table.Name
			}
			return node, scopeOf(alias, node.Schema()), nil
		}
		if node, ok, err := b.system(src); err != nil {
			return nil, nil, err
		} else if ok {
			return node, scopeOf(alias, node.Schema()), nil
		}
		node, err := b.named(src.Name.O)
		if err != nil {
			return nil, nil, err
		}
		b.hintInput(src.Name.O, alias, node)
		return node, scopeOf(alias, node.Schema()), nil
	case *ast.SelectStmt, *ast.SetOprStmt:
		if sel, ok := src.(*ast.SelectStmt); ok {
			if f, ok := srfCall(sel); ok {
				node, err := b.tableFunc(f, alias)
				if err != nil {
					return nil, nil, err
				}
				return node, scopeOf(alias, node.Schema()), nil
			}
		}
		node, err := b.resultSet(src)
		if err != nil {
			return nil, nil, err
		}
		return node, scopeOf(alias, node.Schema()), nil
	case *ast.Join:
		node, sc, err := b.fromItem(src)
		if err != nil || alias == "" {
			return node, sc, err
		}
		return node, scopeOf(alias, node.Schema()), nil
	}
	return nil, nil, b.unsupported(ts, "this FROM item")
}

// system resolves a name in FROM to a system relation: any name in
// pg_catalog or information_schema, and an unqualified name pg_catalog has
// (it is first on PostgreSQL's search path) unless a WITH query takes it.
// A schema other than those and public has no relations.
func (b *Binder) system(t *ast.TableName) (logical.Node, bool, error) {
	schema := t.Schema.L
	switch {
	case schema == "public":
		return nil, false, nil
	case schema == "" && b.cte(t.Name.L) >= 0:
		return nil, false, nil
	case b.System == nil && schema == "":
		return nil, false, nil
	}
	var cols types.Schema
	var rows []types.Row
	ok := false
	if b.System != nil {
		cols, rows, ok = b.System(schema, t.Name.L)
	}
	if !ok {
		if schema == "" {
			return nil, false, nil
		}
		return nil, false, b.errAt(t.Name.O, sqlerr.UndefinedTable, "relation \"%s.%s\" does not exist", t.Schema.O, t.Name.O)
	}
	if !b.Snapshot {
		return nil, false, b.errAt(t.Name.O, sqlerr.FeatureNotSupported,
			"system relation %s is read by one-shot SELECTs only, not by continuous queries", t.Name.O)
	}
	v := &logical.Values{Name: t.Name.L, Out: cols, Rows: make([][]scalar.Expr, len(rows))}
	for i, r := range rows {
		v.Rows[i] = make([]scalar.Expr, len(r))
		for j, x := range r {
			v.Rows[i][j] = &scalar.Const{V: x, T: cols.Columns[j].Type}
		}
	}
	return v, true, nil
}

// cte returns the index of the WITH query in scope named name, or -1.
func (b *Binder) cte(name string) int {
	for i := len(b.ctes) - 1; i >= 0; i-- {
		if strings.EqualFold(b.ctes[i].name, name) {
			return i
		}
	}
	return -1
}

// named resolves a name in FROM: a WITH query in scope, else a table or view.
func (b *Binder) named(name string) (logical.Node, error) {
	if i := b.cte(name); i >= 0 {
		return b.cteNode(i)
	}
	return b.table(name)
}

// table resolves a name in FROM to a scan, or expands a view.
func (b *Binder) table(name string) (logical.Node, error) {
	obj := b.Cat.Get(name)
	if obj == nil {
		return nil, b.errAt(name, sqlerr.UndefinedTable, "relation %q does not exist", name)
	}
	b.Uses = append(b.Uses, obj.Name)
	if IsBlackhole(obj) {
		return nil, b.errAt(name, sqlerr.WrongObjectType, "table %q cannot be read: it is a 'blackhole' table, which discards what is written to it", obj.Name).
			WithHint("a blackhole table is a sink only")
	}
	if obj.Kind != catalog.View {
		scan := &logical.Scan{Object: obj, Snapshot: b.Snapshot}
		if obj.Watermark != nil && !b.Snapshot {
			exprs, wm, err := b.storedColumns(obj)
			if err != nil {
				return nil, err
			}
			scan.Watermark, scan.EventTime = wm, exprs[obj.Watermark.Column]
		}
		if !b.Snapshot {
			var err error
			if scan.Checks, err = b.storedChecks(obj); err != nil {
				return nil, err
			}
		}
		var n logical.Node = scan
		if n.Props().Changelog == logical.Upsert {
			// Records replace each other by key: what a reader sees is the
			// latest row per key, with changes as retractions.
			n = &logical.Normalize{Input: n}
		}
		return b.computedScan(obj, n)
	}
	for _, v := range b.views {
		if strings.EqualFold(v, obj.Name) {
			return nil, b.errAt(name, sqlerr.InvalidParameter, "view %q refers to itself", name)
		}
	}
	stmt, err := parse.ParseOne(obj.SQL)
	if err != nil {
		return nil, b.viewError(name, obj.Name, err)
	}
	cv, ok := stmt.(*parse.CreateView)
	if !ok {
		return nil, sqlerr.New(sqlerr.Internal, "view %q has no query", obj.Name)
	}
	inner := &Binder{Cat: b.Cat, Src: cv.Src, Params: []*string{}, Snapshot: b.Snapshot, Emit: b.Emit, views: append(b.views, obj.Name), warned: true}
	node, err := inner.Query(cv.Query)
	if err != nil {
		return nil, b.viewError(name, obj.Name, err)
	}
	return RenameColumns(node, obj.Schema), nil
}

// cteDef is one WITH query: bound where it is named, as a view is.
type cteDef struct {
	name  string
	cols  []string
	query ast.ResultSetNode
	// recursive is set for the queries of WITH RECURSIVE, which may read
	// themselves (see recursiveCTE).
	recursive bool
	// work is set while the recursive part of a WITH RECURSIVE query is
	// bound: its name reads the rows of the previous round.
	work *logical.WorkTable
}

// with brings a SELECT's WITH queries into scope; the returned function
// takes them out again.
func (b *Binder) with(w *ast.WithClause) (func(), error) {
	n := len(b.ctes)
	undo := func() { b.ctes = b.ctes[:n] }
	if w == nil {
		return undo, nil
	}
	if w.IsRecursive && !b.Snapshot {
		return undo, b.Src.Errorf(max(b.Src.Find("RECURSIVE", 0), 0), sqlerr.FeatureNotSupported,
			"WITH RECURSIVE is supported in one-shot queries only").WithHint("a continuous query cannot iterate to a fixed point")
	}
	for _, c := range w.CTEs {
		d := cteDef{name: c.Name.O, query: c.Query.Query, recursive: w.IsRecursive}
		for _, col := range c.ColNameList {
			d.cols = append(d.cols, col.O)
		}
		b.ctes = append(b.ctes, d)
	}
	return undo, nil
}

// cteNode binds WITH query i, seeing only the WITH queries before it.
func (b *Binder) cteNode(i int) (logical.Node, error) {
	d := b.ctes[i]
	if d.work != nil {
		return d.work, nil
	}
	saved := b.ctes
	b.ctes = b.ctes[:i:i]
	var node logical.Node
	var err error
	recursive := false
	if d.recursive {
		recursive, err = b.readsItself(d)
	}
	switch {
	case err != nil:
	case recursive:
		node, err = b.recursiveCTE(d)
		d.cols = nil // named before its recursive part was bound
	default:
		node, err = b.resultSet(d.query)
	}
	b.ctes = saved
	if err != nil || len(d.cols) == 0 {
		return node, err
	}
	if err := b.checkCTEColumns(d, node); err != nil {
		return nil, err
	}
	out := types.Schema{Columns: append([]types.Column{}, node.Schema().Columns...)}
	for j, c := range d.cols {
		out.Columns[j].Name = c
	}
	return RenameColumns(node, out), nil
}

// checkCTEColumns checks that a WITH query's column list names all its
// columns.
func (b *Binder) checkCTEColumns(d cteDef, node logical.Node) error {
	if n := node.Schema().Len(); len(d.cols) != n {
		return b.errAt(d.name, sqlerr.InvalidParameter,
			"WITH query %q has %d columns available but %d columns specified", d.name, n, len(d.cols))
	}
	return nil
}

// windowTVF binds a window table function the dialect layer put in FROM
// as the placeholder table name.
func (b *Binder) windowTVF(name string) (logical.Node, error) {
	f, ok := b.Src.Ext.WindowTVFs[name]
	if !ok {
		return nil, sqlerr.New(sqlerr.Internal, "unknown window placeholder %s", name)
	}
	var in logical.Node
	var err error
	if f.Query != nil {
		in, err = b.resultSet(f.Query.Node)
	} else {
		in, err = b.named(f.Table.Name)
	}
	if err != nil {
		return nil, err
	}
	s := in.Schema()
	tc := s.Find(f.TimeCol.Name)
	if tc < 0 {
		return nil, b.Src.Errorf(f.TimeCol.Pos, sqlerr.UndefinedColumn, "column %q does not exist", f.TimeCol.Name)
	}
	w := &logical.WindowTVF{Input: in, Kind: logical.WindowKind(f.Kind), TimeCol: tc, Lateness: b.Emit.Lateness,
		Zone: b.windowZone(logical.WindowKind(f.Kind), in, tc)}
	if err := b.timeColumn(s.Columns[tc], f.TimeCol.Pos); err != nil {
		return nil, err
	}
	for _, iv := range []struct {
		ext *parse.IntervalExt
		dst *int64
	}{{f.Size, &w.Size}, {f.Slide, &w.Slide}, {f.Step, &w.Step}, {f.Gap, &w.Gap}, {f.Offset, &w.Offset}} {
		if iv.ext == nil {
			continue
		}
		if *iv.dst, err = b.duration(iv.ext); err != nil {
			return nil, err
		}
	}
	for _, p := range f.PartitionBy {
		i := s.Find(p.Name)
		if i < 0 {
			return nil, b.Src.Errorf(p.Pos, sqlerr.UndefinedColumn, "column %q does not exist", p.Name)
		}
		w.PartitionBy = append(w.PartitionBy, i)
	}
	if err := b.checkWindow(w, f.Pos); err != nil {
		return nil, err
	}
	if w.Kind == "SESSION" && in.Props().Changelog != logical.AppendOnly {
		// A retracted row could split a session that rows were assigned to.
		return nil, b.Src.Errorf(f.Pos, sqlerr.FeatureNotSupported, "a SESSION window needs an append-only input, and this one updates").
			WithHint("read an append-only table, or aggregate after the window")
	}
	w.Out = windowSchema(s, s.Columns[tc].Type)
	return w, nil
}

// windowZone is where windows over time column col of in align: the
// session zone for TIMESTAMP_LTZ (an instant), none for TIMESTAMP, whose
// values are already wall-clock times.
// Processing-time windows stay aligned to UTC, and so do SESSION windows,
// which are not aligned to a clock at all: their bounds are row times.
func (b *Binder) windowZone(kind logical.WindowKind, in logical.Node, col int) *time.Location {
	t := in.Schema().Columns[col].Type
	if t.ID != types.TimestampLTZ || b.Zone == nil || b.Zone == time.UTC || kind == "SESSION" || logical.ProcTime(in, col) {
		return nil
	}
	return b.Zone
}

// windowSchema is the input's columns plus window_start, window_end and
// window_time. window_time keeps the time column's type (TIMESTAMP_LTZ
// stays LTZ, as in Flink); the bounds are TIMESTAMP(3).
func windowSchema(s types.Schema, timeType types.Type) types.Schema {
	out := types.Schema{Columns: append([]types.Column{}, s.Columns...)}
	ts3 := types.Type{ID: types.Timestamp, Precision: 3}
	wt := types.Type{ID: timeType.ID, Precision: 3}
	out.Columns = append(out.Columns,
		types.Column{Name: "window_start", Type: ts3},
		types.Column{Name: "window_end", Type: ts3},
		types.Column{Name: "window_time", Type: wt})
	return out
}

// timeColumn checks that a window's time column is a timestamp. Without a
// watermark it need not be a time attribute: windows then only add their
// bounds (semantics.md, rule 12).
func (b *Binder) timeColumn(c types.Column, pos int) error {
	if c.Type.ID != types.Timestamp && c.Type.ID != types.TimestampLTZ {
		return b.Src.Errorf(pos, sqlerr.DatatypeMismatch,
			"the time column of a window must be TIMESTAMP or TIMESTAMP_LTZ, but %q is %s", c.Name, c.Type)
	}
	return nil
}

// duration is a day-time interval literal in microseconds.
func (b *Binder) duration(iv *parse.IntervalExt) (int64, error) {
	months, micros, err := iv.Value()
	if err == nil && (months != 0 || micros <= 0) {
		err = fmt.Errorf("a window duration must be a positive day-time interval")
	}
	if err != nil {
		return 0, b.Src.Errorf(iv.Pos, sqlerr.InvalidParameter, "%v", err)
	}
	return micros, nil
}

// checkWindow checks the sizes Flink checks: a hop's size is a multiple of
// its slide, a cumulating window's maximum a multiple of its step.
func (b *Binder) checkWindow(w *logical.WindowTVF, pos int) error {
	switch {
	case w.Kind == "HOP" && w.Size%w.Slide != 0:
		return b.Src.Errorf(pos, sqlerr.InvalidParameter, "HOP window size must be an integral multiple of the slide")
	case w.Kind == "CUMULATE" && w.Size%w.Step != 0:
		return b.Src.Errorf(pos, sqlerr.InvalidParameter, "CUMULATE window size must be an integral multiple of the step")
	}
	return nil
}

// viewError reports an error in a view's stored query (a table it reads was
// dropped and recreated differently, say) at the view's name in the user's
// statement: the inner error's position is in the view's text, not the
// user's, so it goes into the message instead.
func (b *Binder) viewError(written, view string, err error) error {
	e, ok := sqlerr.As(err)
	if !ok {
		return fmt.Errorf("view %q: %w", view, err)
	}
	where := ""
	if e.Line > 0 {
		where = fmt.Sprintf(" (at %d:%d of its definition)", e.Line, e.Col)
	}
	out := b.errAt(written, e.Code, "view %q: %s%s", view, e.Message, where)
	out.Hint = e.Hint
	return out
}
