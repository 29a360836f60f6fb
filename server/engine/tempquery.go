package engine

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"riffle/catalog"
	"riffle/exec/runtime"
	"riffle/planner/bind"
	"riffle/planner/logical"
	"riffle/planner/physical"
)

// A tempQuery is the continuous query behind SUBSCRIBE (query): it runs
// like a materialized view's query (its result kept in a state table, so
// a subscriber can start from a consistent snapshot), but it is in no
// catalog and lives only as long as its subscription. Its id and state
// tables are recorded in the store while it runs, so that state left by a
// crash is deleted when the engine next opens.
type tempQuery struct {
	seq    int64
	id     string
	sql    string
	uses   []string
	rq     *runtime.Query
	tables []uint32
	view   uint32 // the state table holding its result
}

// tempPrefix keys the store's record of running temporary queries.
const tempPrefix = "engine/temp/"

// startTemp plans node as a temporary query and starts it.
func (s *Session) startTemp(sql string, b *bind.Binder, node logical.Node) (*tempQuery, error) {
	e := s.e
	seq := e.tempSeq.Add(1)
	id := fmt.Sprintf("sub%d", seq)
	view := &catalog.Object{Name: id, Kind: catalog.MaterializedView, Schema: node.Schema()}
	plan, err := build(b, node, &physical.ViewSink{View: view})
	if err != nil {
		return nil, err
	}
	plan.StateTTL = s.stateTTL()
	plan.Parallelize(s.parallelism(plan))
	tables, err := s.allocTables(runtime.TablesNeeded(plan))
	if err != nil {
		return nil, err
	}
	t := &tempQuery{seq: seq, id: id, sql: sql, uses: b.Uses, tables: tables, view: tables[len(tables)-1]}
	rec, _ := json.Marshal(tables)
	if err := e.store.PutMeta(tempPrefix+id, rec); err != nil {
		return nil, err
	}
	if t.rq, err = runtime.Start(s.deps(), id, plan, tables); err != nil {
		return nil, errors.Join(err, e.forgetTemp(id, tables))
	}
	e.mu.Lock()
	e.temps[id] = t
	e.mu.Unlock()
	return t, nil
}

// dropTemp stops a temporary query and deletes everything it kept. Only
// the first call for a query does anything: its subscription and the
// engine's Close may both end it.
func (e *Engine) dropTemp(t *tempQuery) error {
	e.mu.Lock()
	mine := e.temps[t.id] == t
	delete(e.temps, t.id)
	e.mu.Unlock()
	if !mine {
		return nil
	}
	t.rq.Stop() // its error, if it failed, went to its subscriber
	return e.forgetTemp(t.id, t.tables)
}

func (e *Engine) forgetTemp(id string, tables []uint32) error {
	if err := runtime.Forget(e.store, id, tables); err != nil {
		return fmt.Errorf("delete the state of temporary query %s: %w", id, err)
	}
	return e.store.DeleteMeta(tempPrefix + id)
}

// forgetTemps deletes the state of temporary queries that were running
// when the engine last stopped without ending them (a crash).
func (e *Engine) forgetTemps() error {
	left := map[string][]uint32{}
	err := e.store.ScanMeta(tempPrefix, func(k string, v []byte) error {
		var tables []uint32
		if err := json.Unmarshal(v, &tables); err != nil {
			return fmt.Errorf("corrupt record of temporary query %s: %w", k, err)
		}
		left[k[len(tempPrefix):]] = tables
		return nil
	})
	if err != nil {
		return err
	}
	for id, tables := range left {
		if err := e.forgetTemp(id, tables); err != nil {
			return err
		}
	}
	return nil
}

// temporaries lists the running temporary queries, oldest first.
func (e *Engine) temporaries() []*tempQuery {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]*tempQuery, 0, len(e.temps))
	for _, t := range e.temps {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b *tempQuery) int { return cmp.Compare(a.seq, b.seq) })
	return out
}

// Activity counts what clients hold open in the engine right now.
type Activity struct {
	Subscriptions   int // open subscriptions (streams and cursors)
	TempQueries     int // temporary queries of SUBSCRIBE (query)
	Cursors         int // declared cursors, in every session
	ViewSubscribers int // subscribers the views' queries are feeding
}

// Activity reports what is open now: each count returns to zero once
// every client has closed or disconnected.
func (e *Engine) Activity() Activity {
	a := Activity{Subscriptions: int(e.subscriptions.Load()), Cursors: int(e.cursors.Load())}
	e.mu.Lock()
	a.TempQueries = len(e.temps)
	qs := make([]*runtime.Query, 0, len(e.running))
	for _, q := range e.running {
		qs = append(qs, q)
	}
	e.mu.Unlock()
	for _, q := range qs {
		a.ViewSubscribers += q.Subscribers()
	}
	return a
}
