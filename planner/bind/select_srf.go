package bind

import (
	"riffle/planner/logical"
	"riffle/planner/scalar"
	"riffle/sql/sqlerr"
	"riffle/sql/types"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// srfMarker prefixes the call a set-returning function of a select list
// binds to until expandSRFs moves it into an Expand below the projection.
const srfMarker = "srf:"

// selectSRF binds unnest(a) or _pg_expandarray(a) in a select list.
func (b *Binder) selectSRF(n *ast.FuncCallExpr, sc *scope) (scalar.Expr, bool, error) {
	name := n.FnName.L
	if name != "unnest" && name != "_pg_expandarray" && name != "pg_partition_ancestors" && name != "generate_subscripts" {
		return nil, false, nil
	}
	if !b.Snapshot {
		return nil, true, b.notYet(n, "a set-returning function in the select list of a continuous query is",
			"unnest in FROM, in a one-shot SELECT")
	}
	if name == "generate_subscripts" && len(n.Args) == 2 {
		// The subscripts of dimension 1 (riffle's arrays have one): 1…n,
		// and 0…n-1 for int2vector and oidvector, as PostgreSQL numbers them.
		arg, err := b.expr(n.Args[0], sc)
		if err != nil {
			return nil, true, err
		}
		if arg.Type().ID != types.Array {
			return nil, true, b.position(sqlerr.New(sqlerr.UndefinedFunction, "function generate_subscripts(%s) does not exist", arg.Type()), n)
		}
		return &scalar.Call{Fn: srfMarker + name, Args: []scalar.Expr{arg}, T: types.TInt}, true, nil
	}
	if len(n.Args) != 1 {
		return nil, true, b.position(sqlerr.New(sqlerr.UndefinedFunction, "function %s takes one array", name), n)
	}
	arg, err := b.expr(n.Args[0], sc)
	if err != nil {
		return nil, true, err
	}
	if name == "pg_partition_ancestors" {
		// riffle has no partitioned tables: a relation is its only ancestor.
		regclass, _ := types.PGType("regclass")
		return &scalar.Call{Fn: srfMarker + name, Args: []scalar.Expr{scalar.NewCast(arg, regclass)}, T: regclass}, true, nil
	}
	if arg.Type().ID != types.Array {
		return nil, true, b.position(sqlerr.New(sqlerr.UndefinedFunction, "function %s(%s) does not exist", name, arg.Type()), n)
	}
	t := *arg.Type().Elem
	if name == "_pg_expandarray" {
		t = types.Type{ID: types.RowType, Fields: []types.Field{{Name: "x", Type: t}, {Name: "n", Type: types.TInt}}}
	}
	return &scalar.Call{Fn: srfMarker + name, Args: []scalar.Expr{arg}, T: t}, true, nil
}

// expandSRFs moves the set-returning calls of a projection into an Expand
// below it, each distinct call (by its text) one column, which the
// projection then reads.
func expandSRFs(p *logical.Project) {
	var calls []*scalar.Call
	index := map[string]int{}
	width := p.Input.Schema().Len()
	var find func(e scalar.Expr) scalar.Expr
	find = func(e scalar.Expr) scalar.Expr {
		switch x := e.(type) {
		case *scalar.Call:
			if len(x.Fn) > len(srfMarker) && x.Fn[:len(srfMarker)] == srfMarker {
				k, ok := index[x.String()]
				if !ok {
					k = len(calls)
					index[x.String()] = k
					calls = append(calls, x)
				}
				return &scalar.ColRef{Idx: width + k, Name: x.Fn[len(srfMarker):], T: x.T}
			}
			c := &scalar.Call{Fn: x.Fn, T: x.T, Args: make([]scalar.Expr, len(x.Args))}
			for i, a := range x.Args {
				c.Args[i] = find(a)
			}
			return c
		case *scalar.Cast:
			return &scalar.Cast{Arg: find(x.Arg), T: x.T, Try: x.Try}
		}
		return e
	}
	exprs := make([]scalar.Expr, len(p.Exprs))
	for i, e := range p.Exprs {
		exprs[i] = find(e)
	}
	if len(calls) == 0 {
		return
	}
	x := &logical.Expand{Input: p.Input, Funcs: calls}
	x.Out.Columns = append(x.Out.Columns, p.Input.Schema().Columns...)
	for _, c := range calls {
		x.Out.Columns = append(x.Out.Columns, types.Column{Name: c.Fn[len(srfMarker):], Type: c.T, Nullable: true})
	}
	p.Input, p.Exprs = x, exprs
}
