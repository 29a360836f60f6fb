package engine

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"riffle/catalog"
	"riffle/exec/runtime"
	"riffle/planner/bind"
	"riffle/planner/physical"
	"riffle/server/pgwire"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

const (
	// originSetting is recorded with every object and query a session
	// creates: where its statement came from (riffle apply sets
	// '<file>@<commit>').
	originSetting = "riffle.origin"
	// replacesSetting names a running query that the session's next
	// INSERT INTO … SELECT replaces in place (riffle apply); it applies
	// to that one statement.
	replacesSetting = "riffle.replaces"
)

// A replacement keeps the replaced query's id, state tables and source
// positions, so its state carries over: it is refused (55000) unless the
// new plan lays out its state as the old one did (runtime.StateLayout),
// and unless every other query reading the replaced object keeps its own
// layout too. Each affected query is stopped and started again on its
// tables; if one cannot start, everything is put back as it was.

// replaceView is CREATE OR REPLACE [MATERIALIZED] VIEW over an existing
// view of the same kind.
func (s *Session) replaceView(st *parse.CreateView, old *catalog.Object, tagText string) (*pgwire.Result, error) {
	kind := catalog.View
	if st.Materialized {
		kind = catalog.MaterializedView
	}
	if old.Kind != kind {
		return nil, st.Src.Errorf(st.Name.Pos, sqlerr.WrongObjectType, "%q is a %s, not a %s", old.Name,
			strings.ToLower(string(old.Kind)), strings.ToLower(string(kind))).
			WithHint("drop it first: a %s cannot become a %s in place", strings.ToLower(string(old.Kind)), strings.ToLower(string(kind)))
	}
	b := s.binder(st, []*string{})
	if own := s.e.cat.Query(old.Query); own != nil && st.Materialized {
		// Planned as the view's query was, to take over its state.
		b.Planner = storedPlanner(own)
	}
	node, err := b.Query(st.Query)
	if err != nil {
		return nil, err
	}
	if uses(b.Uses, old.Name) {
		return nil, st.Src.Errorf(st.Name.Pos, sqlerr.InvalidTableDefinition, "view %q cannot read itself", old.Name)
	}
	schema, err := viewSchema(st, node.Schema())
	if err != nil {
		return nil, err
	}
	obj := *old
	obj.SQL, obj.Schema, obj.Uses, obj.Origin = st.Src.Text, schema, b.Uses, s.settings[originSetting]
	if !sameColumns(old.Schema, schema) {
		// A view reading this one was bound to its columns: it keeps
		// them in its own schema (a materialized view in its stored rows).
		for _, o := range s.e.cat.Objects(catalog.View, catalog.MaterializedView) {
			if uses(o.Uses, old.Name) {
				return nil, st.Src.Errorf(st.Name.Pos, sqlerr.DependentObjects,
					"cannot change the columns of %s %q because %s %s reads them", strings.ToLower(string(old.Kind)), old.Name,
					strings.ToLower(string(o.Kind)), o.Name).
					WithHint("keep the column names and types, or drop %s and create both again", o.Name)
			}
		}
	}
	var own *catalog.Query
	if kind == catalog.MaterializedView {
		if len(st.Columns) > 0 {
			node = bind.RenameColumns(node, schema)
		}
		plan, err := build(b, node, &physical.ViewSink{View: &obj})
		if err != nil {
			return nil, positioned(err, st.Src, st.Name.Pos)
		}
		if own = s.e.cat.Query(old.Query); own == nil {
			return nil, sqlerr.New(sqlerr.Internal, "materialized view %q has no query", old.Name)
		}
		if err := s.e.sameLayout(own, plan, s.stateTTL()); err != nil {
			return nil, positioned(err, st.Src, st.Name.Pos)
		}
		obj.StreamKey = plan.Root.Props().Key
		own.SQL, own.Uses, own.Origin = st.Src.Text, b.Uses, obj.Origin
		own.Settings, own.StateTTL = s.keptSettings(own.Settings), s.stateTTL()
	}
	notices, err := s.replace(old, &obj, own)
	if err != nil {
		return nil, positioned(err, st.Src, st.Name.Pos)
	}
	return &pgwire.Result{Tag: tagText, Notices: append(b.Notices, notices...)}, nil
}

// replaceQuery replaces the running INSERT INTO … SELECT with the given id
// by st (SET 'riffle.replaces' = id before it).
func (s *Session) replaceQuery(st *parse.Insert, id string, b *bind.Binder, plan *physical.Plan) (*pgwire.Result, error) {
	q := s.e.cat.Query(id)
	if q == nil {
		return nil, sqlerr.New(sqlerr.UndefinedObject, "query %q does not exist (%s)", id, replacesSetting).
			WithHint("SHOW QUERIES lists them")
	}
	if t := s.e.cat.Get(q.Target); t != nil && t.Query == q.ID {
		return nil, sqlerr.New(sqlerr.WrongObjectType, "query %s maintains materialized view %s", q.ID, t.Name).
			WithHint("use CREATE OR REPLACE MATERIALIZED VIEW")
	}
	if !strings.EqualFold(q.Target, st.Table.Name) {
		return nil, st.Src.Errorf(st.Table.Pos, sqlerr.ObjectNotInState,
			"query %s writes %s; a replacement cannot write %s instead", q.ID, q.Target, st.Table.Name).
			WithHint("start a new query and stop the old one: the sink's readers would see two streams")
	}
	if q.State != catalog.Running {
		return nil, sqlerr.New(sqlerr.ObjectNotInState, "query %s is %s; only a running query can be replaced", q.ID, q.State)
	}
	if err := s.e.sameLayout(q, plan, s.stateTTL()); err != nil {
		return nil, positioned(err, st.Src, st.Table.Pos)
	}
	q.SQL, q.Uses, q.Origin = st.Src.Text, b.Uses, s.settings[originSetting]
	q.Settings, q.StateTTL = s.keptSettings(q.Settings), s.stateTTL()
	if t := q.Settings[lateTableSetting]; t != "" {
		q.Uses = append(q.Uses, t)
	}
	notices, err := s.replace(nil, nil, q)
	if err != nil {
		return nil, positioned(err, st.Src, st.Table.Pos)
	}
	return &pgwire.Result{Tag: "INSERT 0 0", Notices: append(b.Notices, notices...)}, nil
}

