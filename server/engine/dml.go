package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"riffle/catalog"
	"riffle/connectors/kafka"
	"riffle/exec/operator"
	"riffle/exec/runtime"
	"riffle/planner/logical"
	"riffle/planner/scalar"
	"riffle/server/pgwire"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
	"riffle/sql/types"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// DELETE and UPDATE change an upsert table the way any producer would: they
// read the table's current rows that match, and write a tombstone (DELETE)
// or a new value (UPDATE) for each one's key. An append-only table is a log
// of events, and events are not changed after the fact (the book's rule:
// corrections are new events), so both are refused there.

// upsertTarget resolves the table of a DELETE or UPDATE.
func (s *Session) upsertTarget(src *parse.Source, name parse.Name, verb string) (*catalog.Object, error) {
	t := s.e.cat.Get(name.Name)
	if t == nil {
		return nil, src.Errorf(name.Pos, sqlerr.UndefinedTable, "relation %q does not exist", name.Name)
	}
	if t.Kind != catalog.Table {
		return nil, src.Errorf(name.Pos, sqlerr.WrongObjectType, "cannot %s %s %q", strings.ToLower(verb),
			strings.ToLower(string(t.Kind)), t.Name)
	}
	if len(t.PrimaryKey) == 0 {
		return nil, src.Errorf(name.Pos, sqlerr.FeatureNotSupported, "%s needs an upsert table, and %q is append-only", verb, t.Name).
			WithHint("an append-only table is a log of events; write a corrective event instead, or declare a PRIMARY KEY")
	}
	return t, nil
}

// selectOf builds SELECT fields FROM t WHERE cond as a TiDB AST, so the
// binder resolves the WHERE clause exactly as in a query.
func selectOf(table string, fields []*ast.SelectField, where ast.ExprNode) *parse.Query {
	return &parse.Query{Node: &ast.SelectStmt{
		Kind:   ast.SelectStmtKindSelect,
		Fields: &ast.FieldList{Fields: fields},
		From:   &ast.TableRefsClause{TableRefs: &ast.Join{Left: &ast.TableSource{Source: &ast.TableName{Name: ast.NewCIStr(table)}}}},
		Where:  where,
	}}
}

func (s *Session) deleteRows(ctx context.Context, st *parse.Delete, params []*string) (*pgwire.Result, error) {
	t, err := s.upsertTarget(st.Src, st.Table, "DELETE")
	if err != nil {
		return nil, err
	}
	b := s.binder(st, params)
	b.Snapshot = true
	node, err := b.Query(selectOf(t.Name, []*ast.SelectField{{WildCard: &ast.WildCardField{}}}, st.Where))
	if err != nil {
		return nil, err
	}
	rows, err := runtime.Snapshot(ctx, s.e.deps, node)
	if err != nil {
		return nil, err
	}
	if err := s.writeChanges(ctx, t, rows, true); err != nil {
		return nil, err
	}
	return &pgwire.Result{Tag: tag("DELETE", len(rows))}, nil
}

func (s *Session) updateRows(ctx context.Context, st *parse.Update, params []*string) (*pgwire.Result, error) {
	t, err := s.upsertTarget(st.Src, st.Table, "UPDATE")
	if err != nil {
		return nil, err
	}
	set := map[int]ast.ExprNode{}
	for _, a := range st.Set {
		i := t.Schema.Find(a.Column.Name.O)
		if i < 0 {
			return nil, st.Src.Errorf(max(st.Src.Find(a.Column.Name.O, 0), 0), sqlerr.UndefinedColumn,
				"column %q of relation %q does not exist", a.Column.Name.O, t.Name)
		}
		for _, k := range t.PrimaryKey {
			if k == i {
				return nil, st.Src.Errorf(max(st.Src.Find(a.Column.Name.O, 0), 0), sqlerr.FeatureNotSupported,
					"UPDATE of the primary key column %q is not supported", a.Column.Name.O).
					WithHint("DELETE the row and INSERT it under its new key")
			}
		}
		set[i] = a.Expr
	}
	var fields []*ast.SelectField
	for i, c := range t.Schema.Columns {
		e, ok := set[i]
		if !ok {
			e = &ast.ColumnNameExpr{Name: &ast.ColumnName{Name: ast.NewCIStr(c.Name)}}
		}
		fields = append(fields, &ast.SelectField{Expr: e, AsName: ast.NewCIStr(c.Name)})
	}
	b := s.binder(st, params)
	b.Snapshot = true
	node, err := b.Query(selectOf(t.Name, fields, st.Where))
	if err != nil {
		return nil, err
	}
	if err := castToColumns(node, t, st.Src); err != nil {
		return nil, err
	}
	rows, err := runtime.Snapshot(ctx, s.e.deps, node)
	if err != nil {
		return nil, err
	}
	if err := s.writeChanges(ctx, t, rows, false); err != nil {
		return nil, err
	}
	return &pgwire.Result{Tag: tag("UPDATE", len(rows))}, nil
}

// castToColumns makes the UPDATE's projection produce each column's type,
// as an assignment does.
func castToColumns(node logical.Node, t *catalog.Object, src *parse.Source) error {
	p, ok := node.(*logical.Project)
	if !ok {
		return fmt.Errorf("update: unexpected plan %s", node.Describe())
	}
	for i, c := range t.Schema.Columns {
		e := p.Exprs[i]
		if e.Type().ID != types.Unknown && !scalar.CanCast(e.Type(), c.Type) {
			return src.Errorf(0, sqlerr.DatatypeMismatch, "column %q is of type %s but expression is of type %s", c.Name, c.Type, e.Type())
		}
		p.Exprs[i] = scalar.NewCast(e, c.Type)
		p.Out.Columns[i].Type = c.Type
	}
	return nil
}

// writeChanges produces, for each of rows (all of t's columns), a new value
// or a tombstone for its key, and waits for the acknowledgements.
func (s *Session) writeChanges(ctx context.Context, t *catalog.Object, rows []types.Row, tombstone bool) error {
	enc, err := operator.NewRecordEncoderWith(t, s.e.deps.Registries)
	if err != nil {
		return err
	}
	now := time.Now().UnixMilli()
	recs := make([]kafka.Record, 0, len(rows))
	for _, r := range rows {
		rec, err := enc.Encode(writable(t, r), now, tombstone)
		if err != nil {
			return err
		}
		recs = append(recs, rec)
	}
	if err := s.e.deps.Writer.Write(ctx, recs); err != nil {
		return sqlerr.New(sqlerr.ConnectionFailure, "write to topic %q: %v", t.Options["topic"], err)
	}
	return nil
}

// writable drops a table row's virtual metadata columns.
func writable(t *catalog.Object, r types.Row) types.Row {
	if t.Columns == nil {
		return r
	}
	var out types.Row
	for i, v := range r {
		if !t.Columns[i].Virtual {
			out = append(out, v)
		}
	}
	return out
}
