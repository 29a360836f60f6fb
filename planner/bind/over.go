package bind

import (
	"strings"

	"riffle/planner/logical"
	"riffle/planner/scalar"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
	"riffle/sql/types"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"
)

// windowFinder collects the window function calls of a select list (not
// those of its subqueries).
type windowFinder struct{ calls []*ast.WindowFuncExpr }

func (v *windowFinder) Enter(n ast.Node) (ast.Node, bool) {
	switch n := n.(type) {
	case *ast.WindowFuncExpr:
		v.calls = append(v.calls, n)
		return n, true
	case *ast.SubqueryExpr:
		return n, true
	}
	return n, false
}

func (v *windowFinder) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// overWindows puts Over nodes computing the select list's window functions
// on top of in, one per distinct window (PARTITION BY and ORDER BY), each
// over the one before; the select list then reads each call's column
// (b.over). The input columns keep their indexes, so sc still applies.
func (b *Binder) overWindows(fl *ast.FieldList, in logical.Node, sc *scope) (logical.Node, error) {
	f := &windowFinder{}
	for _, fd := range fl.Fields {
		if fd.Expr != nil {
			fd.Expr.Accept(f)
		}
	}
	if len(f.calls) == 0 {
		return in, nil
	}
	type group struct {
		spec  string
		calls []logical.OverCall
		wfs   []*ast.WindowFuncExpr
	}
	var groups []*group
	for _, wf := range f.calls {
		c, err := b.overCall(wf, sc)
		if err != nil {
			return nil, err
		}
		spec := windowSpec(c)
		var g *group
		for _, x := range groups {
			if x.spec == spec {
				g = x
			}
		}
		if g == nil {
			g = &group{spec: spec}
			groups = append(groups, g)
		}
		g.calls, g.wfs = append(g.calls, c), append(g.wfs, wf)
	}
	b.over = map[*ast.WindowFuncExpr]scalar.Expr{}
	for _, g := range groups {
		o := &logical.Over{Input: in, Out: types.Schema{Columns: append([]types.Column{}, in.Schema().Columns...)}}
		for i, c := range g.calls {
			name := strings.ToLower(g.wfs[i].Name)
			b.over[g.wfs[i]] = &scalar.ColRef{Idx: len(o.Out.Columns), Name: name, T: c.T}
			o.Calls = append(o.Calls, c)
			o.Out.Columns = append(o.Out.Columns, types.Column{Name: name, Type: c.T, Nullable: true})
		}
		in = o
	}
	return in, nil
}

// windowSpec is a call's window without its frame: the calls of one Over
// share it.
func windowSpec(c logical.OverCall) string {
	var sb strings.Builder
	for _, p := range c.Partition {
		sb.WriteString(p.String() + ",")
	}
	sb.WriteString("|")
	for _, k := range c.Order {
		sb.WriteString(k.String() + ",")
	}
	return sb.String()
}

// rankingFuncs are the window functions that are not aggregates, with
// their result types (nil: the type of the first argument).
var rankingFuncs = map[string]*types.Type{
	"row_number": &types.TBigInt, "rank": &types.TBigInt, "dense_rank": &types.TBigInt,
	"ntile": &types.TBigInt, "percent_rank": &types.TDouble, "cume_dist": &types.TDouble,
	"lag": nil, "lead": nil, "first_value": nil, "last_value": nil, "nth_value": nil,
}

