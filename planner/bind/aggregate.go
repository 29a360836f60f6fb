package bind

import (
	"strings"

	"riffle/planner/logical"
	"riffle/planner/scalar"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
	"riffle/sql/types"

	"github.com/pingcap/tidb/pkg/parser/ast"
	driver "github.com/pingcap/tidb/pkg/parser/test_driver"
)

// aggContext is set while binding the select list, HAVING and ORDER BY of
// an aggregating query. There, an expression that equals a GROUP BY
// expression reads the group column, an aggregate call reads its result
// column, and any other column reference is an error: after grouping, only
// those are defined.
type aggContext struct {
	input     *scope // the scope the GROUP BY and aggregate arguments see
	groups    []scalar.Expr
	groupKeys []string
	aggs      []logical.AggCall
	aggKeys   []string
	inAgg     bool // binding inside an aggregate's arguments
	// window is the legacy group window (GROUP BY TUMBLE(ts, …)), the
	// aggregate's input when set; its window_start and window_end are the
	// group columns windowAt and windowAt+1.
	window   *logical.WindowTVF
	windowAt int
	// groupExprs is how many of groups are the query's group expressions
	// (grouping sets add the set number and GROUPING() columns after
	// them).
	groupExprs int
	// sets, for a GROUP BY with grouping sets, feeds the aggregate;
	// grouping maps each GROUPING() call's arguments (argKey) to its
	// column among groups.
	sets     *logical.GroupingSets
	grouping map[string]int
}

// isAggregating reports whether a SELECT groups: GROUP BY, HAVING, or an
// aggregate call in its select list.
func isAggregating(s *ast.SelectStmt) bool {
	if s.GroupBy != nil || s.Having != nil {
		return true
	}
	found := false
	for _, f := range s.Fields.Fields {
		if f.Expr != nil {
			f.Expr.Accept(&aggFinder{found: &found})
		}
	}
	return found
}

type aggFinder struct{ found *bool }

func (v *aggFinder) Enter(n ast.Node) (ast.Node, bool) {
	switch n := n.(type) {
	case *ast.AggregateFuncExpr:
		*v.found = true
		return n, true
	case *ast.FuncCallExpr:
		if _, ok := pgAggregate(n); ok {
			*v.found = true
			return n, true
		}
	case *ast.SubqueryExpr:
		return n, true // its aggregates are its own
	}
	return n, false
}

func (v *aggFinder) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// groupBy binds the GROUP BY items against the input. An item may also
// name a select-list alias or position, as PostgreSQL allows.
func (b *Binder) groupBy(s *ast.SelectStmt, sc *scope, in logical.Node) (*aggContext, error) {
	ctx := &aggContext{input: sc}
	if s.GroupBy == nil {
		return ctx, nil
	}
	if hasGroupingSets(s.GroupBy) {
		return ctx, b.groupingSetsBy(s, sc, in, ctx)
	}
	for _, item := range s.GroupBy.Items {
		if f, ok := item.Expr.(*ast.FuncCallExpr); ok && strings.HasPrefix(f.FnName.L, parse.GroupWindowPrefix) {
			if err := b.groupWindow(f, sc, in, ctx); err != nil {
				return nil, err
			}
			continue
		}
		e, err := b.groupItem(item.Expr, s.Fields, sc)
		if err != nil {
			return nil, err
		}
		ctx.groups = append(ctx.groups, e)
		ctx.groupKeys = append(ctx.groupKeys, e.String())
	}
	ctx.groupExprs = len(ctx.groups)
	if w := ctx.window; w != nil && w.Kind == "SESSION" {
		// A legacy session window is kept per value of the other groups.
		for i, g := range ctx.groups {
			if c, ok := g.(*scalar.ColRef); ok && (i < ctx.windowAt || i > ctx.windowAt+1) {
				w.PartitionBy = append(w.PartitionBy, c.Idx)
			}
		}
	}
	return ctx, nil
}

func (b *Binder) groupItem(e ast.ExprNode, fields *ast.FieldList, sc *scope) (scalar.Expr, error) {
	switch x := e.(type) {
	case *ast.PositionExpr:
		if x.N < 1 || x.N > len(fields.Fields) || fields.Fields[x.N-1].Expr == nil {
			return nil, b.Src.Errorf(0, sqlerr.InvalidParameter, "GROUP BY position %d is not in select list", x.N)
		}
		return b.expr(fields.Fields[x.N-1].Expr, sc)
	case *ast.ColumnNameExpr:
		if x.Name.Table.O == "" && sc.lookup("", x.Name.Name.O) == -1 {
			for _, f := range fields.Fields {
				if f.Expr != nil && strings.EqualFold(f.AsName.O, x.Name.Name.O) {
					return b.expr(f.Expr, sc)
				}
			}
		}
	}
	return b.expr(e, sc)
}

