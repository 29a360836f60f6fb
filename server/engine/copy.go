package engine

import (
	"context"
	"slices"
	"strings"

	"riffle/catalog"
	"riffle/exec/expr"
	"riffle/server/pgwire"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// copyStmt runs COPY. COPY t FROM STDIN writes the client's rows to t's
// topic, as INSERT … VALUES does, but only once every row has been read
// and converted: a bad row fails the COPY and writes nothing (the rows
// wait in memory, bounded by the gateway's MaxCopySize). COPY t TO STDOUT
// and COPY (query) TO STDOUT send a query's rows; COPY (SUBSCRIBE TO v)
// TO STDOUT, and a query with EMIT CHANGES, send rows until the client
// cancels. The gateway speaks the copy protocol and the data formats
// (pgwire/copy.go); the engine says what is copied.
func (s *Session) copyStmt(ctx context.Context, st *parse.Copy, params []*string) (*pgwire.Result, error) {
	if st.From {
		return s.copyFrom(st)
	}
	return s.copyTo(ctx, st, params)
}

func (s *Session) copyFrom(st *parse.Copy) (*pgwire.Result, error) {
	// The same checks as INSERT's: the target, its columns.
	t, targets, err := s.binder(st, nil).WriteTarget(st.Table, st.Columns, "copy to")
	if err != nil {
		return nil, err
	}
	writable := writableColumns(t)
	slots := make([]int, len(targets)) // positions in writable, the layout writeRows takes
	for i, c := range targets {
		slots[i] = slices.Index(writable, c)
	}
	cols := make([]types.Column, len(slots))
	convs := make([]func(types.Value) (types.Value, error), len(slots))
	for i, slot := range slots {
		c := t.Schema.Columns[writable[slot]]
		switch c.Type.ID {
		case types.Array, types.Map, types.RowType:
			return nil, st.Src.Errorf(columnPos(st, i), sqlerr.FeatureNotSupported,
				"COPY FROM into column %q of type %s is not supported", c.Name, c.Type).
				WithHint("INSERT … VALUES can write it")
		}
		if convs[i], err = expr.Converter(types.TString, c.Type); err != nil {
			return nil, st.Src.Errorf(columnPos(st, i), sqlerr.FeatureNotSupported, "COPY FROM into column %q: %v", c.Name, err)
		}
		cols[i] = c
	}
	format, err := copyFormat(st, cols)
	if err != nil {
		return nil, err
	}
	var rows []types.Row
	row := func(fields []*string) error {
		r := make(types.Row, len(writable))
		for i, f := range fields {
			if f == nil {
				continue
			}
			v, err := convs[i](types.NewString(*f))
			if err != nil {
				return &pgwire.FieldError{Column: i, Err: err}
			}
			r[slots[i]] = v
		}
		for j, w := range writable {
			if c := t.Schema.Columns[w]; !c.Nullable && r[j].IsNull() {
				return sqlerr.New(sqlerr.NotNullViolation, "null value in column %q of relation %q violates not-null constraint", c.Name, t.Name)
			}
		}
		rows = append(rows, r)
		return nil
	}
	done := func(ctx context.Context) (int, error) {
		if err := s.writeRows(ctx, t, rows); err != nil {
			return 0, err
		}
		return len(rows), nil
	}
	return &pgwire.Result{CopyIn: &pgwire.CopyIn{Copy: format, Table: t.Name, Columns: cols, Row: row, Done: done}}, nil
}

// writableColumns are the indexes of t's columns a record carries (not
// metadata read from Kafka, not computed), in order: the layout of the
// rows writeRows takes.
func writableColumns(t *catalog.Object) []int {
	var w []int
	for i := range t.Schema.Columns {
		if t.Columns == nil || !t.Columns[i].Virtual {
			w = append(w, i)
		}
	}
	return w
}

func columnPos(st *parse.Copy, i int) int {
	if i < len(st.Columns) {
		return st.Columns[i].Pos
	}
	return st.Table.Pos
}

func (s *Session) copyTo(ctx context.Context, st *parse.Copy, params []*string) (*pgwire.Result, error) {
	var r *pgwire.Result
	var err error
	if st.Query != nil {
		r, err = s.run(ctx, st.Query, params)
	} else {
		r, err = s.copyTable(ctx, st)
	}
	if err != nil {
		return nil, err
	}
	format, err := copyFormat(st, r.Columns)
	if err != nil {
		return nil, err
	}
	r.CopyOut, r.Tag = &format, ""
	return r, nil
}

// copyTable reads the rows of COPY t [(cols)] TO STDOUT: what SELECT cols
// FROM t returns.
func (s *Session) copyTable(ctx context.Context, st *parse.Copy) (*pgwire.Result, error) {
	t := s.e.cat.Get(st.Table.Name)
	if t == nil {
		return nil, st.Src.Errorf(st.Table.Pos, sqlerr.UndefinedTable, "relation %q does not exist", st.Table.Name)
	}
	list := "*"
	if len(st.Columns) > 0 {
		names := make([]string, len(st.Columns))
		for i, n := range st.Columns {
			if t.Schema.Find(n.Name) < 0 {
				return nil, st.Src.Errorf(n.Pos, sqlerr.UndefinedColumn, "column %q of relation %q does not exist", n.Name, t.Name)
			}
			names[i] = quoteIdent(n.Name)
		}
		list = strings.Join(names, ", ")
	}
	sel, err := parse.ParseOne("SELECT " + list + " FROM " + quoteIdent(t.Name))
	if err != nil {
		return nil, err
	}
	r, err := s.selectQuery(ctx, sel.(*parse.Select), []*string{})
	if e, ok := sqlerr.As(err); ok {
		// Positions would point into the SELECT made up here.
		e.Pos, e.Line, e.Col = 0, 0, 0
	}
	return r, err
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
