package bind

import (
	"strconv"

	"riffle/planner/logical"
	"riffle/planner/scalar"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
	"riffle/sql/types"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// takeDistinctOn removes the DISTINCT ON placeholder (parse.DistinctOnFunc)
// from the head of s's select list and returns its expressions; nil when s
// has no DISTINCT ON.
func takeDistinctOn(s *ast.SelectStmt) []ast.ExprNode {
	if s.Fields == nil || len(s.Fields.Fields) == 0 {
		return nil
	}
	call, ok := s.Fields.Fields[0].Expr.(*ast.FuncCallExpr)
	if !ok || call.FnName.L != parse.DistinctOnFunc {
		return nil
	}
	s.Fields.Fields = s.Fields.Fields[1:]
	return call.Args
}

// distinctOn plans SELECT DISTINCT ON (keys) … ORDER BY …, PostgreSQL's
// first row of each group of equal keys in the ORDER BY's order, as the
// Top-1 per key that ROW_NUMBER() = 1 deduplication is (logical.TopN with
// Limit 1): a one-shot query keeps each key's first row, a continuous one
// keeps it up to date, retracting a key's row when a better one arrives or
// it is deleted. proj is the select list bound over its input; the TopN
// goes between them. Keys and ORDER BY items that are not input columns are
// computed first, in a projection that keeps the input's columns in front
// so that proj's references still hold. An ORDER BY item may name an
// output column, as in PostgreSQL. Without ORDER BY, which row a key keeps
// is unspecified, as in PostgreSQL.
func (b *Binder) distinctOn(s *ast.SelectStmt, keys []ast.ExprNode, proj *logical.Project, sc *scope) error {
	in := proj.Input
	width := in.Schema().Len()
	pre := &logical.Project{Input: in, Out: types.Schema{Columns: append([]types.Column{}, in.Schema().Columns...)}}
	for i, c := range in.Schema().Columns {
		pre.Exprs = append(pre.Exprs, &scalar.ColRef{Idx: i, Name: c.Name, T: c.Type})
	}
	col := func(e scalar.Expr) *scalar.ColRef {
		if c, ok := e.(*scalar.ColRef); ok && c.Idx < width {
			return c
		}
		i := len(pre.Exprs)
		name := "?distinct_on_" + strconv.Itoa(i) + "?"
		pre.Exprs = append(pre.Exprs, e)
		pre.Out.Columns = append(pre.Out.Columns, types.Column{Name: name, Type: e.Type(), Nullable: true})
		return &scalar.ColRef{Idx: i, Name: name, T: e.Type()}
	}
	t := &logical.TopN{Limit: 1}
	for _, k := range keys {
		e, err := b.expr(k, sc)
		if err != nil {
			return err
		}
		if scalar.Volatile(e) {
			return b.position(sqlerr.New(sqlerr.FeatureNotSupported, "DISTINCT ON a volatile expression is not supported"), k)
		}
		t.PartitionBy = append(t.PartitionBy, col(e).Idx)
	}
	if s.OrderBy != nil {
		for _, item := range s.OrderBy.Items {
			idx, err := b.outputRef(item.Expr, proj)
			if err != nil {
				return err
			}
			var e scalar.Expr
			if idx >= 0 {
				e = proj.Exprs[idx]
			} else if e, err = b.expr(item.Expr, sc); err != nil {
				return err
			}
			t.OrderBy = append(t.OrderBy, logical.SortKey{Expr: col(e), Desc: item.Desc, NullsFirst: item.Desc})
		}
	}
	t.Input = logical.Node(pre)
	if len(pre.Exprs) == width {
		t.Input = in // nothing to compute
	}
	t.Out = t.Input.Schema()
	proj.Input = t
	return nil
}