// aggExpr binds n in aggregate context. ok is false when n is neither a
// group expression nor an aggregate call, and the caller binds it as usual
// (its children come back here).
func (b *Binder) aggExpr(n ast.ExprNode) (scalar.Expr, bool, error) {
	ctx := b.agg
	if f, ok := n.(*ast.FuncCallExpr); ok && isGrouping(f) {
		e, err := b.grouping(f)
		return e, true, err
	}
	if f, ok := n.(*ast.FuncCallExpr); ok && ctx.window != nil {
		if e, ok := windowProperty(f.FnName.L, ctx); ok {
			return e, true, nil
		}
	}
	if call, isAgg := n.(*ast.AggregateFuncExpr); isAgg {
		e, err := b.aggCall(call, nil)
		return e, true, err
	}
	if f, ok := n.(*ast.FuncCallExpr); ok {
		if call, isAgg := pgAggregate(f); isAgg {
			e, err := b.aggCall(call, nil)
			return e, true, err
		}
	}
	if f, ok := n.(*ast.FuncCallExpr); ok && strings.HasPrefix(f.FnName.L, parse.FilterPrefix) {
		// agg(…) FILTER (WHERE c) arrives as __riffle_filter_N(agg(…), c).
		call, isAgg := f.Args[0].(*ast.AggregateFuncExpr)
		if !isAgg || len(f.Args) != 2 {
			return nil, true, b.position(sqlerr.New(sqlerr.SyntaxError, "FILTER applies only to aggregate functions"), f)
		}
		e, err := b.aggCall(call, f.Args[1])
		return e, true, err
	}
	// Does n, bound over the input, equal a GROUP BY expression?
	ctx.inAgg = true
	e, err := b.expr(n, ctx.input)
	ctx.inAgg = false
	if err == nil {
		for i, k := range ctx.groupKeys {
			if k == e.String() {
				return &scalar.ColRef{Idx: i, Name: groupName(ctx.groups[i], i), T: ctx.groups[i].Type()}, true, nil
			}
		}
	}
	if c, isCol := n.(*ast.ColumnNameExpr); isCol {
		if err != nil {
			return nil, true, err // an unknown column is reported as such
		}
		return nil, true, b.errAt(c.Name.Name.O, sqlerr.GroupingError,
			"column %q must appear in the GROUP BY clause or be used in an aggregate function", c.Name.Name.O)
	}
	return nil, false, nil
}

// pgAggregate reads string_agg(x, sep), array_agg(x), bool_and(x),
// bool_or(x) and every(x), PostgreSQL's aggregates TiDB takes for plain
// functions, as aggregate calls.
func pgAggregate(f *ast.FuncCallExpr) (*ast.AggregateFuncExpr, bool) {
	name, distinct := strings.CutPrefix(f.FnName.L, parse.AggDistinctPrefix)
	switch name {
	case "bool_and", "bool_or", "every":
		agg := &ast.AggregateFuncExpr{F: name, Args: f.Args, Distinct: distinct}
		agg.SetOriginTextPosition(f.OriginTextPosition())
		return agg, true
	case "string_agg", "array_agg":
		agg := &ast.AggregateFuncExpr{F: name, Args: f.Args, Distinct: distinct}
		agg.SetOriginTextPosition(f.OriginTextPosition())
		if n := len(f.Args); n > 0 {
			// The dialect layer wrote ORDER BY y DESC as a last argument
			// __riffle_agg_order(y, 'DESC').
			if o, ok := f.Args[n-1].(*ast.FuncCallExpr); ok && o.FnName.L == parse.AggOrderFunc {
				agg.Args = f.Args[:n-1]
				agg.Order = &ast.OrderByClause{}
				for i := 0; i+1 < len(o.Args); i += 2 {
					dir := ""
					if v, ok := o.Args[i+1].(*driver.ValueExpr); ok {
						dir = v.GetString()
					}
					desc := strings.HasPrefix(dir, "DESC")
					nullsFirst := desc
					if strings.HasSuffix(dir, "NULLS FIRST") || strings.HasSuffix(dir, "NULLS LAST") {
						nullsFirst = strings.HasSuffix(dir, "FIRST")
					}
					agg.Order.Items = append(agg.Order.Items, &ast.ByItem{Expr: o.Args[i], Desc: desc, NullOrder: nullsFirst})
				}
			}
		}
		return agg, true
	}
	return nil, false
}

