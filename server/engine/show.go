package engine

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"

	"riffle/catalog"
	"riffle/exec/runtime"
	"riffle/planner/explain"
	"riffle/planner/physical"
	"riffle/server/pgcatalog"
	"riffle/server/pgwire"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

func textCols(names ...string) []types.Column {
	cs := make([]types.Column, len(names))
	for i, n := range names {
		cs[i] = types.Column{Name: n, Type: types.TString, Nullable: true}
	}
	return cs
}

var (
	tableColumns    = textCols("name", "topic", "format")
	describeColumns = textCols("name", "type", "null", "key", "extras")
	queryColumns    = []types.Column{
		{Name: "id", Type: types.TString}, {Name: "statement", Type: types.TString},
		{Name: "state", Type: types.TString}, {Name: "records_in", Type: types.TBigInt},
		{Name: "records_out", Type: types.TBigInt}, {Name: "bad_records", Type: types.TBigInt},
		{Name: "lag", Type: types.TBigInt}, {Name: "late_rows", Type: types.TBigInt},
		{Name: "watermark", Type: types.Type{ID: types.Timestamp, Precision: 3}, Nullable: true},
		{Name: "settings", Type: types.TString, Nullable: true},
		{Name: "error", Type: types.TString, Nullable: true},
		{Name: "origin", Type: types.TString, Nullable: true},
	}
	createColumns = textCols("create_statement", "origin")
)

func str(s string) types.Value { return types.NewString(s) }

func rowsResult(cols []types.Column, rows []types.Row, verb string) *pgwire.Result {
	return &pgwire.Result{Columns: cols, Rows: rows, Tag: tag(verb, len(rows))}
}

func (s *Session) show(ctx context.Context, st *parse.Show) (*pgwire.Result, error) {
	switch st.What {
	case parse.ShowTables:
		var rows []types.Row
		for _, o := range s.e.cat.Objects(catalog.Table) {
			rows = append(rows, types.Row{str(o.Name), str(o.Options["topic"]), str(o.Options["format"])})
		}
		return rowsResult(tableColumns, rows, "SHOW"), nil
	case parse.ShowViews, parse.ShowMaterializedViews:
		kind := catalog.View
		if st.What == parse.ShowMaterializedViews {
			kind = catalog.MaterializedView
		}
		var rows []types.Row
		for _, o := range s.e.cat.Objects(kind) {
			rows = append(rows, types.Row{str(o.Name)})
		}
		return rowsResult(textCols("name"), rows, "SHOW"), nil
	case parse.ShowQueries:
		return s.showQueries(ctx), nil
	case parse.ShowTopics:
		topics, err := s.e.kafka.ListTopics(ctx)
		if err != nil {
			return nil, sqlerr.New(sqlerr.ConnectionFailure, "list topics: %v", err)
		}
		sort.Strings(topics)
		var rows []types.Row
		for _, t := range topics {
			rows = append(rows, types.Row{str(t)})
		}
		return rowsResult(textCols("name"), rows, "SHOW"), nil
	case parse.ShowCreateTable, parse.ShowCreateView, parse.ShowCreateMaterializedView:
		return s.showCreate(st)
	case parse.ShowVariable:
		name := strings.ToLower(st.Name.Name)
		v, ok := pgcatalog.Setting(s.catalogEnv(), name)
		if !ok {
			return nil, st.Src.Errorf(st.Name.Pos, sqlerr.UndefinedObject, "unrecognized configuration parameter %q", st.Name.Name)
		}
		return &pgwire.Result{Columns: textCols(showName(name)), Rows: []types.Row{{str(v)}}, Tag: "SHOW"}, nil
	}
	return nil, st.Src.Errorf(0, sqlerr.FeatureNotSupported, "SHOW %s is not supported yet", st.What)
}

func (s *Session) showQueries(ctx context.Context) *pgwire.Result {
	var rows []types.Row
	for _, q := range s.e.cat.Queries() {
		zero := types.NewInt(0)
		row := types.Row{str(q.ID), str(q.SQL), str(string(q.State)), zero, zero, zero, zero, zero, types.Null, types.Null, types.Null, types.Null}
		if q.Origin != "" {
			row[11] = str(q.Origin)
		}
		if len(q.Settings) > 0 {
			var kv []string
			for _, k := range slices.Sorted(maps.Keys(q.Settings)) {
				kv = append(kv, fmt.Sprintf("'%s' = '%s'", k, q.Settings[k]))
			}
			row[9] = str(strings.Join(kv, ", "))
		}
		if rq := s.e.query(q.ID); rq != nil {
			if rq.Finished() {
				row[2] = str(string(catalog.Finished))
			}
			s.liveStats(ctx, row, rq)
		}
		if q.Error != "" {
			row[10] = str(q.Error)
		}
		rows = append(rows, row)
	}
	// The temporary queries of SUBSCRIBE (query) run as long as their
	// subscriptions.
	for _, t := range s.e.temporaries() {
		zero := types.NewInt(0)
		row := types.Row{str(t.id), str(t.sql), str(string(catalog.Running)), zero, zero, zero, zero, zero, types.Null, types.Null, types.Null, types.Null}
		s.liveStats(ctx, row, t.rq)
		rows = append(rows, row)
	}
	return rowsResult(queryColumns, rows, "SHOW")
}

