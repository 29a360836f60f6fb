package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"riffle/catalog"
	"riffle/connectors/kafka"
	"riffle/exec/operator"
	"riffle/exec/runtime"
	"riffle/exec/state"
	"riffle/planner/bind"
	"riffle/planner/logical"
	"riffle/planner/physical"
	"riffle/server/pgwire"
	"riffle/sql/parse"
)

// Config says where the engine keeps its state and which Kafka cluster it
// reads and writes.
type Config struct {
	// DataDir holds the Pebble store (catalog, operator state, positions).
	DataDir string
	// Brokers are the Kafka bootstrap addresses.
	Brokers []string
	// RegistryURL is the schema registry of avro-confluent tables that
	// name none.
	RegistryURL string
	// Partitions is the partition count of topics riffle creates.
	Partitions int
	// AutoCreateTopics creates a table's missing topic at CREATE TABLE.
	AutoCreateTopics bool
	// EpochInterval is how long the epochs of exactly-once queries last
	// (0: runtime.DefaultEpochInterval).
	EpochInterval time.Duration
	// Parallelism is how many tasks run a new continuous query whose
	// session does not SET 'parallelism.default' (0: the number of cores),
	// at most as many as its sources have partitions.
	Parallelism int
	Log         *slog.Logger
	// QueryStarted, when set, is told of every continuous query as it
	// starts, for an in-process benchmark to read its figures (its sink's
	// counts, when it ended) even after the engine has let it go.
	QueryStarted func(id string, q *runtime.Query)
}

// Engine runs statements against the catalog, the store and Kafka. It is
// safe for concurrent use by many sessions.
type Engine struct {
	cfg   Config
	store *state.Store
	cat   *catalog.Catalog
	kafka *kafka.Cluster
	deps  runtime.Deps

	// ddl serialises statements that change the catalog, so two sessions
	// creating the same name cannot both succeed.
	ddl sync.Mutex

	mu      sync.Mutex
	running map[string]*runtime.Query // by lower-case query id
	// watchers counts the goroutines that record how a query ended; Close
	// waits for them before it closes the store they write to.
	watchers sync.WaitGroup
	// closing is closed when Close begins, ending the waits of watchers
	// about to restart a query; closed (under mu) keeps them from starting
	// one after Close has collected the running queries.
	closing chan struct{}
	closed  bool

	temps         map[string]*tempQuery // SUBSCRIBE (query)'s, by id; under mu
	tempSeq       atomic.Int64
	subscriptions atomic.Int64 // open subscriptions, for Activity
	cursors       atomic.Int64 // declared cursors, for Activity
}

var _ pgwire.Handler = (*Engine)(nil)

// Open opens the store and the catalog, connects to Kafka and restarts
// every query that was running when the engine last stopped.
func Open(ctx context.Context, cfg Config) (*Engine, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Partitions < 1 {
		cfg.Partitions = 1
	}
	store, err := state.Open(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("open state store in %s: %w", cfg.DataDir, err)
	}
	cat, err := catalog.Open(store)
	if err != nil {
		store.Close()
		return nil, err
	}
	kc, err := kafka.Connect(ctx, cfg.Brokers)
	if err != nil {
		store.Close()
		return nil, err
	}
	e := &Engine{cfg: cfg, store: store, cat: cat, kafka: kc, running: map[string]*runtime.Query{},
		temps: map[string]*tempQuery{}, closing: make(chan struct{})}
	if err := e.forgetTemps(); err != nil {
		kc.Close()
		store.Close()
		return nil, err
	}
	e.deps = runtime.Deps{Store: store, Kafka: kc, Writer: kafka.NewWriter(kc), Log: cfg.Log,
		Registries: operator.NewRegistries(cfg.RegistryURL), EpochInterval: cfg.EpochInterval}
	e.restart()
	return e, nil
}

// restart starts every query the catalog says is running. A query that
// cannot start is marked failed with its error; the others run.
func (e *Engine) restart() {
	for _, q := range e.cat.Queries() {
		if q.State != catalog.Running {
			continue
		}
		if err := e.startQuery(q); err != nil {
			e.cfg.Log.Error("restart query", "query", q.ID, "err", err)
			q.State, q.Error = catalog.Failed, err.Error()
			e.cat.UpdateQuery(q)
		}
	}
}

// startQuery plans a stored query again from its statement and runs it
// with the state tables it was given when created.
func (e *Engine) startQuery(q *catalog.Query) error {
	plan, err := e.planStored(q)
	if err != nil {
		return err
	}
	plan.StateTTL = q.StateTTL
	if plan.LateTable, err = e.lateTable(q.Settings); err != nil {
		return err
	}
	deps := e.deps
	deps.Zone = zoneOf(q.Settings)
	deps.Batch = miniBatchOf(q.Settings)
	rq, err := runtime.Start(deps, q.ID, plan, q.Tables)
	if err != nil {
		return err
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return rq.Stop()
	}
	e.running[key(q.ID)] = rq
	e.watchers.Add(1)
	e.mu.Unlock()
	if e.cfg.QueryStarted != nil {
		e.cfg.QueryStarted(q.ID, rq)
	}
	go e.watch(q.ID, rq)
	return nil
}

