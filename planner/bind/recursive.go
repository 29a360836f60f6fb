package bind

import (
	"strings"

	"riffle/planner/logical"
	"riffle/planner/scalar"
	"riffle/sql/sqlerr"
	"riffle/sql/types"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// readsItself reports whether a WITH RECURSIVE query names itself, which
// only the last part of a set operation may (PostgreSQL's rule: the
// recursive reference is on the right of the top-level UNION); a
// reference anywhere else is an error.
func (b *Binder) readsItself(d cteDef) (bool, error) {
	v := &nameFinder{name: strings.ToLower(d.name)}
	s, ok := d.query.(*ast.SetOprStmt)
	if !ok || s.SelectList == nil || len(s.SelectList.Selects) < 2 {
		d.query.Accept(v)
	} else {
		for _, sel := range s.SelectList.Selects[:len(s.SelectList.Selects)-1] {
			sel.Accept(v)
		}
	}
	if v.found {
		return false, b.errAt(d.name, sqlerr.InvalidRecursion,
			"recursive reference to query %q must not appear within its non-recursive term", d.name).
			WithHint("write it as non-recursive-term UNION [ALL] recursive-term")
	}
	if ok && s.SelectList != nil && len(s.SelectList.Selects) >= 2 {
		s.SelectList.Selects[len(s.SelectList.Selects)-1].Accept(v)
	}
	return v.found, nil
}

// nameFinder looks for a table name in a statement's tree.
type nameFinder struct {
	name  string
	found bool
}

func (v *nameFinder) Enter(n ast.Node) (ast.Node, bool) {
	if t, ok := n.(*ast.TableName); ok && t.Schema.L == "" && t.Name.L == v.name {
		v.found = true
	}
	return n, v.found
}

func (v *nameFinder) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// recursiveCTE binds a WITH RECURSIVE query that reads itself: its parts
// before the last UNION [ALL] are the base, named by the query's column
// list; the last part is the step, in which the query's name reads the
// rows of the previous round, with the base's column types.
func (b *Binder) recursiveCTE(d cteDef) (logical.Node, error) {
	s := d.query.(*ast.SetOprStmt)
	if s.OrderBy != nil || s.Limit != nil {
		return nil, b.notYet(s, "ORDER BY and LIMIT in a recursive query are", "sort the query that reads it")
	}
	sels := s.SelectList.Selects
	last := sels[len(sels)-1]
	var op *ast.SetOprType
	switch x := last.(type) {
	case *ast.SelectStmt:
		op = x.AfterSetOperator
	case *ast.SetOprSelectList:
		op = x.AfterSetOperator
	}
	if op == nil || (*op != ast.Union && *op != ast.UnionAll) {
		return nil, b.errAt(d.name, sqlerr.InvalidRecursion,
			"recursive query %q does not have the form non-recursive-term UNION [ALL] recursive-term", d.name)
	}
	base, err := b.setOprList(&ast.SetOprSelectList{Selects: sels[:len(sels)-1]})
	if err != nil {
		return nil, err
	}
	out := types.Schema{Columns: append([]types.Column{}, base.Schema().Columns...)}
	if len(d.cols) > 0 {
		if err := b.checkCTEColumns(d, base); err != nil {
			return nil, err
		}
		for j, c := range d.cols {
			out.Columns[j].Name = c
		}
		base = RenameColumns(base, out)
	}
	for j := range out.Columns {
		if out.Columns[j].Type.ID == types.Unknown {
			out.Columns[j].Type = types.TString
		}
		out.Columns[j].Nullable = true
	}
	base = castTo(base, out)
	work := &logical.WorkTable{Name: d.name, Out: out}
	b.ctes = append(b.ctes, cteDef{name: d.name, work: work})
	var step logical.Node
	switch x := last.(type) {
	case *ast.SelectStmt:
		step, err = b.selectStmt(x)
	case *ast.SetOprSelectList:
		step, err = b.setOprList(x)
	}
	b.ctes = b.ctes[:len(b.ctes)-1]
	if err != nil {
		return nil, err
	}
	ss := step.Schema()
	if ss.Len() != out.Len() {
		return nil, b.position(sqlerr.New(sqlerr.SyntaxError,
			"each UNION query must have the same number of columns"), last)
	}
	for j, c := range ss.Columns {
		if c.Type.ID == types.Unknown {
			continue
		}
		// As in PostgreSQL: the types of both terms together must be
		// the base's, which the working rows already have.
		if t, err := scalar.CommonType(out.Columns[j].Type, c.Type); err != nil || t.ID != out.Columns[j].Type.ID {
			return nil, b.position(sqlerr.New(sqlerr.DatatypeMismatch,
				"recursive query %q column %d has type %s in its non-recursive term but type %s overall",
				d.name, j+1, out.Columns[j].Type, c.Type), last)
		}
	}
	return &logical.RecursiveUnion{Base: base, Step: castTo(step, out), Work: work, Distinct: *op == ast.Union, Out: out}, nil
}
