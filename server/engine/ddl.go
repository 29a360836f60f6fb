package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"riffle/catalog"
	"riffle/connectors/format"
	"riffle/connectors/kafka"
	"riffle/exec/runtime"
	"riffle/planner/bind"
	"riffle/planner/physical"
	"riffle/server/pgwire"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

func (s *Session) createTable(ctx context.Context, st *parse.CreateTable) (*pgwire.Result, error) {
	s.e.ddl.Lock()
	defer s.e.ddl.Unlock()
	if done, err := s.exists(st.Src, st.Name, st.IfNotExists); done || err != nil {
		return &pgwire.Result{Tag: "CREATE TABLE", Notices: existsNotice(st.Name, done)}, err
	}
	b := s.binder(st, nil)
	obj, err := b.CreateTable(st, bind.TableDefaults{Partitions: s.e.cfg.Partitions, AutoCreate: s.e.cfg.AutoCreateTopics,
		Registry: s.e.cfg.RegistryURL != "", Generated: runtime.CheckGeneratedTable,
		RegistryColumns: func(url, subject string) ([]types.Column, error) {
			reg, err := s.e.deps.Registries.For(url)
			if err != nil {
				return nil, err
			}
			rs, err := format.LatestSchema(ctx, reg, subject)
			if err != nil {
				return nil, err
			}
			return format.AvroColumns(rs)
		}})
	if err != nil {
		return nil, err
	}
	if !bind.IsGenerated(obj) && !bind.IsBlackhole(obj) && !bind.IsFilesystem(obj) {
		if err := s.ensureTopic(ctx, st, obj); err != nil {
			return nil, err
		}
	}
	obj.Origin = s.settings[originSetting]
	if err := s.e.cat.Create(obj, nil); err != nil {
		return nil, err
	}
	return &pgwire.Result{Tag: "CREATE TABLE", Notices: b.Notices}, nil
}

// ensureTopic checks the table's topic exists, creating it when allowed.
func (s *Session) ensureTopic(ctx context.Context, st *parse.CreateTable, obj *catalog.Object) error {
	topic := obj.Options["topic"]
	_, err := s.e.kafka.TopicPartitions(ctx, topic)
	if err == nil {
		return nil
	}
	if !errors.Is(err, kafka.ErrNoTopic) {
		return sqlerr.New(sqlerr.ConnectionFailure, "look up topic %q: %v", topic, err)
	}
	if obj.Options["topic.auto-create"] != "true" {
		return st.Src.Errorf(st.Name.Pos, sqlerr.UndefinedObject, "topic %q does not exist", topic).
			WithHint("create the topic first, or set 'topic.auto-create' = 'true'")
	}
	n, _ := strconv.Atoi(obj.Options["topic.partitions"])
	var configs map[string]string
	if len(obj.PrimaryKey) > 0 {
		// An upsert table's topic holds the latest record per key: Kafka may
		// compact it, and readers from the start still build the same table.
		configs = map[string]string{"cleanup.policy": "compact"}
	}
	if err := s.e.kafka.CreateTopicWithConfigs(ctx, topic, int32(n), configs); err != nil {
		return sqlerr.New(sqlerr.ConnectionFailure, "create topic %q: %v", topic, err)
	}
	return nil
}

// exists reports whether name is taken: with IF NOT EXISTS that ends the
// statement quietly (done), otherwise it is an error.
func (s *Session) exists(src *parse.Source, name parse.Name, ifNotExists bool) (bool, error) {
	if t := s.e.cat.Type(name.Name); t != nil {
		// As in PostgreSQL, where a table's row type takes its name.
		return false, src.Errorf(name.Pos, sqlerr.DuplicateObject, "type %q already exists", t.Name)
	}
	o := s.e.cat.Get(name.Name)
	if o == nil {
		return false, nil
	}
	if ifNotExists {
		return true, nil
	}
	return false, src.Errorf(name.Pos, sqlerr.DuplicateTable, "%s %q already exists", strings.ToLower(string(o.Kind)), o.Name)
}

func existsNotice(name parse.Name, exists bool) []string {
	if !exists {
		return nil
	}
	return []string{"relation \"" + name.Name + "\" already exists, skipping"}
}

