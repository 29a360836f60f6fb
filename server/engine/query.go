package engine

import (
	"context"
	"fmt"
	"time"

	"riffle/catalog"
	"riffle/connectors/kafka"
	"riffle/exec/expr"
	"riffle/exec/operator"
	"riffle/exec/runtime"
	"riffle/planner/bind"
	"riffle/planner/logical"
	"riffle/planner/physical"
	"riffle/server/pgwire"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// insert runs INSERT INTO t VALUES (writes records to t's topic now) or
// INSERT INTO t SELECT (starts a continuous query).
func (s *Session) insert(ctx context.Context, st *parse.Insert, params []*string) (*pgwire.Result, error) {
	b := s.binder(st, params)
	replaces := s.settings[replacesSetting]
	if st.Query != nil {
		b.Params = []*string{}
		// It names the query this statement replaces, and no other, even
		// when this one fails.
		delete(s.settings, replacesSetting)
		if old := s.e.cat.Query(replaces); old != nil {
			// The replacement is planned as the query it replaces was, so
			// that it can take over its state (replaceQuery).
			b.Planner = storedPlanner(old)
		}
	}
	target, node, err := b.Insert(st)
	if err != nil {
		return nil, err
	}
	if st.Query == nil {
		s.runSubqueries(ctx, b)
		rows, err := runtime.Snapshot(ctx, s.deps(), node)
		if err != nil {
			return nil, err
		}
		if err := s.writeRows(ctx, target, rows); err != nil {
			return nil, err
		}
		return &pgwire.Result{Tag: fmt.Sprintf("INSERT 0 %d", len(rows))}, nil
	}
	s.e.ddl.Lock()
	defer s.e.ddl.Unlock()
	plan, err := physical.Build(node, physical.SinkFor(target))
	if err != nil {
		return nil, positioned(err, st.Src, st.Table.Pos)
	}
	if replaces != "" {
		return s.replaceQuery(st, replaces, b, plan)
	}
	q, err := s.newQuery(st.Src.Text, target.Name, b.Uses, plan)
	if err != nil {
		return nil, err
	}
	if err := s.e.cat.AddQuery(q); err != nil {
		return nil, err
	}
	if err := s.e.startQuery(q); err != nil {
		s.e.cat.DropQuery(q.ID)
		return nil, positioned(err, st.Src, st.Table.Pos)
	}
	notices := append(b.Notices, fmt.Sprintf("started query %s writing to %s; SHOW QUERIES lists it, STOP QUERY %s stops it", q.ID, target.Name, q.ID))
	return &pgwire.Result{Tag: "INSERT 0 0", Notices: notices}, nil
}

// newQuery describes a new continuous query maintaining target: the
// session's settings it keeps, what it reads (its late-rows table too, so
// that it is not dropped from under the query), and its state tables.
func (s *Session) newQuery(sql, target string, uses []string, plan *physical.Plan) (*catalog.Query, error) {
	q := &catalog.Query{ID: s.e.cat.NextQueryID(), SQL: sql, Target: target, State: catalog.Running, Uses: uses,
		StateTTL: s.stateTTL(), Settings: withParallelism(s.querySettings(), s.parallelism(plan)), Origin: s.settings[originSetting],
		Planner: s.plannerVersion()}
	if t := q.Settings[lateTableSetting]; t != "" {
		q.Uses = append(q.Uses, t)
	}
	var err error
	q.Tables, err = s.allocTables(runtime.TablesNeeded(plan))
	return q, err
}

// writeRows produces rows to the table's topic and waits for the broker
// to acknowledge them.
func (s *Session) writeRows(ctx context.Context, t *catalog.Object, rows []types.Row) error {
	if bind.IsBlackhole(t) {
		return nil // written, and discarded, as Flink's blackhole does
	}
	if bind.IsFilesystem(t) {
		if err := s.checkRows(t, rows); err != nil {
			return err
		}
		// One statement's rows become visible together, in files of their own.
		return operator.WriteFileRows(t, fmt.Sprintf("insert_%d", time.Now().UnixNano()), rows)
	}
	if err := s.checkRows(t, rows); err != nil {
		return err
	}
	enc, err := operator.NewRecordEncoderWith(t, s.e.deps.Registries)
	if err != nil {
		return err
	}
	now := time.Now().UnixMilli()
	recs := make([]kafka.Record, len(rows))
	for i, r := range rows {
		rec, err := enc.Encode(r, now, false)
		if err != nil {
			return err
		}
		recs[i] = rec
	}
	if err := s.e.deps.Writer.Write(ctx, recs); err != nil {
		return sqlerr.New(sqlerr.ConnectionFailure, "write to topic %q: %v", t.Options["topic"], err)
	}
	return nil
}

// checkRows refuses rows (in writableColumns' layout) that break one of the
// table's CHECK constraints, as PostgreSQL does, with 23514: written, they
// would be bad records to every query reading the table.
func (s *Session) checkRows(t *catalog.Object, rows []types.Row) error {
	if len(t.Checks) == 0 {
		return nil
	}
	checks, err := (&bind.Binder{Cat: s.e.cat}).TableChecks(t)
	if err != nil {
		return err
	}
	fns := make([]expr.Func, len(checks))
	for i, c := range checks {
		if fns[i], err = expr.Compile(c.Expr); err != nil {
			return err
		}
	}
	writable := writableColumns(t)
	full := make(types.Row, t.Schema.Len())
	for _, r := range rows {
		clear(full)
		for j, w := range writable {
			full[w] = r[j]
		}
		for i, f := range fns {
			v, err := f(full)
			if err != nil {
				return err
			}
			if !v.IsNull() && !v.Bool() {
				return sqlerr.New(sqlerr.CheckViolation, "new row for relation %q violates check constraint %q", t.Name, checks[i].Name)
			}
		}
	}
	return nil
}

// selectQuery runs a one-shot SELECT over the current contents of views and
// tables.
func (s *Session) selectQuery(ctx context.Context, st *parse.Select, params []*string) (*pgwire.Result, error) {
	b := s.binder(st, params)
	b.Snapshot = true
	node, err := b.Query(st.Query)
	if err != nil {
		return nil, err
	}
	s.runSubqueries(ctx, b)
	rows, err := runtime.Snapshot(ctx, s.deps(), node)
	if err != nil {
		return nil, err
	}
	return &pgwire.Result{Columns: node.Schema().Columns, Rows: rows, Tag: tag("SELECT", len(rows)), Notices: b.Notices}, nil
}

// flush waits until every running query has committed every record that
// was in its source topics when FLUSH began, and every record the queries
// upstream of it wrote for those: queries are waited for in dependency
// order (a query writing a table before the queries reading it), each
// against end offsets read once its upstream has caught up.
func (s *Session) flush(ctx context.Context) (*pgwire.Result, error) {
	for _, q := range s.e.flushOrder() {
		for {
			end, err := s.e.endOffsets(ctx, q)
			if err != nil {
				return nil, err
			}
			err = q.WaitFor(ctx, end)
			if err != nil && runtime.Restartable(err) {
				// The query restarts from its last commit: wait for the
				// new run instead.
				if next := s.e.awaitRestart(ctx, q); next != nil {
					q = next
					continue
				}
			}
			if err != nil {
				return nil, sqlerr.New(sqlerr.ObjectInUse, "query %s: %v", q.ID, err)
			}
			break
		}
	}
	return &pgwire.Result{Tag: "FLUSH"}, nil
}

// awaitRestart waits for a query that stopped with a restartable error to
// run again, and returns its new run (nil if it was not restarted before
// ctx ended, or is gone).
func (e *Engine) awaitRestart(ctx context.Context, old *runtime.Query) *runtime.Query {
	for {
		e.mu.Lock()
		q, ok := e.running[key(old.ID)]
		e.mu.Unlock()
		if !ok {
			return nil
		}
		if q != old {
			return q
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// endOffsets are the current end offsets of every topic q reads.
func (e *Engine) endOffsets(ctx context.Context, q *runtime.Query) (kafka.Positions, error) {
	end := kafka.Positions{}
	for _, t := range q.Topics() {
		ps, err := e.kafka.EndOffsets(ctx, t)
		if err != nil {
			return nil, sqlerr.New(sqlerr.ConnectionFailure, "read end offsets of %q: %v", t, err)
		}
		end[t] = ps
	}
	return end, nil
}

// flushOrder lists the running queries so that a query writing a table's
// topic comes before every query reading that topic. Queries in a cycle
// (one that reads what it writes) keep their creation order.
func (e *Engine) flushOrder() []*runtime.Query {
	e.mu.Lock()
	byID := map[string]*runtime.Query{}
	for id, q := range e.running {
		byID[id] = q
	}
	e.mu.Unlock()
	var qs []*runtime.Query
	writes := map[*runtime.Query]string{} // the topic each INSERT … SELECT writes
	for _, cq := range e.cat.Queries() {
		q := byID[key(cq.ID)]
		if q == nil {
			continue
		}
		qs = append(qs, q)
		switch t := e.cat.Get(cq.Target); {
		case t == nil:
		case t.Kind == catalog.Table:
			writes[q] = t.Options["topic"]
		case t.Kind == catalog.MaterializedView && t.Query == cq.ID:
			// Its changes topic, which the queries reading the view read.
			if sid, err := e.store.ID(); err == nil {
				writes[q] = runtime.ChangesTopic(sid, cq.ID)
			}
		}
	}
	var order []*runtime.Query
	placed := map[*runtime.Query]bool{}
	for len(order) < len(qs) {
		progress := false
		for _, q := range qs {
			if placed[q] || !upstreamPlaced(q, qs, writes, placed) {
				continue
			}
			order, placed[q], progress = append(order, q), true, true
		}
		if !progress { // a cycle: take the rest as they are
			for _, q := range qs {
				if !placed[q] {
					order, placed[q] = append(order, q), true
				}
			}
		}
	}
	return order
}

// upstreamPlaced reports whether every other query writing a topic q reads
// is already placed.
func upstreamPlaced(q *runtime.Query, qs []*runtime.Query, writes map[*runtime.Query]string, placed map[*runtime.Query]bool) bool {
	for _, topic := range q.Topics() {
		for _, w := range qs {
			if w != q && !placed[w] && writes[w] == topic {
				return false
			}
		}
	}
	return true
}

// runSubqueries lets the subqueries a one-shot statement uses as values run
// their plans, as the statement itself runs: as of now, with ctx.
func (s *Session) runSubqueries(ctx context.Context, b *bind.Binder) {
	if r := b.Runner(); r != nil {
		r.Run = func(plan any) ([]types.Row, error) { return runtime.Snapshot(ctx, s.deps(), plan.(logical.Node)) }
	}
}