func (b *Binder) overCall(wf *ast.WindowFuncExpr, sc *scope) (logical.OverCall, error) {
	c := logical.OverCall{Func: strings.ToLower(wf.Name), Distinct: wf.Distinct}
	spec := wf.Spec
	if spec.Name.O != "" || spec.Ref.O != "" {
		return c, b.notYet(wf, "named windows are", "arrives later; write the window in OVER (…)")
	}
	saved := b.agg
	b.agg = nil // a window function's arguments are over the input rows
	defer func() { b.agg = saved }()
	args := wf.Args
	if len(args) > 0 {
		// EXCLUDE CURRENT ROW arrives as a wrapper of the first argument.
		if f, ok := args[0].(*ast.FuncCallExpr); ok && f.FnName.L == parse.ExcludeCurrentRowFunc && len(f.Args) == 1 {
			args = append([]ast.ExprNode{f.Args[0]}, args[1:]...)
			c.ExcludeCurrent = true
		}
	}
	for _, a := range args {
		e, err := b.expr(a, sc)
		if err != nil {
			return c, err
		}
		c.Args = append(c.Args, e)
	}
	if spec.PartitionBy != nil {
		for _, it := range spec.PartitionBy.Items {
			e, err := b.expr(it.Expr, sc)
			if err != nil {
				return c, err
			}
			c.Partition = append(c.Partition, e)
		}
	}
	if spec.OrderBy != nil {
		for _, it := range spec.OrderBy.Items {
			e, err := b.expr(it.Expr, sc)
			if err != nil {
				return c, err
			}
			c.Order = append(c.Order, logical.SortKey{Expr: e, Desc: it.Desc, NullsFirst: it.Desc})
		}
	}
	if spec.Frame != nil {
		var sb strings.Builder
		if err := spec.Frame.Restore(format.NewRestoreCtx(format.DefaultRestoreFlags, &sb)); err == nil {
			c.Frame = sb.String()
		}
		var err error
		if c.Bounds, err = b.frameBounds(spec.Frame, wf, c.Order); err != nil {
			return c, err
		}
		c.Frame = c.Bounds.String() // as bound, without the rewrite's placeholders
	}
	if c.ExcludeCurrent && spec.Frame == nil {
		return c, b.position(sqlerr.New(sqlerr.SyntaxError, "EXCLUDE belongs to a frame: write ROWS or RANGE before it"), wf)
	}
	return c, b.overType(&c, wf, args)
}

// frameBounds reads a frame: ROWS with constant offsets, RANGE with
// UNBOUNDED, CURRENT ROW, or an offset from the one ORDER BY key (an
// integer for an integer key, a day-to-second INTERVAL for a timestamp).
func (b *Binder) frameBounds(f *ast.FrameClause, wf *ast.WindowFuncExpr, order []logical.SortKey) (*logical.FrameBounds, error) {
	fb := &logical.FrameBounds{Rows: f.Type == ast.Rows}
	if !fb.Rows && len(order) == 1 {
		t := order[0].Expr.Type()
		fb.Interval = t.ID == types.Timestamp || t.ID == types.TimestampLTZ
	}
	if f.Type == ast.Groups {
		return nil, b.notYet(wf, "GROUPS frames are", "use ROWS or RANGE")
	}
	bound := func(x ast.FrameBound, end bool) (logical.FrameBound, error) {
		switch {
		case x.Type == ast.CurrentRow:
			return logical.FrameBound{}, nil
		case x.UnBounded:
			if (x.Type == ast.Preceding) == end {
				return logical.FrameBound{}, b.position(sqlerr.New(sqlerr.WindowingError,
					"frame %s cannot be UNBOUNDED %s", map[bool]string{false: "start", true: "end"}[end],
					map[bool]string{false: "FOLLOWING", true: "PRECEDING"}[end]), wf)
			}
			return logical.FrameBound{Unbounded: true, Offset: map[bool]int64{false: -1, true: 1}[end]}, nil
		case !fb.Rows:
			return b.rangeOffset(x, wf, order)
		}
		e, err := b.expr(x.Expr, &scope{})
		if err != nil {
			return logical.FrameBound{}, err
		}
		v, ok := intConst(e)
		if !ok {
			return logical.FrameBound{}, b.position(sqlerr.New(sqlerr.WindowingError,
				"a ROWS frame offset must be a constant integer"), x.Expr)
		}
		if v < 0 {
			return logical.FrameBound{}, b.position(sqlerr.New(sqlerr.InvalidPrecedingFollowing,
				"frame offset must not be negative"), x.Expr)
		}
		if x.Type == ast.Preceding {
			v = -v
		}
		return logical.FrameBound{Offset: v}, nil
	}
	var err error
	if fb.Start, err = bound(f.Extent.Start, false); err != nil {
		return nil, err
	}
	if fb.End, err = bound(f.Extent.End, true); err != nil {
		return nil, err
	}
	// PostgreSQL refuses a frame whose start is after its end by kind.
	startKind, endKind := f.Extent.Start.Type, f.Extent.End.Type
	switch {
	case startKind == ast.CurrentRow && endKind == ast.Preceding:
		return nil, b.position(sqlerr.New(sqlerr.WindowingError, "frame starting from current row cannot have preceding rows"), wf)
	case startKind == ast.Following && (endKind == ast.Preceding || endKind == ast.CurrentRow):
		return nil, b.position(sqlerr.New(sqlerr.WindowingError, "frame starting from following row cannot have preceding rows"), wf)
	}
	return fb, nil
}

