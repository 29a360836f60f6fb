package engine

import (
	"context"
	"fmt"
	"strings"

	"riffle/planner/bind"
	"riffle/server/pgwire"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// Session is one client's connection to the engine: its settings, and the
// statements it runs.
type Session struct {
	e        *Engine
	settings map[string]string
	params   map[string]string // the connection's startup parameters

	cursors map[string]*cursor // DECLAREd, by name
}

var _ pgwire.Conn = (*Session)(nil)

func newSession(e *Engine, params map[string]string) *Session {
	s := &Session{e: e, params: params}
	s.reset("")
	return s
}

// reset puts a setting (every setting, for "") back to its default: the
// connection's startup value, or riffle's.
func (s *Session) reset(key string) {
	defaults := map[string]string{
		"application_name": s.params["application_name"],
		"timezone":         "UTC",
		"datestyle":        "ISO, MDY",
		"client_encoding":  "UTF8",
		"server_version":   "15.0",
	}
	if key == "" {
		s.settings = defaults
		return
	}
	if v, ok := defaults[key]; ok {
		s.settings[key] = v
		return
	}
	delete(s.settings, key)
}

// Exec runs every statement of sql in order (pgwire.Conn).
func (s *Session) Exec(ctx context.Context, sql string, emit func(*pgwire.Result) error) error {
	stmts, err := parse.Parse(sql)
	if err != nil {
		return err
	}
	for _, st := range stmts {
		r, err := s.run(ctx, st, []*string{})
		if err != nil {
			return err
		}
		if err := emit(r); err != nil {
			return err
		}
	}
	return nil
}

// Prepare describes one statement for the extended protocol (pgwire.Conn).
func (s *Session) Prepare(ctx context.Context, sql string) (*pgwire.Description, error) {
	st, err := parse.ParseOne(sql)
	if err != nil {
		return nil, err
	}
	if err := checkTxn(ctx, st); err != nil {
		return nil, err
	}
	d := &pgwire.Description{}
	var cols []types.Column
	switch st := st.(type) {
	case *parse.Select:
		b := s.binder(st, nil)
		b.Snapshot = !st.EmitChanges
		node, err := b.Query(st.Query)
		if err != nil {
			return nil, err
		}
		cols = node.Schema().Columns
		if st.EmitChanges {
			cols = subscribeColumns(cols)
		}
		d.ParamTypes = b.ParamTypes()
	case *parse.Insert:
		b := s.binder(st, nil)
		if _, _, err := b.Insert(st); err != nil {
			return nil, err
		}
		d.ParamTypes = b.ParamTypes()
	case *parse.Subscribe:
		if st.Query != nil {
			b := s.binder(st, nil)
			node, err := b.Query(st.Query)
			if err != nil {
				return nil, err
			}
			cols = subscribeColumns(node.Schema().Columns)
			d.ParamTypes = b.ParamTypes()
		} else if v := s.e.cat.Get(st.Name.Name); v != nil {
			cols = subscribeColumns(v.Schema.Columns)
		}
	case *parse.Fetch:
		var err error
		if cols, err = s.cursorColumns(st); err != nil {
			return nil, err
		}
	default:
		cols = staticColumns(st)
	}
	if cols != nil {
		d.Columns = cols
	}
	return d, nil
}

// ExecPrepared runs one statement with its parameters (pgwire.Conn).
func (s *Session) ExecPrepared(ctx context.Context, sql string, params []*string) (*pgwire.Result, error) {
	st, err := parse.ParseOne(sql)
	if err != nil {
		return nil, err
	}
	if params == nil {
		params = []*string{}
	}
	return s.run(ctx, st, params)
}

// Close ends the session, and with it its cursors.
func (s *Session) Close() error {
	s.closeCursors(func(*cursor) bool { return true })
	return nil
}

func (s *Session) binder(st parse.Statement, params []*string) *bind.Binder {
	_, sel := st.(*parse.Select)
	return &bind.Binder{Cat: s.e.cat, Src: st.Source(), Params: params, Emit: emitOf(s.settings), System: s.system, Natives: s.native,
		FoldNames: sel, Zone: s.zone(), Planner: s.plannerVersion(), WholeLateRows: s.settings[lateTableSetting] != ""}
}

// run executes one statement.
func (s *Session) run(ctx context.Context, st parse.Statement, params []*string) (*pgwire.Result, error) {
	if err := checkTxn(ctx, st); err != nil {
		return nil, err
	}
	switch st := st.(type) {
	case *parse.Empty:
		return &pgwire.Result{Empty: true}, nil
	case *parse.CreateTable:
		return s.createTable(ctx, st)
	case *parse.CreateView:
		return s.createView(st)
	case *parse.CreateType:
		return s.createType(st)
	case *parse.Insert:
		return s.insert(ctx, st, params)
	case *parse.Select:
		if sub := selectOrSubscribe(st); sub != nil {
			return s.subscribe(ctx, sub, params)
		}
		return s.selectQuery(ctx, st, params)
	case *parse.Show:
		return s.show(ctx, st)
	case *parse.Describe:
		return s.describe(st)
	case *parse.Drop:
		return s.drop(st)
	case *parse.AlterOptions:
		return s.alterTable(st)
	case *parse.StopQuery:
		return s.stopQuery(st)
	case *parse.DropQuery:
		return s.dropQuery(st)
	case *parse.ResetQuery:
		return s.resetQuery(ctx, st)
	case *parse.Flush:
		return s.flush(ctx)
	case *parse.Set:
		if isZoneKey(st.Key) {
			return s.setZone(st)
		}
		if err := checkSetting(st); err != nil {
			return nil, err
		}
		s.settings[strings.ToLower(st.Key)] = st.Value
		return &pgwire.Result{Tag: "SET"}, nil
	case *parse.Reset:
		return s.resetSetting(st), nil
	case *parse.Explain:
		return s.explain(st)
	case *parse.Subscribe:
		return s.subscribe(ctx, st, params)
	case *parse.Declare:
		return s.declare(ctx, st, params)
	case *parse.Fetch:
		return s.fetch(ctx, st)
	case *parse.Close:
		return s.closeCursor(st)
	case *parse.Delete:
		return s.deleteRows(ctx, st, params)
	case *parse.Update:
		return s.updateRows(ctx, st, params)
	case *parse.Transaction:
		return s.transaction(st), nil
	case *parse.Copy:
		return s.copyStmt(ctx, st, params)
	case *parse.CreateFunction:
		b := s.binder(st, nil)
		if err := b.CreateFunction(st); err != nil {
			return nil, err
		}
		return &pgwire.Result{Tag: "CREATE FUNCTION", Notices: b.Notices}, nil
	}
	return nil, st.Source().Errorf(0, sqlerr.FeatureNotSupported, "this statement is not supported yet")
}

// staticColumns are the columns of statements whose result shape does not
// depend on the catalog.
func staticColumns(st parse.Statement) []types.Column {
	text := textCols
	switch st := st.(type) {
	case *parse.Show:
		switch st.What {
		case parse.ShowQueries:
			return queryColumns
		case parse.ShowVariable:
			return text(showName(strings.ToLower(st.Name.Name)))
		case parse.ShowCreateTable, parse.ShowCreateView, parse.ShowCreateMaterializedView:
			return createColumns
		case parse.ShowTables:
			return tableColumns
		}
		return text("name")
	case *parse.Describe:
		return describeColumns
	case *parse.Explain:
		return text("QUERY PLAN")
	}
	return nil
}

func key(s string) string { return strings.ToLower(s) }

func tag(verb string, n int) string { return fmt.Sprintf("%s %d", verb, n) }