func groupName(e scalar.Expr, i int) string {
	if c, ok := e.(*scalar.ColRef); ok {
		return c.Name
	}
	return "group" + itoa(i+1)
}

// aggCall binds an aggregate call's arguments over the input and gives the
// call a result column (one per distinct call: SUM(x) twice is one column).
func (b *Binder) aggCall(n *ast.AggregateFuncExpr, filter ast.ExprNode) (scalar.Expr, error) {
	ctx := b.agg
	if ctx.inAgg {
		return nil, b.position(sqlerr.New(sqlerr.GroupingError, "aggregate function calls cannot be nested"), n)
	}
	fn := strings.ToLower(n.F)
	call := logical.AggCall{Func: fn, Distinct: n.Distinct}
	if filter != nil {
		ctx.inAgg = true
		f, err := b.expr(filter, ctx.input)
		ctx.inAgg = false
		if err != nil {
			return nil, err
		}
		if f.Type().ID != types.Boolean && f.Type().ID != types.Unknown {
			return nil, b.position(sqlerr.New(sqlerr.DatatypeMismatch, "argument of FILTER must be type BOOLEAN, not type %s", f.Type()), filter)
		}
		call.Filter = scalar.NewCast(f, types.TBoolean)
	}
	ctx.inAgg = true
	for _, a := range n.Args {
		e, err := b.expr(a, ctx.input)
		if err != nil {
			ctx.inAgg = false
			return nil, err
		}
		call.Args = append(call.Args, e)
	}
	if n.Order != nil {
		for _, it := range n.Order.Items {
			e, err := b.expr(it.Expr, ctx.input)
			if err != nil {
				ctx.inAgg = false
				return nil, err
			}
			call.OrderBy = append(call.OrderBy, logical.SortKey{Expr: e, Desc: it.Desc, NullsFirst: it.NullOrder})
		}
	}
	ctx.inAgg = false
	if len(call.OrderBy) > 0 && fn != "string_agg" && fn != "array_agg" {
		return nil, b.position(sqlerr.New(sqlerr.FeatureNotSupported, "ORDER BY in %s is not supported", fn), n)
	}
	if call.Distinct && len(call.OrderBy) > 0 {
		// As in PostgreSQL: each distinct value must have one place.
		for _, k := range call.OrderBy {
			if len(call.Args) == 0 || k.Expr.String() != call.Args[0].String() {
				return nil, b.position(sqlerr.New(sqlerr.InvalidColumnReference,
					"in an aggregate with DISTINCT, ORDER BY expressions must appear in argument list"), n)
			}
		}
	}
	if fn == "count" && !n.Distinct && len(call.Args) == 1 && isNonNullConst(n.Args[0]) {
		call.Func, call.Args = "count_star", nil // COUNT(*) arrives as COUNT(1)
	}
	if fn == "bool_and" || fn == "bool_or" || fn == "every" {
		if err := boolAggregate(&call); err != nil {
			return nil, b.position(err, n)
		}
	}
	t, err := aggType(call)
	if err != nil {
		return nil, b.position(err, n)
	}
	call.T = t
	key := call.String()
	for i, k := range ctx.aggKeys {
		if k == key {
			return &scalar.ColRef{Idx: len(ctx.groups) + i, Name: fn, T: t}, nil
		}
	}
	ctx.aggs = append(ctx.aggs, call)
	ctx.aggKeys = append(ctx.aggKeys, key)
	return &scalar.ColRef{Idx: len(ctx.groups) + len(ctx.aggs) - 1, Name: fn, T: t}, nil
}

// boolAggregate makes bool_and (every) a MIN and bool_or a MAX of its
// boolean argument: false sorts before true, NULLs are skipped, and MIN and
// MAX keep each group's values, so a retracted false is retracted exactly.
func boolAggregate(call *logical.AggCall) error {
	if len(call.Args) != 1 || (call.Args[0].Type().ID != types.Boolean && call.Args[0].Type().ID != types.Unknown) {
		arg := "no argument"
		if len(call.Args) > 0 {
			arg = call.Args[0].Type().String()
		}
		return sqlerr.New(sqlerr.UndefinedFunction, "function %s(%s) does not exist", call.Func, arg).
			WithHint("%s takes one BOOLEAN argument", call.Func)
	}
	call.Args[0] = scalar.NewCast(call.Args[0], types.TBoolean)
	if call.Func == "bool_or" {
		call.Func = "max"
	} else {
		call.Func = "min"
	}
	return nil
}

