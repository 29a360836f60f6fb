package bind

import (
	"strings"

	"riffle/planner/logical"
	"riffle/planner/scalar"
	"riffle/sql/sqlerr"
	"riffle/sql/types"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// groupWindow binds a legacy group window in GROUP BY — TUMBLE(ts, size),
// HOP(ts, slide, size), SESSION(ts, gap) — as a WindowTVF under the
// aggregate, grouping by its window_start and window_end.
func (b *Binder) groupWindow(f *ast.FuncCallExpr, sc *scope, in logical.Node, ctx *aggContext) error {
	gw := b.Src.Ext.GroupWindows[f.FnName.L]
	if ctx.window != nil {
		return b.Src.Errorf(gw.Pos, sqlerr.GroupingError, "GROUP BY takes one group window")
	}
	want := map[string]int{"TUMBLE": 2, "HOP": 3, "SESSION": 2}[string(gw.Kind)]
	if len(f.Args) != want {
		return b.Src.Errorf(gw.Pos, sqlerr.SyntaxError, "%s takes %d arguments", gw.Kind, want)
	}
	t, err := b.expr(f.Args[0], sc)
	if err != nil {
		return err
	}
	col, ok := t.(*scalar.ColRef)
	if !ok {
		return b.Src.Errorf(gw.Pos, sqlerr.SyntaxError, "the first argument of %s must be a time column", gw.Kind)
	}
	if err := b.timeColumn(in.Schema().Columns[col.Idx], gw.Pos); err != nil {
		return err
	}
	w := &logical.WindowTVF{Input: in, Kind: logical.WindowKind(gw.Kind), TimeCol: col.Idx, Lateness: b.Emit.Lateness,
		Zone: b.windowZone(logical.WindowKind(gw.Kind), in, col.Idx)}
	var durs []int64
	for _, a := range f.Args[1:] {
		call, ok := a.(*ast.FuncCallExpr)
		iv, found := b.Src.Ext.Intervals[strings.ToLower(fnName(call, ok))]
		if !found {
			return b.Src.Errorf(gw.Pos, sqlerr.SyntaxError, "%s takes interval literals such as INTERVAL '10' SECOND", gw.Kind)
		}
		d, err := b.duration(&iv)
		if err != nil {
			return err
		}
		durs = append(durs, d)
	}
	switch gw.Kind {
	case "TUMBLE":
		w.Size = durs[0]
	case "HOP":
		w.Slide, w.Size = durs[0], durs[1]
	case "SESSION":
		w.Gap = durs[0]
	}
	if err := b.checkWindow(w, gw.Pos); err != nil {
		return err
	}
	w.Out = windowSchema(in.Schema(), in.Schema().Columns[col.Idx].Type)
	ctx.window, ctx.windowAt = w, len(ctx.groups)
	width := in.Schema().Len()
	for i := range 2 {
		c := w.Out.Columns[width+i]
		ref := &scalar.ColRef{Idx: width + i, Name: c.Name, T: c.Type}
		ctx.groups = append(ctx.groups, ref)
		ctx.groupKeys = append(ctx.groupKeys, ref.String())
	}
	return nil
}

func fnName(c *ast.FuncCallExpr, ok bool) string {
	if !ok {
		return ""
	}
	return c.FnName.L
}

// windowProperty binds TUMBLE_START(…), HOP_END(…), SESSION_ROWTIME(…) and
// the like to the group window's bounds: _ROWTIME is the end minus 1 ms,
// the last instant inside the window.
func windowProperty(name string, ctx *aggContext) (scalar.Expr, bool) {
	kind, prop, ok := strings.Cut(name, "_")
	if !ok || !strings.EqualFold(kind, string(ctx.window.Kind)) {
		return nil, false
	}
	g := func(i int) *scalar.ColRef {
		e := ctx.groups[ctx.windowAt+i]
		return &scalar.ColRef{Idx: ctx.windowAt + i, Name: groupName(e, ctx.windowAt+i), T: e.Type()}
	}
	switch prop {
	case "start":
		return g(0), true
	case "end":
		return g(1), true
	case "rowtime", "proctime":
		end := g(1)
		ms := &scalar.Const{V: types.NewInterval(1000), T: types.Type{ID: types.IntervalDT}}
		return &scalar.Call{Fn: "-", Args: []scalar.Expr{end, ms}, T: end.T}, true
	}
	return nil, false
}