// watch records in the catalog how a query ended on its own: failed, or
// finished reading bounded tables.
func (e *Engine) watch(id string, rq *runtime.Query) {
	defer e.watchers.Done()
	<-rq.Done()
	err := rq.Err()
	if err == nil && !rq.Finished() {
		return
	}
	if runtime.Restartable(err) && e.restartFailed(id, rq, err) {
		return
	}
	// The catalog first: SHOW QUERIES must not see the query gone from
	// the running ones while its state still says RUNNING.
	if q := e.cat.Query(id); q != nil {
		if err != nil {
			q.State, q.Error = catalog.Failed, err.Error()
		} else {
			q.State = catalog.Finished
		}
		e.cat.UpdateQuery(q)
	}
	e.mu.Lock()
	if e.running[key(id)] == rq {
		delete(e.running, key(id))
	}
	e.mu.Unlock()
}

// restartFailed starts again a query that stopped with a restartable error
// (a Kafka transaction refused or lost), from its last commit, after a
// pause, retrying while starting fails the same way. It reports false when
// the query should be recorded as failed instead.
func (e *Engine) restartFailed(id string, rq *runtime.Query, err error) bool {
	e.cfg.Log.Warn("query stopped; restarting it from its last commit", "query", id, "err", err)
	for pause := 200 * time.Millisecond; ; pause = min(2*pause, 5*time.Second) {
		select {
		case <-e.closing:
			return true
		case <-time.After(pause):
		}
		e.mu.Lock()
		current := e.running[key(id)] == rq
		e.mu.Unlock()
		q := e.cat.Query(id)
		if !current || q == nil || q.State != catalog.Running {
			return true // stopped, dropped or altered meanwhile
		}
		err := e.startQuery(q)
		if err == nil {
			return true
		}
		if !runtime.Restartable(err) {
			return false
		}
		e.cfg.Log.Warn("restart query", "query", id, "err", err)
	}
}

// planStored re-plans a stored query from its statement text.
func (e *Engine) planStored(q *catalog.Query) (*physical.Plan, error) {
	stmt, err := parse.ParseOne(q.SQL)
	if err != nil {
		return nil, err
	}
	b := &bind.Binder{Cat: e.cat, Src: stmt.Source(), Params: []*string{}, Emit: emitOf(q.Settings), Zone: zoneOf(q.Settings),
		Planner: storedPlanner(q), WholeLateRows: q.Settings[lateTableSetting] != ""}
	var plan *physical.Plan
	switch st := stmt.(type) {
	case *parse.CreateView:
		view := e.cat.Get(st.Name.Name)
		if view == nil {
			return nil, fmt.Errorf("query %s: view %s is gone", q.ID, st.Name.Name)
		}
		node, err := b.Query(st.Query)
		if err != nil {
			return nil, err
		}
		if plan, err = build(b, node, &physical.ViewSink{View: view}); err != nil {
			return nil, err
		}
	case *parse.Insert:
		target, node, err := b.Insert(st)
		if err != nil {
			return nil, err
		}
		if plan, err = build(b, node, physical.SinkFor(target)); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("query %s: statement is not a continuous query", q.ID)
	}
	plan.Parallelize(queryParallelism(q.Settings))
	return plan, nil
}

// Close stops every query (their state stays committed) and closes the
// store and the Kafka connection.
func (e *Engine) Close() error {
	e.mu.Lock()
	e.closed = true
	close(e.closing)
	qs := make([]*runtime.Query, 0, len(e.running))
	for _, q := range e.running {
		qs = append(qs, q)
	}
	e.running = map[string]*runtime.Query{}
	temps := make([]*tempQuery, 0, len(e.temps))
	for _, t := range e.temps {
		temps = append(temps, t)
	}
	e.mu.Unlock()
	var errs []error
	for _, t := range temps {
		errs = append(errs, e.dropTemp(t)) // their subscribers see the query stop
	}
	for _, q := range qs {
		if err := q.Stop(); err != nil {
			errs = append(errs, err)
		}
	}
	e.watchers.Wait()
	e.deps.Writer.Close()
	e.kafka.Close()
	errs = append(errs, e.store.Close())
	return errors.Join(errs...)
}

// Connect opens a session (pgwire.Handler).
func (e *Engine) Connect(_ context.Context, params map[string]string) (pgwire.Conn, error) {
	return newSession(e, params), nil
}

// stop stops a running query, if it runs, and forgets it.
func (e *Engine) stop(id string) {
	e.mu.Lock()
	rq := e.running[key(id)]
	delete(e.running, key(id))
	e.mu.Unlock()
	if rq != nil {
		rq.Stop()
	}
}

// query returns the running query with the given id.
func (e *Engine) query(id string) *runtime.Query {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.running[key(id)]
}

// build makes the plan of a continuous query, with the state TTLs of its
// STATE_TTL hints.
func build(b *bind.Binder, root logical.Node, sink physical.Sink) (*physical.Plan, error) {
	p, err := physical.Build(root, sink)
	if err != nil {
		return nil, err
	}
	p.ApplyHints(b.HintTTL)
	return p, nil
}