// rangeOffset reads a RANGE frame's offset bound. As in PostgreSQL, the
// window must have exactly one ORDER BY key, and the offset's type must fit
// it.
func (b *Binder) rangeOffset(x ast.FrameBound, wf *ast.WindowFuncExpr, order []logical.SortKey) (logical.FrameBound, error) {
	if len(order) != 1 {
		return logical.FrameBound{}, b.position(sqlerr.New(sqlerr.WindowingError,
			"RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column"), wf)
	}
	e, err := b.expr(x.Expr, &scope{})
	if err != nil {
		return logical.FrameBound{}, err
	}
	if c, isCast := e.(*scalar.Cast); isCast {
		e = c.Arg
	}
	k, ok := e.(*scalar.Const)
	key := order[0].Expr.Type()
	switch {
	case !ok || k.V.IsNull():
		return logical.FrameBound{}, b.position(sqlerr.New(sqlerr.WindowingError,
			"a RANGE frame offset must be a constant"), x.Expr)
	case key.IsInteger() && k.T.IsInteger(),
		(key.ID == types.Timestamp || key.ID == types.TimestampLTZ) && k.T.ID == types.IntervalDT:
	default:
		return logical.FrameBound{}, b.position(sqlerr.New(sqlerr.FeatureNotSupported,
			"RANGE with offset PRECEDING/FOLLOWING is not supported for column type %s and offset type %s", key, k.T).
			WithHint("order by an integer with an integer offset, or by a timestamp with an INTERVAL … SECOND/MINUTE/HOUR/DAY offset"), wf)
	}
	v := k.V.Int()
	if v < 0 {
		return logical.FrameBound{}, b.position(sqlerr.New(sqlerr.InvalidPrecedingFollowing,
			"invalid preceding or following size in window function"), x.Expr)
	}
	if x.Type == ast.Preceding {
		v = -v
	}
	return logical.FrameBound{Offset: v}, nil
}

// overType types a window function call: ranking functions by the table
// above, aggregates as in GROUP BY.
func (b *Binder) overType(c *logical.OverCall, wf *ast.WindowFuncExpr, args []ast.ExprNode) error {
	if t, ok := rankingFuncs[c.Func]; ok {
		switch {
		case t != nil:
			c.T = *t
		case len(c.Args) == 0:
			return b.position(sqlerr.New(sqlerr.UndefinedFunction, "function %s() requires an argument", c.Func), wf)
		default:
			c.T = c.Args[0].Type()
		}
		if c.Func == "row_number" || c.Func == "rank" || c.Func == "dense_rank" {
			if len(c.Order) == 0 && c.Func != "row_number" {
				return b.position(sqlerr.New(sqlerr.SyntaxError, "%s needs ORDER BY in its window", strings.ToUpper(c.Func)), wf)
			}
		}
		return nil
	}
	if c.Func == "count" && !c.Distinct && len(args) == 1 && isNonNullConst(args[0]) {
		c.Func, c.Args = "count_star", nil
	}
	t, err := aggType(logical.AggCall{Func: c.Func, Args: c.Args, Distinct: c.Distinct})
	if err != nil {
		return b.position(err, wf)
	}
	c.T = t
	return nil
}

// overRef is the column of a window function call in the select list.
func (b *Binder) overRef(n *ast.WindowFuncExpr) (scalar.Expr, bool) {
	e, ok := b.over[n]
	return e, ok
}