// keptSettings are the settings of a replaced query: the session's, and
// the parallelism it ran with unless the session sets one (a query with
// keyed state refuses to start with another; see runtime.Start).
func (s *Session) keptSettings(was map[string]string) map[string]string {
	n := queryParallelism(was)
	if v, ok := parseParallelism(s.settings[parallelismSetting]); ok {
		n = v
	}
	return withParallelism(s.querySettings(), n)
}

// sameLayout reports, as an error, how the plan of q as it runs and a new
// plan for it, to run under state TTL ttl, lay out their state differently.
func (e *Engine) sameLayout(q *catalog.Query, plan *physical.Plan, ttl time.Duration) error {
	running, err := e.planStored(q)
	if err != nil {
		return sqlerr.New(sqlerr.ObjectNotInState, "query %s cannot be planned as it runs: %v", q.ID, err)
	}
	// The replacement runs under the session's TTL, the query under its
	// own: whether state expires is part of the layout.
	running.StateTTL, plan.StateTTL = q.StateTTL, ttl
	was, will := runtime.StateLayout(running), runtime.StateLayout(plan)
	if slices.Equal(was, will) {
		return nil
	}
	return sqlerr.New(sqlerr.ObjectNotInState, "the new plan of query %s keeps its state differently (%s), so its state cannot carry over",
		q.ID, runtime.LayoutChange(was, will)).
		WithHint("drop it and create it again to rebuild its state from its source topics")
}

// replace stores obj in place of old (either may be nil for a query alone)
// and own in place of its stored version, then restarts own and every
// other running query that reads old, each on its own state. It refuses
// when a reader's layout would change, and puts everything back when a
// query cannot start.
func (s *Session) replace(old, obj *catalog.Object, own *catalog.Query) ([]string, error) {
	e := s.e
	var readers []*catalog.Query
	layouts := map[string][]string{}
	if old != nil {
		for _, q := range e.cat.Queries() {
			if q.State != catalog.Running || (own != nil && q.ID == own.ID) || !s.reads(q.Uses, old.Name) {
				continue
			}
			plan, err := e.planStored(q)
			if err != nil {
				return nil, err
			}
			readers, layouts[q.ID] = append(readers, q), runtime.StateLayout(plan)
		}
		if err := e.cat.Update(obj); err != nil {
			return nil, err
		}
	}
	var oldOwn *catalog.Query
	if own != nil {
		oldOwn = e.cat.Query(own.ID)
		if err := e.cat.UpdateQuery(own); err != nil {
			e.undoReplace(old, oldOwn, nil)
			return nil, err
		}
	}
	for _, q := range readers {
		plan, err := e.planStored(q)
		if err == nil && !slices.Equal(layouts[q.ID], runtime.StateLayout(plan)) {
			err = sqlerr.New(sqlerr.ObjectNotInState, "query %s reads %s, and its state would not carry over (%s)",
				q.ID, old.Name, runtime.LayoutChange(layouts[q.ID], runtime.StateLayout(plan))).
				WithHint("drop and create again the queries that read it, or leave %s as it is", old.Name)
		}
		if err != nil {
			e.undoReplace(old, oldOwn, nil)
			return nil, err
		}
	}
	var notices []string
	var restarted []*catalog.Query
	for _, q := range append([]*catalog.Query{own}, readers...) {
		if q == nil {
			continue
		}
		e.stop(q.ID)
		restarted = append(restarted, q)
		if err := e.startQuery(q); err != nil {
			e.undoReplace(old, oldOwn, restarted)
			return nil, err
		}
		notices = append(notices, fmt.Sprintf("restarted query %s; its state carried over", q.ID))
	}
	return notices, nil
}

// undoReplace puts back the object and query a replacement changed, and
// restarts under them the queries it had restarted.
func (e *Engine) undoReplace(old *catalog.Object, oldOwn *catalog.Query, restarted []*catalog.Query) {
	if old != nil {
		if err := e.cat.Update(old); err != nil {
			e.cfg.Log.Error("replace: restoring object", "object", old.Name, "err", err)
		}
	}
	if oldOwn != nil {
		if err := e.cat.UpdateQuery(oldOwn); err != nil {
			e.cfg.Log.Error("replace: restoring query", "query", oldOwn.ID, "err", err)
		}
	}
	for _, q := range restarted {
		if oldOwn != nil && q.ID == oldOwn.ID {
			q = oldOwn
		}
		e.stop(q.ID)
		if err := e.startQuery(q); err != nil {
			q.State, q.Error = catalog.Failed, err.Error()
			e.cat.UpdateQuery(q)
		}
	}
}

// sameColumns reports whether two schemas have the same column names (in
// any case) and types, in order.
func sameColumns(a, b types.Schema) bool {
	if len(a.Columns) != len(b.Columns) {
		return false
	}
	for i, c := range a.Columns {
		if !strings.EqualFold(c.Name, b.Columns[i].Name) || c.Type.String() != b.Columns[i].Type.String() {
			return false
		}
	}
	return true
}
