package bind

import (
	"riffle/planner/scalar"
	"riffle/sql/sqlerr"
	"riffle/sql/types"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
)

// subCtx is one subquery being bound inside an expression: the scope of
// the query around it, whose columns its plan may name, and the subquery,
// which collects the outer values its plan reads.
type subCtx struct {
	sc *scope
	sq *scalar.Subquery
}

// valueSubquery binds a subquery used as a value: (SELECT …), EXISTS,
// ARRAY(SELECT …), x IN (SELECT …), x = ANY (SELECT …). It runs per row
// of the query around it, so it is for one-shot queries; continuous
// queries take IN and EXISTS in WHERE, which become joins.
func (b *Binder) valueSubquery(n ast.ExprNode, sc *scope) (scalar.Expr, error) {
	var q ast.ResultSetNode
	kind := scalar.ScalarSubquery
	var test ast.ExprNode
	not := false
	switch x := n.(type) {
	case *ast.SubqueryExpr:
		q = x.Query
	case *ast.ExistsSubqueryExpr:
		sub, ok := x.Sel.(*ast.SubqueryExpr)
		if !ok {
			return nil, b.unsupported(x, "this EXISTS form")
		}
		q, kind, not = sub.Query, scalar.ExistsSubquery, x.Not
	case *ast.PatternInExpr:
		sub, ok := x.Sel.(*ast.SubqueryExpr)
		if !ok {
			return nil, b.unsupported(x, "this IN form")
		}
		q, kind, test, not = sub.Query, scalar.InSubquery, x.Expr, x.Not
	case *ast.CompareSubqueryExpr:
		sub, ok := x.R.(*ast.SubqueryExpr)
		if !ok || x.All || x.Op != opcode.EQ {
			return nil, b.notYet(x, "this comparison with a subquery is", "x = ANY (SELECT …) and IN work")
		}
		q, kind, test = sub.Query, scalar.InSubquery, x.L
	}
	if !b.Snapshot {
		return nil, b.notYet(n, "a subquery in an expression of a continuous query is",
			"write IN or EXISTS in WHERE (a join), or join the subquery in FROM")
	}
	if b.agg != nil {
		return nil, b.notYet(n, "a subquery in an aggregating SELECT is", "aggregate in a subquery in FROM")
	}
	if b.runner == nil {
		b.runner = &scalar.Runner{}
	}
	sq := &scalar.Subquery{Kind: kind, Outer: &scalar.OuterRow{}, Runner: b.runner}
	if test != nil {
		t, err := b.expr(test, sc)
		if err != nil {
			return nil, err
		}
		sq.Args = []scalar.Expr{t}
	}
	b.outer = append(b.outer, &subCtx{sc: sc, sq: sq})
	over := b.over
	node, err := b.resultSet(q)
	b.outer, b.over = b.outer[:len(b.outer)-1], over
	if err != nil {
		return nil, err
	}
	sq.Plan = node
	cols := node.Schema().Columns
	if kind != scalar.ExistsSubquery && len(cols) != 1 {
		return nil, b.position(sqlerr.New(sqlerr.SyntaxError, "subquery must return only one column"), n)
	}
	switch kind {
	case scalar.ScalarSubquery:
		sq.T = cols[0].Type
	case scalar.ArraySubquery:
		elem := cols[0].Type
		sq.T = types.Type{ID: types.Array, Elem: &elem}
	default:
		sq.T = types.TBoolean
	}
	if kind == scalar.InSubquery {
		// The test value and the column must compare: the same check = makes.
		c := &scalar.ColRef{T: cols[0].Type}
		if _, err := scalar.Resolve("=", []scalar.Expr{sq.Args[0], c}); err != nil {
			return nil, b.position(err, n)
		}
	}
	if not {
		return scalar.Resolve("not", []scalar.Expr{sq})
	}
	return sq, nil
}

// arraySubquery binds ARRAY(SELECT …), which the dialect layer hands over
// as a call of the ARRAY placeholder on a subquery.
func (b *Binder) arraySubquery(sub *ast.SubqueryExpr, sc *scope) (scalar.Expr, error) {
	e, err := b.valueSubquery(sub, sc)
	if err != nil {
		return nil, err
	}
	sq := e.(*scalar.Subquery)
	sq.Kind = scalar.ArraySubquery
	elem := sq.T
	sq.T = types.Type{ID: types.Array, Elem: &elem}
	return sq, nil
}

// outerColumn resolves a column the subqueries being bound do not have in
// their own FROM: a column of a query around them (a correlated
// reference). Each subquery between that query and the reference passes
// the value down as one of its Args.
func (b *Binder) outerColumn(table, name string) (scalar.Expr, bool, error) {
	for lvl := len(b.outer) - 1; lvl >= 0; lvl-- {
		sc := b.outer[lvl].sc
		i := sc.lookup(table, name)
		if i == -2 {
			return nil, false, b.errAt(name, sqlerr.AmbiguousColumn, "column reference %q is ambiguous", name)
		}
		if i < 0 {
			continue
		}
		c := sc.cols[i]
		var e scalar.Expr = &scalar.ColRef{Idx: i, Name: c.name, T: c.typ}
		for m := lvl; m < len(b.outer); m++ {
			e = b.outer[m].pass(e, c.name)
		}
		return e, true, nil
	}
	return nil, false, nil
}

// pass makes e, an expression over the row around the subquery, one of its
// outer values, and returns the reference its plan reads it by.
func (o *subCtx) pass(e scalar.Expr, name string) scalar.Expr {
	sq := o.sq
	first := 0
	if sq.Kind == scalar.InSubquery {
		first = 1 // Args[0] is the test value
	}
	for k := first; k < len(sq.Args); k++ {
		if sameRef(sq.Args[k], e) {
			return &scalar.OuterRef{Outer: sq.Outer, Idx: k, Name: name, T: e.Type()}
		}
	}
	sq.Args = append(sq.Args, e)
	return &scalar.OuterRef{Outer: sq.Outer, Idx: len(sq.Args) - 1, Name: name, T: e.Type()}
}

func sameRef(a, b scalar.Expr) bool {
	switch a := a.(type) {
	case *scalar.ColRef:
		c, ok := b.(*scalar.ColRef)
		return ok && c.Idx == a.Idx
	case *scalar.OuterRef:
		c, ok := b.(*scalar.OuterRef)
		return ok && c.Outer == a.Outer && c.Idx == a.Idx
	}
	return false
}