// showCreate is SHOW CREATE TABLE | VIEW | MATERIALIZED VIEW: the
// statement as written, and where it came from (its 'riffle.origin').
// SHOW CREATE TABLE shows any relation, as it always has.
func (s *Session) showCreate(st *parse.Show) (*pgwire.Result, error) {
	o := s.e.cat.Get(st.Name.Name)
	if o == nil {
		return nil, st.Src.Errorf(st.Name.Pos, sqlerr.UndefinedTable, "relation %q does not exist", st.Name.Name)
	}
	if want := strings.TrimPrefix(string(st.What), "CREATE "); st.What != parse.ShowCreateTable && want != string(o.Kind) {
		return nil, st.Src.Errorf(st.Name.Pos, sqlerr.WrongObjectType, "%q is a %s, not a %s", o.Name,
			strings.ToLower(string(o.Kind)), strings.ToLower(want))
	}
	origin := types.Null
	if o.Origin != "" {
		origin = str(o.Origin)
	}
	text := o.SQL
	if q := s.e.cat.Query(o.Query); o.Query != "" && q != nil && q.Settings[zoneSetting] != "" {
		// The view's TIMESTAMP_LTZ reads in the zone it was created in:
		// the statement says so, and replays the same.
		text = fmt.Sprintf("SET 'table.local-time-zone' = '%s';\n%s", q.Settings[zoneSetting], text)
	}
	return rowsResult(createColumns, []types.Row{{str(text), origin}}, "SHOW"), nil
}

// liveStats fills a SHOW QUERIES row's counters from a running query.
func (s *Session) liveStats(ctx context.Context, row types.Row, rq *runtime.Query) {
	end, _ := s.e.endOffsets(ctx, rq)
	st := rq.Stats(end)
	row[3], row[4], row[5], row[6] = types.NewInt(st.RecordsIn), types.NewInt(st.RecordsOut), types.NewInt(st.BadRecords), types.NewInt(st.Lag)
	row[7] = types.NewInt(st.LateRows)
	if st.Watermark > 0 && st.Watermark < math.MaxInt64 {
		row[8] = types.NewTimestamp(st.Watermark)
	}
}

// describe lists a relation's columns, as Flink's DESCRIBE does.
func (s *Session) describe(st *parse.Describe) (*pgwire.Result, error) {
	o := s.e.cat.Get(st.Name.Name)
	if o == nil {
		return nil, st.Src.Errorf(st.Name.Pos, sqlerr.UndefinedTable, "relation %q does not exist", st.Name.Name)
	}
	var rows []types.Row
	for i, c := range o.Schema.Columns {
		null := "true"
		if !c.Nullable {
			null = "false"
		}
		keyText := ""
		for _, k := range o.PrimaryKey {
			if k == i {
				keyText = "PRI"
			}
		}
		extras := ""
		if o.Columns != nil && o.Columns[i].Computed != "" {
			extras = "AS " + o.Columns[i].Computed
		}
		if o.Watermark != nil && o.Watermark.Column == i {
			extras = strings.TrimSpace(extras + " WATERMARK AS " + o.Watermark.Expr)
		}
		if o.Columns != nil && o.Columns[i].Metadata != "" {
			extras = fmt.Sprintf("METADATA FROM '%s'", o.Columns[i].Metadata)
			if o.Columns[i].Virtual {
				extras += " VIRTUAL"
			}
		}
		rows = append(rows, types.Row{str(c.Name), str(c.Type.String()), str(null), str(keyText), str(extras)})
	}
	return rowsResult(describeColumns, rows, "DESCRIBE"), nil
}

// explain prints the plan of a query, a continuous query, or a view.
func (s *Session) explain(st *parse.Explain) (*pgwire.Result, error) {
	if st.Analyze {
		return nil, st.Src.Errorf(0, sqlerr.FeatureNotSupported, "EXPLAIN ANALYZE is not supported yet")
	}
	var text string
	switch in := st.Stmt.(type) {
	case *parse.Select:
		b := s.binder(in, []*string{})
		b.Snapshot = true
		node, err := b.Query(in.Query)
		if err != nil {
			return nil, err
		}
		text = explain.Logical(node)
	case *parse.CreateView:
		b := s.binder(in, []*string{})
		node, err := b.Query(in.Query)
		if err != nil {
			return nil, err
		}
		view := &catalog.Object{Name: in.Name.Name, Kind: catalog.MaterializedView, Schema: node.Schema()}
		plan, err := physical.Build(node, &physical.ViewSink{View: view})
		if err != nil {
			return nil, err
		}
		plan.StateTTL = s.stateTTL()
		plan.ApplyHints(b.HintTTL)
		plan.Parallelize(s.parallelism(plan))
		text = explain.Plan(plan)
	case *parse.Insert:
		b := s.binder(in, []*string{})
		target, node, err := b.Insert(in)
		if err != nil {
			return nil, err
		}
		plan, err := physical.Build(node, physical.SinkFor(target))
		if err != nil {
			return nil, err
		}
		plan.StateTTL = s.stateTTL()
		plan.ApplyHints(b.HintTTL)
		plan.Parallelize(s.parallelism(plan))
		text = explain.Plan(plan)
	default:
		return nil, st.Src.Errorf(0, sqlerr.FeatureNotSupported, "EXPLAIN of this statement is not supported")
	}
	var rows []types.Row
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		rows = append(rows, types.Row{str(l)})
	}
	return rowsResult(textCols("QUERY PLAN"), rows, "EXPLAIN"), nil
}

// showName is the column name SHOW gives a setting: PostgreSQL's spelling
// of its name, whatever case the user wrote.
func showName(name string) string {
	switch name {
	case "timezone":
		return "TimeZone"
	case "datestyle":
		return "DateStyle"
	case "intervalstyle":
		return "IntervalStyle"
	}
	return name
}
