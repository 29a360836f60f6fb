package engine

import (
	"context"
	"time"

	"riffle/catalog"
	"riffle/exec/runtime"
	"riffle/planner/bind"
	"riffle/planner/physical"
	"riffle/server/pgwire"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
)

// resetLayouts are the spellings RESET QUERY … FROM TIMESTAMP takes, read
// as UTC unless they carry an offset.
var resetLayouts = []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02"}

// resetQuery runs RESET QUERY: the query stops, its state is emptied and
// its inputs move back (in one commit, through its changelog when it is
// exactly-once), and it runs again from there.
func (s *Session) resetQuery(ctx context.Context, st *parse.ResetQuery) (*pgwire.Result, error) {
	s.e.ddl.Lock()
	defer s.e.ddl.Unlock()
	q := s.e.cat.Query(st.ID.Name)
	if q == nil {
		return nil, st.Src.Errorf(st.ID.Pos, sqlerr.UndefinedObject, "query %q does not exist", st.ID.Name).
			WithHint("SHOW QUERIES lists them")
	}
	spec := runtime.ResetSpec{Mute: st.Mute}
	if st.Time != "" {
		t, ok := parseResetTime(st.Time)
		if !ok {
			return nil, st.Src.Errorf(st.TimePos, sqlerr.InvalidDatetime, "invalid timestamp %q", st.Time).
				WithHint("write it as '2024-05-01 12:00:00' (UTC) or with an offset, '2024-05-01T12:00:00+02:00'")
		}
		spec.Time = max(t.UnixMilli(), 1)
	}
	if spec.Time != 0 {
		for _, u := range q.Uses {
			if o := s.e.cat.Get(u); o != nil && o.Kind == catalog.MaterializedView {
				// A view's changes add up to its rows only from the
				// first: from a time on, they retract rows never seen.
				return nil, st.Src.Errorf(st.TimePos, sqlerr.FeatureNotSupported,
					"query %s reads materialized view %s, whose changes it must read from the first", q.ID, o.Name).
					WithHint("RESET QUERY %s FROM EARLIEST", q.ID)
			}
		}
	}
	if n, ok := parseParallelism(s.settings[parallelismSetting]); ok {
		// The state is rebuilt: it can be rebuilt in any number of tasks.
		q.Settings = withParallelism(q.Settings, n)
	}
	// The state is emptied, so the query moves to the current planner:
	// it rebuilds its state as the current plan keeps it.
	up := *q
	up.Planner = bind.PlannerVersion
	plan, err := s.e.planStored(&up)
	if err != nil {
		return nil, err
	}
	if _, view := plan.Sink.(*physical.ViewSink); view && st.Mute {
		return nil, st.Src.Errorf(st.ID.Pos, sqlerr.FeatureNotSupported, "MUTE OUTPUT applies to a query writing to a table; query %s maintains a materialized view", q.ID).
			WithHint("a reset view is emptied and rebuilt as its query reprocesses; use EMIT OUTPUT")
	}
	s.e.stop(q.ID)
	if err := runtime.Reset(ctx, s.e.deps, q.ID, plan, q.Tables, spec); err != nil {
		return nil, sqlerr.New(sqlerr.ObjectInUse, "reset query %s: %v", q.ID, err)
	}
	q.State, q.Error, q.Planner = catalog.Running, "", up.Planner
	if err := s.e.cat.UpdateQuery(q); err != nil {
		return nil, err
	}
	if err := s.e.startQuery(q); err != nil {
		q.State, q.Error = catalog.Failed, err.Error()
		s.e.cat.UpdateQuery(q)
		return nil, err
	}
	return &pgwire.Result{Tag: "RESET QUERY"}, nil
}

func parseResetTime(v string) (time.Time, bool) {
	for _, l := range resetLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
