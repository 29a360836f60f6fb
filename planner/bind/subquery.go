package bind

import (
	"riffle/planner/logical"
	"riffle/planner/scalar"
	"riffle/sql/sqlerr"
	"riffle/sql/types"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
)

// astConjuncts splits a WHERE clause on AND.
func astConjuncts(e ast.ExprNode) []ast.ExprNode {
	switch x := e.(type) {
	case *ast.BinaryOperationExpr:
		if x.Op == opcode.LogicAnd {
			return append(astConjuncts(x.L), astConjuncts(x.R)...)
		}
	case *ast.ParenthesesExpr:
		if inner := astConjuncts(x.Expr); len(inner) > 1 {
			return inner
		}
	}
	return []ast.ExprNode{e}
}

// isSubqueryPred reports whether a WHERE conjunct is [NOT] IN (subquery)
// or [NOT] EXISTS (subquery), which bind as semi and anti joins.
func isSubqueryPred(e ast.ExprNode) bool {
	switch x := e.(type) {
	case *ast.PatternInExpr:
		return x.Sel != nil
	case *ast.ExistsSubqueryExpr:
		return true
	case *ast.UnaryOperationExpr:
		if x.Op == opcode.Not || x.Op == opcode.Not2 {
			return isSubqueryPred(x.V)
		}
	case *ast.ParenthesesExpr:
		return isSubqueryPred(x.Expr)
	}
	return false
}

// subqueryPred joins in with the subquery of one IN / EXISTS conjunct.
// x IN (SELECT y …) is a semi join on x = y, NOT IN an anti join (with
// PostgreSQL's rule that a NULL y makes NOT IN unknown, kept by the
// operator). EXISTS may be correlated: the subquery's WHERE, bound over
// the outer columns followed by its own, is the join condition.
func (b *Binder) subqueryPred(e ast.ExprNode, in logical.Node, sc *scope) (logical.Node, error) {
	not := false
	for {
		if u, ok := e.(*ast.UnaryOperationExpr); ok {
			not, e = !not, u.V
			continue
		}
		if p, ok := e.(*ast.ParenthesesExpr); ok {
			e = p.Expr
			continue
		}
		break
	}
	kind := func(anti bool) logical.JoinKind {
		if anti {
			return logical.AntiJoin
		}
		return logical.SemiJoin
	}
	switch x := e.(type) {
	case *ast.PatternInExpr:
		sub, ok := x.Sel.(*ast.SubqueryExpr)
		if !ok {
			return nil, b.unsupported(x, "this IN form")
		}
		right, err := b.resultSet(sub.Query)
		if err != nil {
			return nil, err
		}
		if right.Schema().Len() != 1 {
			return nil, b.position(sqlerr.New(sqlerr.SyntaxError, "subquery has too many columns"), x)
		}
		l, err := b.expr(x.Expr, sc)
		if err != nil {
			return nil, err
		}
		c := right.Schema().Columns[0]
		eq, err := scalar.Resolve("=", []scalar.Expr{l, &scalar.ColRef{Idx: len(sc.cols), Name: c.Name, T: c.Type}})
		if err != nil {
			return nil, b.position(err, x)
		}
		j := b.makeJoin(kind(not != x.Not), in, right, eq)
		j.NullAware = j.Kind == logical.AntiJoin
		return j, nil
	case *ast.ExistsSubqueryExpr:
		sub, ok := x.Sel.(*ast.SubqueryExpr)
		if !ok {
			return nil, b.unsupported(x, "this EXISTS form")
		}
		return b.exists(sub, in, sc, kind(not != x.Not))
	}
	return nil, b.unsupported(e, "this subquery")
}

// exists binds EXISTS (SELECT … FROM … WHERE cond): the subquery's FROM is
// the right input, and cond, which may name outer columns, the condition.
func (b *Binder) exists(sub *ast.SubqueryExpr, in logical.Node, sc *scope, kind logical.JoinKind) (logical.Node, error) {
	s, ok := sub.Query.(*ast.SelectStmt)
	if !ok || isAggregating(s) || s.Limit != nil || s.With != nil {
		// Uncorrelated: any query; the join has no condition.
		right, err := b.resultSet(sub.Query)
		if err != nil {
			return nil, b.correlated(err, sub)
		}
		return b.makeJoin(kind, in, right, nil), nil
	}
	right, rsc, err := b.from(s.From)
	if err != nil {
		return nil, err
	}
	var on scalar.Expr
	if s.Where != nil {
		if on, err = b.expr(s.Where, concat(sc, rsc)); err != nil {
			return nil, err
		}
		on = scalar.NewCast(on, types.TBoolean)
	}
	return b.makeJoin(kind, in, right, on), nil
}

// correlated explains an unknown column inside a subquery that may be an
// outer reference riffle cannot decorrelate.
func (b *Binder) correlated(err error, at ast.Node) error {
	if e, ok := sqlerr.As(err); ok && e.Code == sqlerr.UndefinedColumn && e.Hint == "" {
		e.Hint = "a subquery here may only name outer columns in the WHERE clause of a plain EXISTS (SELECT … FROM … WHERE …)"
	}
	return err
}