func (s *Session) createView(st *parse.CreateView) (*pgwire.Result, error) {
	s.e.ddl.Lock()
	defer s.e.ddl.Unlock()
	tagText := "CREATE VIEW"
	if st.Materialized {
		tagText = "CREATE MATERIALIZED VIEW"
	}
	if old := s.e.cat.Get(st.Name.Name); old != nil && st.OrReplace {
		return s.replaceView(st, old, tagText)
	}
	if done, err := s.exists(st.Src, st.Name, st.IfNotExists); done || err != nil {
		return &pgwire.Result{Tag: tagText, Notices: existsNotice(st.Name, done)}, err
	}
	b := s.binder(st, []*string{})
	node, err := b.Query(st.Query)
	if err != nil {
		return nil, err
	}
	schema, err := viewSchema(st, node.Schema())
	if err != nil {
		return nil, err
	}
	obj := &catalog.Object{Name: st.Name.Name, SQL: st.Src.Text, Schema: schema, Kind: catalog.View, Uses: b.Uses,
		Origin: s.settings[originSetting]}
	if !st.Materialized {
		return &pgwire.Result{Tag: tagText, Notices: b.Notices}, s.e.cat.Create(obj, nil)
	}
	obj.Kind = catalog.MaterializedView
	if len(st.Columns) > 0 {
		node = bind.RenameColumns(node, schema)
	}
	plan, err := physical.Build(node, &physical.ViewSink{View: obj})
	if err != nil {
		return nil, positioned(err, st.Src, st.Name.Pos)
	}
	q, err := s.newQuery(st.Src.Text, obj.Name, b.Uses, plan)
	if err != nil {
		return nil, err
	}
	obj.Query, obj.StateTable = q.ID, q.Tables[len(q.Tables)-1] // the sink's table comes last
	obj.StreamKey = plan.Root.Props().Key
	if err := s.e.cat.Create(obj, q); err != nil {
		return nil, err
	}
	if err := s.e.startQuery(q); err != nil {
		s.e.cat.Drop(obj.Name, q.ID)
		return nil, positioned(err, st.Src, st.Name.Pos)
	}
	return &pgwire.Result{Tag: tagText, Notices: b.Notices}, nil
}

// viewSchema names a view's columns: from its column list if given, else
// from the query; the names must be distinct, because a view's columns are
// addressed by name.
func viewSchema(st *parse.CreateView, s types.Schema) (types.Schema, error) {
	out := types.Schema{Columns: append([]types.Column(nil), s.Columns...)}
	if len(st.Columns) > 0 {
		if len(st.Columns) != len(out.Columns) {
			return out, st.Src.Errorf(st.Columns[0].Pos, sqlerr.SyntaxError,
				"view %q names %d columns but its query returns %d", st.Name.Name, len(st.Columns), len(out.Columns))
		}
		for i, c := range st.Columns {
			out.Columns[i].Name = c.Name
		}
	}
	seen := map[string]bool{}
	for _, c := range out.Columns {
		if seen[key(c.Name)] {
			return out, st.Src.Errorf(st.Name.Pos, sqlerr.DuplicateObject, "column %q specified more than once", c.Name).
				WithHint("give the columns distinct names with AS")
		}
		seen[key(c.Name)] = true
	}
	return out, nil
}

func (s *Session) allocTables(n int) ([]uint32, error) {
	ids := make([]uint32, n)
	for i := range ids {
		id, err := s.e.store.NextTableID()
		if err != nil {
			return nil, err
		}
		ids[i] = id
	}
	return ids, nil
}