func isNonNullConst(e ast.ExprNode) bool {
	v, ok := e.(*driver.ValueExpr)
	return ok && v.Kind() != driver.KindNull
}

// aggType is an aggregate's result type. SUM widens integers to BIGINT and
// keeps DECIMAL's scale at the widest precision; AVG of exact numbers is an
// exact DECIMAL (as PostgreSQL's numeric, where Flink truncates to the
// input type); floats stay DOUBLE.
func aggType(c logical.AggCall) (types.Type, error) {
	if c.Func == "count_star" || c.Func == "count" {
		if c.Func == "count" && len(c.Args) != 1 {
			return types.Type{}, sqlerr.New(sqlerr.UndefinedFunction, "count takes one argument")
		}
		return types.TBigInt, nil
	}
	if c.Func == "string_agg" {
		if len(c.Args) != 2 || !(c.Args[0].Type().IsString() || c.Args[0].Type().ID == types.Unknown) {
			return types.Type{}, sqlerr.New(sqlerr.UndefinedFunction, "function string_agg takes a string and a delimiter")
		}
		if d, ok := c.Args[1].(*scalar.Const); !ok || (d.V.K != types.KString && !d.V.IsNull()) {
			return types.Type{}, sqlerr.New(sqlerr.FeatureNotSupported, "string_agg's delimiter must be a constant string")
		}
		return types.TString, nil
	}
	if len(c.Args) != 1 {
		return types.Type{}, sqlerr.New(sqlerr.UndefinedFunction, "function %s takes one argument", c.Func)
	}
	t := c.Args[0].Type()
	if c.Func == "array_agg" {
		if t.ID == types.Unknown {
			t = types.TString
		}
		return types.Type{ID: types.Array, Elem: &t}, nil
	}
	switch c.Func {
	case "min", "max":
		if t.ID == types.Unknown {
			return types.TString, nil
		}
		if t.IsEnum() || t.PG == "point" || t.PG == "int4range" {
			// Their state keeps values in key order, which is the
			// labels' text order, not an enum's declaration order.
			return types.Type{}, sqlerr.New(sqlerr.FeatureNotSupported, "function %s(%s) is not supported", c.Func, t).
				WithHint("in a one-shot query, ORDER BY the column with LIMIT 1 finds the least or the greatest")
		}
		return t, nil
	case "sum", "avg":
		switch {
		case t.IsInteger() || t.ID == types.Unknown:
			if c.Func == "avg" {
				return types.Type{ID: types.Decimal, Precision: scalar.MaxDecimalPrecision, Scale: 6}, nil
			}
			return types.TBigInt, nil
		case t.ID == types.Decimal:
			scale := t.Scale
			if c.Func == "avg" {
				scale = max(scale, 6)
			}
			return types.Type{ID: types.Decimal, Precision: scalar.MaxDecimalPrecision, Scale: scale}, nil
		case t.IsFloat():
			return types.TDouble, nil
		}
		return types.Type{}, sqlerr.New(sqlerr.UndefinedFunction, "function %s(%s) does not exist", c.Func, t).
			WithHint("%s takes a number", strings.ToUpper(c.Func))
	}
	return types.Type{}, sqlerr.New(sqlerr.FeatureNotSupported, "aggregate function %s is not supported yet", strings.ToUpper(c.Func))
}

// aggregateNode builds the Aggregate once the select list, HAVING and ORDER
// BY have found every call.
func aggregateNode(in logical.Node, ctx *aggContext, emit logical.Emit) *logical.Aggregate {
	a := &logical.Aggregate{Input: in, Groups: ctx.groups, Aggs: ctx.aggs, Emit: emit}
	for i, g := range ctx.groups {
		a.Out.Columns = append(a.Out.Columns, types.Column{Name: groupName(g, i), Type: g.Type(), Nullable: true})
	}
	for _, c := range ctx.aggs {
		nullable := c.Func != "count" && c.Func != "count_star"
		a.Out.Columns = append(a.Out.Columns, types.Column{Name: c.Func, Type: c.T, Nullable: nullable})
	}
	return a
}

// distinct makes SELECT DISTINCT: a grouping by every output column.
func distinct(p logical.Node) logical.Node {
	s := p.Schema()
	a := &logical.Aggregate{Input: p, Out: s}
	for i, c := range s.Columns {
		a.Groups = append(a.Groups, &scalar.ColRef{Idx: i, Name: c.Name, T: c.Type})
	}
	return a
}
