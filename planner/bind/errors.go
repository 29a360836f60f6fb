package bind

import (
	"riffle/sql/sqlerr"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// errAt returns an error positioned at the first place name is written in
// the statement (or unpositioned if it cannot be found).
func (b *Binder) errAt(name, code, format string, args ...any) *sqlerr.Error {
	return b.Src.Errorf(b.Src.Find(name, 0), code, format, args...)
}

// nodePos finds where a node was written: the first column or function name
// inside it, located in the user's text. The TiDB AST keeps no expression
// positions, so this is the closest honest answer.
func (b *Binder) nodePos(n ast.Node) int {
	pos := -1
	n.Accept(&firstName{fn: func(name string) bool {
		pos = b.Src.Find(name, 0)
		return pos >= 0
	}})
	return pos
}

type firstName struct {
	fn   func(string) bool
	done bool
}

func (v *firstName) Enter(n ast.Node) (ast.Node, bool) {
	if v.done {
		return n, true
	}
	switch n := n.(type) {
	case *ast.ColumnNameExpr:
		v.done = v.fn(n.Name.Name.O)
	case *ast.FuncCallExpr:
		v.done = v.fn(n.FnName.O)
	case *ast.AggregateFuncExpr:
		v.done = v.fn(n.F)
	case *ast.WindowFuncExpr:
		v.done = v.fn(n.Name)
	}
	return n, v.done
}

func (v *firstName) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// position gives an unpositioned error from the function catalogue the
// position of the node it is about.
func (b *Binder) position(err error, at ast.Node) error {
	e, ok := sqlerr.As(err)
	if !ok {
		return err
	}
	if e.Line == 0 {
		e.SetPos(b.Src.Input, b.Src.Offset+max(b.nodePos(at), 0))
	}
	return e
}

func (b *Binder) unsupported(n ast.Node, what string) error {
	return b.Src.Errorf(max(b.nodePos(n), 0), sqlerr.FeatureNotSupported, "%s is not supported", what)
}

// notYet reports a construct riffle will support but does not yet. what is
// the subject with its verb ("joins are"); when says which work brings it.
func (b *Binder) notYet(n ast.Node, what, when string) error {
	e := b.Src.Errorf(max(b.nodePos(n), 0), sqlerr.FeatureNotSupported, "%s not supported yet", what)
	e.Hint = "support " + when
	return e
}