func (s *Session) drop(st *parse.Drop) (*pgwire.Result, error) {
	s.e.ddl.Lock()
	defer s.e.ddl.Unlock()
	tagText := "DROP " + string(st.Kind)
	if st.Kind == parse.ObjType {
		return s.dropType(st)
	}
	o := s.e.cat.Get(st.Name.Name)
	if o == nil {
		if st.IfExists {
			return &pgwire.Result{Tag: tagText, Notices: []string{strings.ToLower(string(st.Kind)) + " \"" + st.Name.Name + "\" does not exist, skipping"}}, nil
		}
		return nil, st.Src.Errorf(st.Name.Pos, sqlerr.UndefinedTable, "%s %q does not exist", strings.ToLower(string(st.Kind)), st.Name.Name)
	}
	if string(o.Kind) != string(st.Kind) {
		return nil, st.Src.Errorf(st.Name.Pos, sqlerr.WrongObjectType, "%q is a %s, not a %s", o.Name,
			strings.ToLower(string(o.Kind)), strings.ToLower(string(st.Kind))).
			WithHint("use DROP %s", o.Kind)
	}
	if deps := s.dependents(o.Name); len(deps) > 0 {
		return nil, st.Src.Errorf(st.Name.Pos, sqlerr.DependentObjects, "cannot drop %s %q because %s depends on it",
			strings.ToLower(string(o.Kind)), o.Name, deps[0]).
			WithHint("drop the dependent objects first, or stop the queries that read it")
	}
	if o.Query != "" {
		s.e.stop(o.Query)
		var tables []uint32
		if q := s.e.cat.Query(o.Query); q != nil {
			tables = q.Tables
		}
		if err := runtime.Forget(s.e.store, o.Query, tables); err != nil {
			return nil, err
		}
		// No query reads the view any more (dependents): its changes,
		// changelog and consumer group go with it.
		s.dropInternal(o.Query)
	}
	return &pgwire.Result{Tag: tagText}, s.e.cat.Drop(o.Name, o.Query)
}

// dependents lists what uses name: views and materialized views that read
// it, and running INSERT INTO … SELECT queries that read or write it.
func (s *Session) dependents(name string) []string {
	var out []string
	for _, o := range s.e.cat.Objects(catalog.View, catalog.MaterializedView) {
		if uses(o.Uses, name) {
			out = append(out, strings.ToLower(string(o.Kind))+" "+o.Name)
		}
	}
	for _, q := range s.e.cat.Queries() {
		if q.State == catalog.Running && (uses(q.Uses, name) || strings.EqualFold(q.Target, name)) {
			if t := s.e.cat.Get(q.Target); t == nil || t.Query != q.ID {
				out = append(out, "query "+q.ID)
			}
		}
	}
	for _, t := range s.e.temporaries() {
		if s.reads(t.uses, name) {
			out = append(out, "subscription "+t.id)
		}
	}
	return out
}

func uses(list []string, name string) bool {
	for _, u := range list {
		if strings.EqualFold(u, name) {
			return true
		}
	}
	return false
}

// alterTable changes a table's options and restarts the queries that read
// it, directly or through views, so they run under the new options: a table
// made bounded ('scan.bounded.mode' = 'latest-offset') ends where its topic
// ends now, every window over it fires, and its queries finish.
func (s *Session) alterTable(st *parse.AlterOptions) (*pgwire.Result, error) {
	s.e.ddl.Lock()
	defer s.e.ddl.Unlock()
	obj := s.e.cat.Get(st.Name.Name)
	if obj == nil {
		if st.IfExists {
			return &pgwire.Result{Tag: "ALTER TABLE"}, nil
		}
		return nil, st.Src.Errorf(st.Name.Pos, sqlerr.UndefinedTable, "relation %q does not exist", st.Name.Name)
	}
	opts, err := s.binder(st, []*string{}).AlterOptions(st, obj)
	if err != nil {
		return nil, err
	}
	changed := *obj
	changed.Options = opts
	if err := s.e.cat.Update(&changed); err != nil {
		return nil, err
	}
	var notices []string
	var restarted []*catalog.Query
	for _, q := range s.e.cat.Queries() {
		// A failed query starts again too: it may have failed on the very
		// records the new options deal with (a bad record under
		// 'error.policy' = 'fail').
		if (q.State != catalog.Running && q.State != catalog.Failed) || !s.reads(q.Uses, obj.Name) {
			continue
		}
		s.e.stop(q.ID)
		restarted = append(restarted, q)
		if q.State == catalog.Failed {
			q.State, q.Error = catalog.Running, ""
			if err := s.e.cat.UpdateQuery(q); err != nil {
				return nil, err
			}
		}
		if err := s.e.startQuery(q); err != nil {
			// The statement fails as a whole: the table keeps its old
			// options and its queries run again under them.
			s.undoAlter(obj, restarted)
			return nil, positioned(err, st.Src, st.Name.Pos)
		}
		notices = append(notices, fmt.Sprintf("restarted query %s under the new options", q.ID))
	}
	return &pgwire.Result{Tag: "ALTER TABLE", Notices: notices}, nil
}

