package bind

import (
	"strings"

	"riffle/planner/logical"
	"riffle/planner/scalar"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
	"riffle/sql/types"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// srfCall returns the set-returning function call a FROM subquery stands
// for (the dialect layer wrote FROM unnest(a) as FROM (SELECT
// __riffle_srf_unnest(a))), if it is one.
func srfCall(s *ast.SelectStmt) (*ast.FuncCallExpr, bool) {
	if s.From != nil || s.Fields == nil || len(s.Fields.Fields) != 1 {
		return nil, false
	}
	f, ok := s.Fields.Fields[0].Expr.(*ast.FuncCallExpr)
	return f, ok && strings.HasPrefix(f.FnName.L, parse.SRFPrefix)
}

// tableFunc binds a set-returning function in FROM. Its arguments are
// bound with no columns of their own FROM (only those of queries around
// it), and its one column takes the alias's name, as in PostgreSQL.
func (b *Binder) tableFunc(f *ast.FuncCallExpr, alias string) (logical.Node, error) {
	if !b.Snapshot {
		return nil, b.notYet(f, "a set-returning function in FROM of a continuous query is", "use it in a one-shot SELECT")
	}
	name := strings.TrimPrefix(f.FnName.L, parse.SRFPrefix)
	name, ord := strings.CutSuffix(name, parse.OrdinalitySuffix)
	tf := &logical.TableFunc{Name: name, Ordinality: ord}
	for _, a := range f.Args {
		e, err := b.expr(a, &scope{})
		if err != nil {
			return nil, err
		}
		tf.Args = append(tf.Args, e)
	}
	var col types.Type
	switch name {
	case "unnest":
		if len(tf.Args) != 1 || (tf.Args[0].Type().ID != types.Array && tf.Args[0].Type().ID != types.Unknown) {
			return nil, b.position(sqlerr.New(sqlerr.UndefinedFunction, "function unnest takes one array"), f)
		}
		if tf.Args[0].Type().ID == types.Unknown {
			var err error
			if tf.Args[0], err = scalar.Coerce(tf.Args[0], types.Type{ID: types.Array, Elem: &types.TString}); err != nil {
				return nil, b.position(err, f)
			}
		}
		col = *tf.Args[0].Type().Elem
	case "generate_series":
		if len(tf.Args) < 2 || len(tf.Args) > 3 {
			return nil, b.position(sqlerr.New(sqlerr.UndefinedFunction, "function generate_series takes a start, a stop and an optional step"), f)
		}
		// generate_series(int, int) is a series of int, as in PostgreSQL
		// (JDBC's metadata queries read its values as key positions);
		// any bigint argument makes it bigint.
		col = types.TInt
		for _, a := range tf.Args {
			if id := a.Type().ID; id != types.Int && id != types.SmallInt && id != types.TinyInt && id != types.Unknown {
				col = types.TBigInt
			}
		}
		for i := range tf.Args {
			var err error
			if tf.Args[i], err = scalar.Coerce(tf.Args[i], types.TBigInt); err != nil {
				return nil, b.position(err, f)
			}
		}
	case "generate_subscripts":
		if len(tf.Args) < 2 || tf.Args[0].Type().ID != types.Array {
			return nil, b.position(sqlerr.New(sqlerr.UndefinedFunction, "function generate_subscripts takes an array and a dimension"), f)
		}
		col = types.TInt
	case parse.ValueSRF:
		if len(tf.Args) != 1 {
			return nil, b.position(sqlerr.New(sqlerr.SyntaxError, "a function in FROM takes its arguments in one call"), f)
		}
		col = tf.Args[0].Type()
		// Unaliased, the column takes the function's name, as in PostgreSQL.
		if call, ok := f.Args[0].(*ast.FuncCallExpr); ok {
			name = call.FnName.L
		}
	case "pg_partition_ancestors":
		// riffle has no partitioned tables: a relation is its only ancestor.
		col = types.Type{ID: types.BigInt, PG: "regclass"}
		name = "relid"
	}
	colName := name
	if alias != "" {
		colName = alias
	}
	tf.Out.Columns = []types.Column{{Name: colName, Type: col, Nullable: true}}
	if ord {
		tf.Out.Columns = append(tf.Out.Columns, types.Column{Name: "ordinality", Type: types.TBigInt})
	}
	return tf, nil
}
