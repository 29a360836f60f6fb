package bind

import (
	"riffle/planner/logical"
	"riffle/planner/scalar"
	"riffle/sql/sqlerr"
	"riffle/sql/types"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// setOpr binds UNION [ALL], INTERSECT and EXCEPT, left to right (the
// parser has already grouped what binds tighter).
func (b *Binder) setOpr(s *ast.SetOprStmt) (logical.Node, error) {
	undo, err := b.with(s.With)
	defer undo()
	if err != nil {
		return nil, err
	}
	if (s.OrderBy != nil || s.Limit != nil) && !b.Snapshot {
		return nil, b.notYet(s, "ORDER BY and LIMIT after UNION in a continuous query are", "arrives with Top-N over set operations; wrap the UNION in a subquery")
	}
	node, err := b.setOprList(s.SelectList)
	if err != nil || (s.OrderBy == nil && s.Limit == nil) {
		return node, err
	}
	// A one-shot query sorts and cuts the combined rows, by output column
	// (name or position), as PostgreSQL does.
	out := node.Schema()
	p := &logical.Project{Input: node, Out: out}
	for i, c := range out.Columns {
		p.Exprs = append(p.Exprs, &scalar.ColRef{Idx: i, Name: c.Name, T: c.Type})
	}
	return b.orderLimit(&ast.SelectStmt{OrderBy: s.OrderBy, Limit: s.Limit}, p, p, scopeOf("", out))
}

func (b *Binder) setOprList(l *ast.SetOprSelectList) (logical.Node, error) {
	undo, err := b.with(l.With)
	defer undo()
	if err != nil {
		return nil, err
	}
	if l.OrderBy != nil || l.Limit != nil {
		return nil, b.notYet(l, "ORDER BY and LIMIT inside a set operation are", "arrives with Top-N over set operations")
	}
	var node logical.Node
	for i, sel := range l.Selects {
		var n logical.Node
		var op *ast.SetOprType
		switch x := sel.(type) {
		case *ast.SelectStmt:
			n, err = b.selectStmt(x)
			op = x.AfterSetOperator
		case *ast.SetOprSelectList:
			n, err = b.setOprList(x)
			op = x.AfterSetOperator
		default:
			return nil, b.unsupported(sel, "this part of a set operation")
		}
		if err != nil {
			return nil, err
		}
		if i == 0 {
			node = n
			continue
		}
		if node, err = b.combine(sel, node, n, op); err != nil {
			return nil, err
		}
	}
	return node, nil
}

// combine applies one set operator. UNION is UNION ALL then a distinct
// Aggregate; INTERSECT and EXCEPT are semi and anti joins on every column
// (NULLs match NULLs, as set operations compare rows) then distinct.
func (b *Binder) combine(at ast.Node, l, r logical.Node, op *ast.SetOprType) (logical.Node, error) {
	ls, rs := l.Schema(), r.Schema()
	if ls.Len() != rs.Len() {
		return nil, b.position(sqlerr.New(sqlerr.SyntaxError,
			"each %s query must have the same number of columns", opName(op)), at)
	}
	out := types.Schema{Columns: append([]types.Column{}, ls.Columns...)}
	for i := range out.Columns {
		t, err := scalar.CommonType(ls.Columns[i].Type, rs.Columns[i].Type)
		if err != nil {
			return nil, b.position(sqlerr.New(sqlerr.DatatypeMismatch, "%s types %s and %s cannot be matched",
				opName(op), ls.Columns[i].Type, rs.Columns[i].Type), at)
		}
		if t.ID == types.Unknown {
			t = types.TString
		}
		out.Columns[i].Type, out.Columns[i].Nullable = t, true
	}
	l, r = castTo(l, out), castTo(r, out)
	kind := ast.Union
	if op != nil {
		kind = *op
	}
	switch kind {
	case ast.UnionAll:
		return flattenUnion(l, r, out), nil
	case ast.Union:
		return distinct(flattenUnion(l, r, out)), nil
	case ast.Intersect, ast.Except:
		jk := logical.SemiJoin
		if kind == ast.Except {
			jk = logical.AntiJoin
		}
		var eqs []scalar.Expr
		w := out.Len()
		for i, c := range out.Columns {
			eqs = append(eqs, &scalar.Call{Fn: "is_not_distinct_from", T: types.TBoolean, Args: []scalar.Expr{
				&scalar.ColRef{Idx: i, Name: c.Name, T: c.Type}, &scalar.ColRef{Idx: w + i, Name: c.Name, T: c.Type}}})
		}
		return distinct(b.makeJoin(jk, l, r, and(eqs))), nil
	}
	return nil, b.position(sqlerr.New(sqlerr.FeatureNotSupported, "%s is not supported", opName(op)).
		WithHint("INTERSECT and EXCEPT (without ALL) are; rewrite with EXISTS or NOT EXISTS"), at)
}

func opName(op *ast.SetOprType) string {
	if op == nil {
		return "UNION"
	}
	return op.String()
}

// castTo projects n onto the common column types of a set operation.
func castTo(n logical.Node, out types.Schema) logical.Node {
	in := n.Schema()
	same := true
	exprs := make([]scalar.Expr, in.Len())
	for i, c := range in.Columns {
		exprs[i] = scalar.NewCast(&scalar.ColRef{Idx: i, Name: c.Name, T: c.Type}, out.Columns[i].Type)
		same = same && c.Type.String() == out.Columns[i].Type.String()
	}
	if same {
		return n
	}
	return &logical.Project{Input: n, Exprs: exprs, Out: types.Schema{Columns: renamed(out, in)}}
}

// renamed is out's types under in's names.
func renamed(out, in types.Schema) []types.Column {
	cols := append([]types.Column{}, out.Columns...)
	for i := range cols {
		cols[i].Name = in.Columns[i].Name
	}
	return cols
}

// flattenUnion makes one Union of a chain of UNION ALLs.
func flattenUnion(l, r logical.Node, out types.Schema) logical.Node {
	var ins []logical.Node
	if u, ok := l.(*logical.Union); ok {
		ins = append(ins, u.Ins...)
	} else {
		ins = append(ins, l)
	}
	return &logical.Union{Ins: append(ins, r), Out: out}
}
