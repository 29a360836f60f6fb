package bind

import (
	"strings"

	"riffle/catalog"
	"riffle/planner/logical"
	"riffle/planner/scalar"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
	"riffle/sql/types"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// Insert binds INSERT INTO target VALUES … | SELECT …. The result produces
// rows in the target's column order, each value cast to its column's type;
// columns left out get NULL.
func (b *Binder) Insert(st *parse.Insert) (*catalog.Object, logical.Node, error) {
	target := b.Cat.Get(st.Table.Name)
	if target == nil {
		return nil, nil, b.Src.Errorf(st.Table.Pos, sqlerr.UndefinedTable, "relation %q does not exist", st.Table.Name)
	}
	if target.Kind != catalog.Table {
		return nil, nil, b.Src.Errorf(st.Table.Pos, sqlerr.FeatureNotSupported,
			"cannot insert into %s %q", strings.ToLower(string(target.Kind)), target.Name).
			WithHint("only tables take INSERT; a view is computed from its query")
	}
	slots, err := b.insertColumns(st, target)
	if err != nil {
		return nil, nil, err
	}
	var in logical.Node
	if st.Query != nil {
		if in, err = b.Query(st.Query); err != nil {
			return nil, nil, err
		}
	} else if in, err = b.values(st.Values, len(slots)); err != nil {
		return nil, nil, err
	}
	if in.Schema().Len() != len(slots) {
		return nil, nil, b.Src.Errorf(st.Table.Pos, sqlerr.SyntaxError,
			"INSERT has %d target columns but %d values", len(slots), in.Schema().Len())
	}
	node, err := b.castToTarget(in, target, slots, st)
	return target, node, err
}

// insertColumns maps each inserted value to a target column index.
func (b *Binder) insertColumns(st *parse.Insert, target *catalog.Object) ([]int, error) {
	var slots []int
	if len(st.Columns) == 0 {
		for i := range target.Schema.Columns {
			if !isVirtual(target, i) {
				slots = append(slots, i)
			}
		}
		return slots, nil
	}
	used := map[int]bool{}
	for _, c := range st.Columns {
		i := target.Schema.Find(c.Name)
		if i < 0 {
			return nil, b.Src.Errorf(c.Pos, sqlerr.UndefinedColumn, "column %q of relation %q does not exist", c.Name, target.Name)
		}
		if used[i] {
			return nil, b.Src.Errorf(c.Pos, sqlerr.DuplicateObject, "column %q specified more than once", c.Name)
		}
		if isVirtual(target, i) {
			return nil, b.Src.Errorf(c.Pos, sqlerr.InvalidParameter, "column %q is read from Kafka metadata and cannot be written", c.Name)
		}
		used[i] = true
		slots = append(slots, i)
	}
	return slots, nil
}

func isVirtual(o *catalog.Object, i int) bool {
	return o.Columns != nil && o.Columns[i].Virtual
}

// values binds the rows of VALUES; every row must have the same width.
func (b *Binder) values(rows [][]ast.ExprNode, width int) (logical.Node, error) {
	v := &logical.Values{}
	sc := &scope{}
	for _, r := range rows {
		if len(r) != width {
			return nil, b.Src.Errorf(0, sqlerr.SyntaxError, "VALUES row has %d values but %d target columns", len(r), width)
		}
		row := make([]scalar.Expr, len(r))
		for i, e := range r {
			x, err := b.expr(e, sc)
			if err != nil {
				return nil, err
			}
			row[i] = x
		}
		v.Rows = append(v.Rows, row)
	}
	// Each column's type is the common type of its values, as PostgreSQL
	// resolves VALUES; for INSERT every value is then cast straight to its
	// target column (castToTarget), so no row is forced into another row's type.
	for i := range width {
		ts := make([]types.Type, len(v.Rows))
		for r, row := range v.Rows {
			ts[r] = row[i].Type()
		}
		t, err := scalar.CommonType(ts...)
		if err != nil {
			return nil, b.position(err, rows[0][i])
		}
		v.Out.Columns = append(v.Out.Columns, types.Column{Name: "column" + itoa(i+1), Type: t, Nullable: true})
	}
	return v, nil
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

// castToTarget projects in onto the target's writable columns, casting each
// value to its column type (assignment casts) and filling NULL elsewhere.
func (b *Binder) castToTarget(in logical.Node, target *catalog.Object, slots []int, st *parse.Insert) (logical.Node, error) {
	if v, ok := in.(*logical.Values); ok {
		// Cast each VALUES expression directly, so a literal that does not
		// fit its column fails on its own row.
		for r, row := range v.Rows {
			row2, err := b.assign(row, target, slots, st)
			if err != nil {
				return nil, err
			}
			v.Rows[r] = row2
		}
		v.Out = writable(target)
		return v, nil
	}
	cols := in.Schema().Columns
	refs := make([]scalar.Expr, len(cols))
	for i, c := range cols {
		refs[i] = &scalar.ColRef{Idx: i, Name: c.Name, T: c.Type}
	}
	exprs, err := b.assign(refs, target, slots, st)
	if err != nil {
		return nil, err
	}
	return &logical.Project{Input: in, Exprs: exprs, Out: writable(target)}, nil
}

// writable is the target's schema minus virtual metadata columns.
func writable(o *catalog.Object) types.Schema {
	var s types.Schema
	for i, c := range o.Schema.Columns {
		if !isVirtual(o, i) {
			s.Columns = append(s.Columns, c)
		}
	}
	return s
}

func (b *Binder) assign(vals []scalar.Expr, target *catalog.Object, slots []int, st *parse.Insert) ([]scalar.Expr, error) {
	byCol := map[int]scalar.Expr{}
	for i, s := range slots {
		byCol[s] = vals[i]
	}
	var out []scalar.Expr
	for i, c := range target.Schema.Columns {
		if isVirtual(target, i) {
			continue
		}
		e, ok := byCol[i]
		if !ok {
			if !c.Nullable {
				return nil, b.Src.Errorf(st.Table.Pos, sqlerr.InvalidParameter, "column %q is NOT NULL and has no value", c.Name)
			}
			e = &scalar.Const{T: c.Type}
		}
		if e.Type().ID != types.Unknown && !scalar.CanCast(e.Type(), c.Type) {
			return nil, b.Src.Errorf(st.Table.Pos, sqlerr.DatatypeMismatch,
				"column %q is of type %s but expression is of type %s", c.Name, c.Type, e.Type())
		}
		out = append(out, scalar.NewCast(e, c.Type))
	}
	return out, nil
}