// undoAlter puts a table's old options back after an ALTER TABLE that
// failed, and restarts under them the queries it had restarted; a query
// that cannot start again is marked failed, with why.
func (s *Session) undoAlter(old *catalog.Object, queries []*catalog.Query) {
	if err := s.e.cat.Update(old); err != nil {
		s.e.cfg.Log.Error("alter table: restoring options", "table", old.Name, "err", err)
	}
	for _, q := range queries {
		s.e.stop(q.ID)
		if err := s.e.startQuery(q); err != nil {
			q.State, q.Error = catalog.Failed, err.Error()
			s.e.cat.UpdateQuery(q)
		}
	}
}

// reads reports whether a statement that names list reads table name,
// directly or through views.
func (s *Session) reads(list []string, name string) bool {
	for _, u := range list {
		if strings.EqualFold(u, name) {
			return true
		}
		if o := s.e.cat.Get(u); o != nil && o.Kind == catalog.View && s.reads(o.Uses, name) {
			return true
		}
	}
	return false
}

func (s *Session) stopQuery(st *parse.StopQuery) (*pgwire.Result, error) {
	s.e.ddl.Lock()
	defer s.e.ddl.Unlock()
	q := s.e.cat.Query(st.ID.Name)
	if q == nil {
		return nil, st.Src.Errorf(st.ID.Pos, sqlerr.UndefinedObject, "query %q does not exist", st.ID.Name).
			WithHint("SHOW QUERIES lists them")
	}
	s.e.stop(q.ID)
	q.State = catalog.Stopped
	if err := s.e.cat.UpdateQuery(q); err != nil {
		return nil, err
	}
	return &pgwire.Result{Tag: "STOP QUERY"}, nil
}

// dropQuery drops a query started by INSERT INTO … SELECT: it stops, and
// its state, its internal topics and its catalog entry go. The query of a
// materialized view goes with its view (DROP MATERIALIZED VIEW).
func (s *Session) dropQuery(st *parse.DropQuery) (*pgwire.Result, error) {
	s.e.ddl.Lock()
	defer s.e.ddl.Unlock()
	q := s.e.cat.Query(st.ID.Name)
	if q == nil {
		if st.IfExists {
			return &pgwire.Result{Tag: "DROP QUERY", Notices: []string{"query \"" + st.ID.Name + "\" does not exist, skipping"}}, nil
		}
		return nil, st.Src.Errorf(st.ID.Pos, sqlerr.UndefinedObject, "query %q does not exist", st.ID.Name).
			WithHint("SHOW QUERIES lists them")
	}
	for _, o := range s.e.cat.Objects(catalog.MaterializedView, catalog.Table) {
		if o.Query == q.ID {
			return nil, st.Src.Errorf(st.ID.Pos, sqlerr.DependentObjects, "query %s maintains %s %q", q.ID,
				strings.ToLower(string(o.Kind)), o.Name).
				WithHint("DROP %s %s drops it with its query", o.Kind, o.Name)
		}
	}
	s.e.stop(q.ID)
	if err := runtime.Forget(s.e.store, q.ID, q.Tables); err != nil {
		return nil, err
	}
	s.dropInternal(q.ID)
	return &pgwire.Result{Tag: "DROP QUERY"}, s.e.cat.DropQuery(q.ID)
}

// dropInternal deletes a dropped query's topics and consumer group. A
// failure (the broker unreachable) leaves them behind, which costs space
// but no correctness: a new query has a new id, so nothing reads them again.
func (s *Session) dropInternal(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := runtime.DropInternal(ctx, s.e.deps, id); err != nil && s.e.deps.Log != nil {
		s.e.deps.Log.Warn("delete a dropped query's internal topics", "query", id, "err", err)
	}
}

// positioned gives an unpositioned user error the position of what the
// statement names (the view or table being created or written).
func positioned(err error, src *parse.Source, pos int) error {
	if e, ok := sqlerr.As(err); ok && e.Line == 0 {
		e.SetPos(src.Input, src.Offset+pos)
	}
	return err
}
