package bind

import (
	"fmt"
	"strings"

	"riffle/catalog"
	"riffle/planner/logical"
	"riffle/planner/scalar"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// computed types the computed columns of CREATE TABLE (name AS expr). Each
// is bound over the table's other columns; one computed column may not read
// another, as in Flink, so that a scan computes them all in one projection.
func (b *Binder) computed(st *parse.CreateTable, obj *catalog.Object) error {
	sc := scopeOf("", obj.Schema)
	for i, c := range st.Columns {
		if c.Computed == nil {
			continue
		}
		e, err := b.expr(c.Computed.Node, sc)
		if err != nil {
			return err
		}
		bad := ""
		walkCols(e, func(r *scalar.ColRef) {
			if obj.Columns[r.Idx].Computed != "" {
				bad = obj.Schema.Columns[r.Idx].Name
			}
		})
		if bad != "" {
			return b.Src.Errorf(c.Name.Pos, sqlerr.InvalidTableDefinition,
				"computed column %q cannot read computed column %q", c.Name.Name, bad)
		}
		t := e.Type()
		if t.ID == types.Unknown {
			t = types.TString
		}
		obj.Schema.Columns[i].Type = t
		sc.cols[i].typ = t
	}
	return nil
}

// checks binds a table's CHECK constraints over its columns: each must be
// a boolean. A CDC table has none: its retractions must match the rows it
// inserted, which a check could have refused.
func (b *Binder) checks(st *parse.CreateTable, obj *catalog.Object) error {
	if len(st.Checks) > 0 && obj.Changelog() {
		return b.Src.Errorf(st.Checks[0].Pos, sqlerr.FeatureNotSupported, "a CDC table cannot have CHECK constraints").
			WithHint("filter its rows in the queries that read it")
	}
	sc := scopeOf("", obj.Schema)
	used := map[string]bool{}
	for _, c := range st.Checks {
		e, err := b.expr(c.Expr.Node, sc)
		if err != nil {
			return err
		}
		if id := e.Type().ID; id != types.Boolean && id != types.Unknown {
			return b.Src.Errorf(c.Pos, sqlerr.DatatypeMismatch, "argument of CHECK must be type boolean, not type %s", e.Type())
		}
		name := c.Name.Name
		if name == "" {
			// PostgreSQL's names: orders_check, orders_check1, …
			name = obj.Name + "_check"
			for n := 1; used[name]; n++ {
				name = obj.Name + "_check" + itoa(n)
			}
		}
		if used[name] {
			return b.Src.Errorf(c.Name.Pos, sqlerr.DuplicateObject, "constraint %q for relation %q already exists", name, obj.Name)
		}
		used[name] = true
		obj.Checks = append(obj.Checks, catalog.Check{Name: name, Expr: c.Expr.Text})
	}
	return nil
}

// TableChecks binds a stored table's CHECK constraints over its columns
// (computed columns replaced by their expressions), for the writers that
// refuse a row breaking one (INSERT … VALUES, COPY).
func (b *Binder) TableChecks(obj *catalog.Object) ([]logical.Check, error) {
	return b.storedChecks(obj)
}

// storedChecks binds a stored table's CHECK constraints over its record's
// columns (computed columns replaced by their expressions).
func (b *Binder) storedChecks(obj *catalog.Object) ([]logical.Check, error) {
	if len(obj.Checks) == 0 {
		return nil, nil
	}
	st, err := parse.ParseOne(obj.SQL)
	if err != nil {
		return nil, fmt.Errorf("table %q: %w", obj.Name, err)
	}
	ct, ok := st.(*parse.CreateTable)
	if !ok || len(ct.Checks) != len(obj.Checks) {
		return nil, sqlerr.New(sqlerr.Internal, "table %q: stored definition does not match its checks", obj.Name)
	}
	exprs, _, err := b.storedColumns(obj)
	if err != nil {
		return nil, err
	}
	inner := &Binder{Cat: b.Cat, Src: ct.Src, Params: []*string{}, warned: true}
	sc := scopeOf("", obj.Schema)
	var out []logical.Check
	for i, c := range ct.Checks {
		e, err := inner.expr(c.Expr.Node, sc)
		if err != nil {
			return nil, fmt.Errorf("table %q: %w", obj.Name, err)
		}
		e = substCols(e, func(r *scalar.ColRef) scalar.Expr { return exprs[r.Idx] })
		out = append(out, logical.Check{Name: obj.Checks[i].Name, Expr: scalar.NewCast(e, types.TBoolean)})
	}
	return out, nil
}

// watermark checks WATERMARK FOR col AS expr and keeps it in the catalog:
// col is the table's event-time attribute, and expr must be a timestamp.
func (b *Binder) watermark(st *parse.CreateTable, obj *catalog.Object) error {
	w := st.Watermark
	if w == nil {
		return nil
	}
	i := obj.Schema.Find(w.Column.Name)
	if i < 0 {
		return b.Src.Errorf(w.Column.Pos, sqlerr.UndefinedColumn, "column %q does not exist", w.Column.Name)
	}
	if id := obj.Schema.Columns[i].Type.ID; id != types.Timestamp && id != types.TimestampLTZ {
		return b.Src.Errorf(w.Column.Pos, sqlerr.DatatypeMismatch,
			"the event-time column %q must be TIMESTAMP(3) or TIMESTAMP_LTZ(3), not %s", w.Column.Name, obj.Schema.Columns[i].Type)
	}
	e, err := b.expr(w.Expr.Node, scopeOf("", obj.Schema))
	if err != nil {
		return err
	}
	if id := e.Type().ID; id != types.Timestamp && id != types.TimestampLTZ {
		return b.position(sqlerr.New(sqlerr.DatatypeMismatch,
			"the watermark expression must be a timestamp, not %s", e.Type()), w.Expr.Node)
	}
	obj.Watermark = &catalog.Watermark{Column: i, Expr: w.Expr.Text}
	return nil
}

// computedScan puts the computed columns of obj on top of its scan: the
// scan reads them as NULL (they are not in the record), and a projection
// computes each from the row.
func (b *Binder) computedScan(obj *catalog.Object, in logical.Node) (logical.Node, error) {
	if !hasComputed(obj) {
		return in, nil
	}
	exprs, _, err := b.storedColumns(obj)
	if err != nil {
		return nil, err
	}
	return &logical.Project{Input: in, Exprs: exprs, Out: obj.Schema, Computed: true}, nil
}

// storedColumns binds obj's stored definition: an expression per column
// over the record's columns (a column itself, or its computed expression),
// and the watermark expression with computed columns replaced by theirs
// (nil without a WATERMARK FOR).
func (b *Binder) storedColumns(obj *catalog.Object) ([]scalar.Expr, scalar.Expr, error) {
	st, err := parse.ParseOne(obj.SQL)
	if err != nil {
		return nil, nil, fmt.Errorf("table %q: %w", obj.Name, err)
	}
	ct, ok := st.(*parse.CreateTable)
	if !ok || len(ct.Columns) != obj.Schema.Len() {
		return nil, nil, sqlerr.New(sqlerr.Internal, "table %q: stored definition does not match its columns", obj.Name)
	}
	inner := &Binder{Cat: b.Cat, Src: ct.Src, Params: []*string{}, warned: true}
	sc := scopeOf("", obj.Schema)
	var exprs []scalar.Expr
	for i, c := range obj.Schema.Columns {
		var e scalar.Expr = &scalar.ColRef{Idx: i, Name: c.Name, T: c.Type}
		if ct.Columns[i].Computed != nil {
			if e, err = inner.expr(ct.Columns[i].Computed.Node, sc); err != nil {
				return nil, nil, fmt.Errorf("table %q: %w", obj.Name, err)
			}
			e = scalar.NewCast(e, c.Type)
		}
		exprs = append(exprs, e)
	}
	if ct.Watermark == nil || obj.Watermark == nil {
		return exprs, nil, nil
	}
	wm, err := inner.expr(ct.Watermark.Expr.Node, sc)
	if err != nil {
		return nil, nil, fmt.Errorf("table %q: %w", obj.Name, err)
	}
	wm = substCols(wm, func(r *scalar.ColRef) scalar.Expr { return exprs[r.Idx] })
	return exprs, wm, nil
}

func hasComputed(obj *catalog.Object) bool {
	for _, c := range obj.Columns {
		if c.Computed != "" {
			return true
		}
	}
	return false
}

// CreateTableAs binds CREATE TABLE … AS SELECT: the table takes the query's
// columns (names must be distinct) and the query is the continuous INSERT
// that fills it. The table is append-only, or upsert on the query's key
// when the query updates.
func (b *Binder) CreateTableAs(st *parse.CreateTable, d TableDefaults) (*catalog.Object, logical.Node, error) {
	b.surfaceWarnings()
	if len(st.Columns) > 0 {
		return nil, nil, b.Src.Errorf(st.Columns[0].Name.Pos, sqlerr.FeatureNotSupported,
			"CREATE TABLE … AS SELECT takes its columns from the query").WithHint("leave out the column list")
	}
	node, err := b.Query(st.As)
	if err != nil {
		return nil, nil, err
	}
	obj := &catalog.Object{Name: st.Name.Name, Kind: catalog.Table, SQL: st.Src.Text, Options: map[string]string{}}
	seen := map[string]bool{}
	for _, c := range node.Schema().Columns {
		l := strings.ToLower(c.Name)
		if seen[l] {
			return nil, nil, b.Src.Errorf(strings.Index(b.Src.Text, "*"), duplicateColumn,
				"column %q specified more than once in the query's result", c.Name).
				WithHint("a table needs distinct column names: list the columns with aliases instead of *")
		}
		seen[l] = true
		obj.Schema.Columns = append(obj.Schema.Columns, c)
	}
	if p := node.Props(); p.Changelog != logical.AppendOnly && len(p.Key) > 0 {
		obj.PrimaryKey = append([]int{}, p.Key...)
	}
	if err := b.options(st, obj, d); err != nil {
		return nil, nil, err
	}
	return obj, node, nil
}

// builtinClasses are the JVM classes of Flink user-defined functions that
// riffle has as built-in functions, each under the name the class is
// registered as: CREATE FUNCTION of that name and class is accepted, and
// the built-in is what runs.
var builtinClasses = map[string]string{
	"com.github.nexmark.flink.udf.CountChar": "count_char", // Nexmark's q14
}

// CreateFunction accepts CREATE FUNCTION of a class riffle has as a
// built-in (builtinClasses), with a notice, and refuses any other:
// Flink's user-defined functions are JVM classes, and riffle has no JVM.
func (b *Binder) CreateFunction(st *parse.CreateFunction) error {
	builtin, ok := builtinClasses[st.Class]
	switch {
	case ok && strings.EqualFold(st.Name.Name, builtin):
		b.Notices = append(b.Notices, fmt.Sprintf("%s is riffle's built-in function %s; nothing is loaded", st.Class, builtin))
		return nil
	case ok:
		return b.Src.Errorf(st.Name.Pos, sqlerr.FeatureNotSupported,
			"CREATE FUNCTION %s is not supported: class %q is riffle's built-in function %s, under that name only", st.Name.Name, st.Class, builtin).
			WithHint("call it as %s", builtin)
	}
	return b.Src.Errorf(st.Name.Pos, sqlerr.FeatureNotSupported,
		"CREATE FUNCTION %s is not supported: riffle cannot load the JVM class %q", st.Name.Name, st.Class).
		WithHint("write the function as a SQL expression, or ask for it to become a built-in function")
}

// surfaceWarnings hands the dialect layer's warnings (defects it accepted,
// such as a trailing comma) to the user as notices, once per statement.
func (b *Binder) surfaceWarnings() {
	if b.warned || b.Src == nil {
		return
	}
	b.warned = true
	for _, w := range b.Src.Warnings {
		b.Notices = append(b.Notices, fmt.Sprintf("%s (at %d:%d)", w.Message, w.Line, w.Col))
	}
}
