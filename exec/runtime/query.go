package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"riffle/catalog"
	"riffle/connectors/kafka"
	"riffle/exec/expr"
	"riffle/exec/operator"
	"riffle/exec/state"
	"riffle/planner/physical"
	"riffle/sql/types"
)

// Deps are the shared services a query runs on.
type Deps struct {
	Store  *state.Store
	Kafka  *kafka.Cluster
	Writer *kafka.Writer
	Log    *slog.Logger
	// Registries give avro-confluent tables their schema registry.
	Registries *operator.Registries
	// EpochInterval is how long an exactly-once query's epochs last (0:
	// DefaultEpochInterval). Other queries commit after every poll.
	EpochInterval time.Duration
	// Zone is the session time zone the query's expressions read
	// TIMESTAMP_LTZ in (expr.Env.Zone); nil is UTC. A continuous query
	// keeps the zone of the session that created it.
	Zone *time.Location
}

// exprEnv is the environment the query's operators compile expressions in.
func (d Deps) exprEnv() expr.Env { return expr.Env{Zone: d.Zone} }

// Stats are a running query's counters.
type Stats struct {
	RecordsIn  int64 // records read from the sources
	RecordsOut int64 // changes emitted by the query (written to its sink)
	BadRecords int64 // records that could not be read (skipped or dead-lettered)
	// BadByTable splits BadRecords by the table the records were read as.
	BadByTable map[string]int64
	// DeadLetters are the bad records written to dead-letter topics.
	DeadLetters int64
	Lag         int64 // records in the sources not yet committed
	// LateRows are rows dropped as late: by a window whose watermark had
	// passed (beyond its allowed lateness), or at the source by a table's
	// 'scan.watermark.drop-late'.
	LateRows int64
	// Watermark is the event time (µs since the epoch) up to which the
	// query's output is complete; 0 when its inputs have no watermark.
	Watermark int64
}

// Query is a continuous query running in its own goroutine: it reads its
// source topics through one reader, pushes each batch through its tree of
// operators into its sink, and at the end of every epoch commits the
// operators' state and the source positions in one atomic write, so that
// after a crash it resumes exactly where its state says it was.
type Query struct {
	ID   string
	deps Deps
	plan *physical.Plan

	nodes      []opNode           // operators, in build order
	emit       []operator.Emitter // emit[i] delivers nodes[i]'s output to its parent
	routes     map[string][]route // scans of topics, by topic
	gens       []route            // scans of generated tables
	nroutes    int
	wroteKafka bool      // this epoch wrote records to Kafka: commit it durably
	lateRows   *lateRows // nil: late rows are counted only
	// deadLetters are the epoch's bad records for dead-letter topics.
	deadLetters []kafka.Record
	latest      map[string]bool // topics read from their end (scan.startup.mode)
	sink        operator.Operator
	sinkTables  int
	tables      []uint32
	reader      *kafka.Reader // nil when the query reads no topic
	txn         *state.Txn
	eos         *eos // nil: the query commits to Pebble alone
	// mute holds the positions up to which the query's output to Kafka is
	// dropped (RESET QUERY … MUTE OUTPUT); nil when it is not muted.
	mute kafka.Positions
	// flushes counts the WaitFors in progress: while there are any, an
	// exactly-once query ends its epoch after every poll. wake ends the
	// poll in progress early, so that a FLUSH does not wait out an epoch.
	flushes atomic.Int64
	wake    atomic.Pointer[context.CancelCauseFunc]

	in, out, bad, late atomic.Int64
	dead               atomic.Int64 // dead letters written
	finished           atomic.Bool  // every source was bounded and has ended
	outWm              atomic.Int64 // the watermark of the query's output (µs; 0 none)

	// epoch collects the changes the sink received this epoch, for
	// subscribers (a materialized view's query only).
	epoch types.Batch

	// heartbeats counts subscribers that want progress: while there are
	// any, an idle query commits every ProgressInterval.
	heartbeats atomic.Int64

	mu         sync.Mutex
	subs       []*Subscription
	commitTime int64           // wall-clock time of the last commit (µs)
	committed  kafka.Positions // next offsets, as of the last commit
	opened     bool            // the first epoch (the empty opening batch) has committed
	ending     bool            // a bounded scan has yet to reach its end
	changed    chan struct{}   // closed and replaced at every commit
	err        error

	cancel context.CancelFunc
	done   chan struct{}
}

// positionKey is where a query's committed source positions live.
func positionKey(id string) string { return "runtime/position/" + id }

// Start builds the plan's operators and runs the query until Stop. tables
// are the state table ids of the query's stateful operators, in the order
// the plan asks for them (see TablesNeeded).
func Start(deps Deps, id string, plan *physical.Plan, tables []uint32) (*Query, error) {
	q := &Query{ID: id, deps: deps, plan: plan, tables: tables, changed: make(chan struct{}), done: make(chan struct{})}
	if exactlyOnce(plan) {
		// Before anything reads the store: the changelog may be ahead.
		if err := q.openEOS(context.Background()); err != nil {
			return nil, err
		}
	}
	q.txn = deps.Store.Begin()
	if err := q.prepare(); err != nil {
		q.txn.Close()
		q.closeEOS()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	q.cancel = cancel
	if err := q.open(ctx); err != nil {
		cancel()
		q.closeReader()
		q.txn.Close()
		q.closeEOS()
		return nil, err
	}
	if q.eos != nil {
		q.eos.since = time.Now()
	}
	go q.run(ctx)
	return q, nil
}

// prepare builds the operators and positions the query's sources where its
// last commit left them.
func (q *Query) prepare() error {
	if err := q.build(); err != nil {
		return err
	}
	from, err := q.startPosition()
	if err != nil {
		return err
	}
	if err := q.restoreMute(); err != nil {
		return err
	}
	if len(q.routes) > 0 {
		if q.reader, err = kafka.NewTopicsReader(q.deps.Kafka, from); err != nil {
			return err
		}
		if q.mute != nil {
			// Muted reprocessing reads up to where it unmutes, commits,
			// and only then reads on.
			q.reader.Hold(q.mute)
		}
	}
	q.committed = from
	if err := q.bounds(context.Background()); err != nil {
		q.closeReader()
		return err
	}
	for topic, rs := range q.routes {
		for i := range rs {
			if rs[i].wm != nil {
				rs[i].wm.partitions(from[topic])
			}
		}
	}
	for i := range q.gens {
		if r := &q.gens[i]; r.wm != nil {
			r.wm.splits(r.gen.splits)
		}
	}
	if err := q.restoreWatermarks(); err != nil {
		q.closeReader()
		return err
	}
	if err := q.restoreGenerated(); err != nil {
		q.closeReader()
		return err
	}
	return nil
}

func (q *Query) closeReader() {
	if q.reader != nil {
		q.reader.Close()
	}
}

// position is where the query's reader is in its topics.
func (q *Query) position() kafka.Positions {
	if q.reader == nil {
		return kafka.Positions{}
	}
	return q.reader.Position()
}

// open opens the operators, handing each its own state tables in build
// order, the sink's last: the same ids after every restart.
func (q *Query) open(ctx context.Context) error {
	next := 0
	take := func(n int, ttl time.Duration) (*operator.Env, error) {
		base := next
		next += n
		if next > len(q.tables) {
			return nil, fmt.Errorf("query %s: plan needs more state tables than it was given", q.ID)
		}
		return &operator.Env{Table: func(j int) *state.Table { return q.txn.Table(q.tables[base+j]) }, TTL: ttl}, nil
	}
	q.emit = make([]operator.Emitter, len(q.nodes))
	for _, r := range q.allRoutes() {
		if r.policy == catalog.PolicyDeadLetter {
			if err := q.deps.Kafka.EnsureTopic(ctx, r.deadLetter, 1); err != nil {
				return fmt.Errorf("dead-letter topic of table %s: %w", r.table, err)
			}
		}
	}
	if q.plan.LateTable != nil {
		q.lateRows = newLateRows(q, q.plan.LateTable)
	}
	for i, n := range q.nodes {
		env, err := take(n.tables, n.ttl)
		if err != nil {
			return err
		}
		env.Late = q.reporter(n.in)
		if err := n.op.Open(ctx, env); err != nil {
			return err
		}
		q.emit[i] = operator.EmitFunc(func(ctx context.Context, b types.Batch) error {
			return q.push(ctx, n.parent, n.input, b)
		})
	}
	env, err := take(q.sinkTables, 0)
	if err != nil {
		return err
	}
	return q.sink.Open(ctx, env)
}

// startPosition reads the committed positions, or, for a new query, the
// positions its tables' startup modes name, committed at once so that a
// restart before the first epoch does not move them.
func (q *Query) startPosition() (kafka.Positions, error) {
	b, ok, err := q.deps.Store.GetMeta(positionKey(q.ID))
	if err != nil {
		return nil, err
	}
	if ok {
		pos := kafka.Positions{}
		if err := json.Unmarshal(b, &pos); err != nil {
			return nil, fmt.Errorf("query %s: corrupt position: %w", q.ID, err)
		}
		return pos, nil
	}
	ctx := context.Background()
	pos := kafka.Positions{}
	for _, topic := range slices.Sorted(maps.Keys(q.routes)) {
		var p map[int32]int64
		if q.latest[topic] {
			p, err = q.deps.Kafka.EndOffsets(ctx, topic)
		} else {
			p, err = q.deps.Kafka.StartOffsets(ctx, topic)
		}
		if err != nil {
			return nil, err
		}
		pos[topic] = p
	}
	b, _ = json.Marshal(pos)
	return pos, q.deps.Store.PutMeta(positionKey(q.ID), b)
}

func (q *Query) run(ctx context.Context) {
	defer close(q.done)
	defer q.closeReader()
	err := q.loop(ctx)
	// Stopped: a wait cut short by the stop may also end in a poll's own
	// timeout firing at the same moment.
	if (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) && ctx.Err() != nil {
		err = nil
	}
	if errors.Is(err, errFinished) {
		q.finished.Store(true)
		err = nil
	}
	for _, n := range q.nodes {
		n.op.Close()
	}
	q.sink.Close()
	q.txn.Close()
	q.closeEOS()
	q.mu.Lock()
	q.err = err
	q.endSubscriptions(err)
	close(q.changed)
	q.changed = make(chan struct{})
	q.mu.Unlock()
	if err != nil && q.deps.Log != nil {
		q.deps.Log.Error("query failed", "query", q.ID, "err", err)
	}
}

// loop runs epochs: one poll of the sources, its batches through the
// operators, then a barrier and a commit.
func (q *Query) loop(ctx context.Context) error {
	// The first epoch gives every operator an empty batch, leaves first:
	// those that have output before any input (a global aggregate's one
	// row) emit it now, and it flows on to the sink.
	for i := len(q.nodes) - 1; i >= 0; i-- {
		if err := q.nodes[i].op.OnBatch(ctx, 0, nil, q.emit[i]); err != nil {
			return err
		}
	}
	// A restarted query carries its restored watermarks down first, so its
	// operators judge lateness as before the restart.
	if err := q.advanceWatermarks(ctx); err != nil {
		return err
	}
	if err := q.commit(ctx); err != nil {
		return err
	}
	for {
		if all, err := q.endBounded(ctx); err != nil {
			return err
		} else if all {
			// Every source has ended: commit what the final watermarks
			// fired, and finish.
			if err := q.commit(ctx); err != nil {
				return err
			}
			return errFinished
		}
		n, bad, batches, err := q.poll(ctx)
		if err != nil {
			return err
		}
		q.epochRead()
		q.in.Add(int64(n))
		q.bad.Add(int64(bad))
		for _, r := range q.pollOrder() {
			if b := batches[r]; len(b) > 0 {
				if err := q.push(ctx, r.parent, r.input, b); err != nil {
					return err
				}
			}
		}
		if err := q.advanceWatermarks(ctx); err != nil {
			return err
		}
		if err := q.tick(ctx); err != nil {
			return err
		}
		if q.eos != nil && !q.epochDue() {
			// The epoch goes on: the operators flush their caches into
			// it and the sink writes into its transaction, as at every
			// poll, but nothing commits yet.
			if err := q.barrier(ctx); err != nil {
				return err
			}
			continue
		}
		if err := q.commit(ctx); err != nil {
			return err
		}
	}
}

// tick gives the operators that act on processing time their ticks, each
// once its interval has passed since its last.
func (q *Query) tick(ctx context.Context) error {
	now := time.Now()
	for i := range q.nodes {
		n := &q.nodes[i]
		t, ok := n.op.(operator.Ticker)
		if !ok || t.TickEvery() <= 0 || now.Sub(n.ticked) < t.TickEvery() {
			continue
		}
		n.ticked = now
		if err := t.OnTick(ctx, q.emit[i]); err != nil {
			return err
		}
	}
	return nil
}

// push delivers a batch to input of operator i (-1: the sink).
func (q *Query) push(ctx context.Context, i, input int, b types.Batch) error {
	if i < 0 {
		q.out.Add(int64(len(b)))
		_, table := q.plan.Sink.(*physical.TableSink)
		if table && q.mute != nil {
			return nil // reprocessing with output muted
		}
		if table && len(b) > 0 {
			q.wroteKafka = true
		}
		if _, view := q.plan.Sink.(*physical.ViewSink); view {
			q.epoch = append(q.epoch, b...) // rows are not reused: the Change is all to copy
		}
		return q.sink.OnBatch(ctx, 0, b, nil)
	}
	return q.nodes[i].op.OnBatch(ctx, input, b, q.emit[i])
}

// barrier has the operators flush their caches into the epoch's
// transaction and the sink write what it holds.
func (q *Query) barrier(ctx context.Context) error {
	for _, n := range q.nodes {
		if err := n.op.OnBarrier(ctx); err != nil {
			return err
		}
	}
	if err := q.sink.OnBarrier(ctx); err != nil {
		return err
	}
	if err := q.flushDeadLetters(ctx); err != nil {
		return err
	}
	if q.lateRows != nil {
		if len(q.lateRows.pending) > 0 {
			q.wroteKafka = true
		}
		if err := q.lateRows.flush(ctx); err != nil {
			return err
		}
	}
	return nil
}

// commit ends the epoch: operators flush into the transaction, which then
// commits together with the source positions (for an exactly-once query,
// after the Kafka transaction holding the epoch's output and changelog has
// committed). The same Txn carries on into the next epoch, so operators
// keep the tables they opened.
func (q *Query) commit(ctx context.Context) error {
	if err := q.barrier(ctx); err != nil {
		return err
	}
	pos := q.position()
	b, _ := json.Marshal(pos)
	q.txn.PutMeta(positionKey(q.ID), b)
	q.saveWatermarks()
	q.saveGenerated()
	q.checkMute()
	sync := q.wroteKafka
	if q.eos != nil {
		if err := q.writeChanges(ctx, q.epoch); err != nil {
			return err
		}
		var groupPos kafka.Positions
		if q.reader != nil {
			groupPos = pos
		}
		next, err := q.commitKafka(ctx, groupPos)
		if err != nil {
			return err
		}
		q.txn.PutMeta(changelogKey(q.ID), []byte(strconv.FormatInt(next, 10)))
		// The changelog has the epoch: a commit Pebble loses in a crash
		// is restored from it.
		sync = false
		q.eos.since = time.Now()
	}
	// The commit and the hand-off to subscribers happen under the lock a new
	// subscriber takes to read the view, so it sees each epoch exactly once:
	// in its snapshot or as changes.
	q.mu.Lock()
	defer q.mu.Unlock()
	// A query that wrote to Kafka this epoch commits durably: Pebble may
	// otherwise still hold the commit in its log buffer when the process
	// dies, and the restarted query would write the epoch's records again
	// though FLUSH had already said they were done. (A view's state and
	// position commit together either way, so it needs no fsync.)
	if err := q.txn.Commit(sync); err != nil {
		return fmt.Errorf("commit query %s: %w", q.ID, err)
	}
	q.wroteKafka = false
	q.commitTime = time.Now().UnixMicro()
	q.publish(q.epoch, q.commitTime)
	q.epoch = q.epoch[:0]
	q.committed = pos
	q.ending = false
	for _, r := range q.allRoutes() {
		if r.bounded() && !r.done {
			q.ending = true
		}
	}
	q.opened = true
	close(q.changed)
	q.changed = make(chan struct{})
	return nil
}

// Stop ends the query and waits for it. Its state and positions stay in
// the store, so Start with the same id continues where it stopped.
func (q *Query) Stop() error {
	q.cancel()
	<-q.done
	return q.Err()
}

// Err is the error the query failed with, if it did.
func (q *Query) Err() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.err
}

// Done is closed when the query has stopped (or failed).
func (q *Query) Done() <-chan struct{} { return q.done }

// Topics are the topics the query reads.
func (q *Query) Topics() []string { return slices.Sorted(maps.Keys(q.routes)) }

// Stats returns the query's counters; end are the sources' end offsets,
// for the lag (nil to skip it).
func (q *Query) Stats(end kafka.Positions) Stats {
	s := Stats{RecordsIn: q.in.Load(), RecordsOut: q.out.Load(), BadRecords: q.bad.Load(),
		LateRows: q.late.Load(), Watermark: q.outWm.Load(), DeadLetters: q.dead.Load(), BadByTable: map[string]int64{}}
	for _, r := range q.allRoutes() {
		if r.bad != nil {
			s.BadByTable[r.table] += r.bad.Load()
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for t, ps := range end {
		for p, e := range ps {
			if c := q.committed[t][p]; e > c {
				s.Lag += e - c
			}
		}
	}
	return s
}

// WaitFor blocks until the query has committed every record before end
// (next offsets per topic and partition), the query stops, or ctx is done.
func (q *Query) WaitFor(ctx context.Context, end kafka.Positions) error {
	// An exactly-once query ends its epochs at once while someone waits.
	q.flushes.Add(1)
	defer q.flushes.Add(-1)
	if wake := q.wake.Load(); wake != nil {
		(*wake)(errWake)
	}
	for {
		q.mu.Lock()
		// A bounded scan that has not sent its final watermark yet has
		// results to give even with every record read.
		caught := q.opened && !q.ending
		for t, ps := range end {
			for p, e := range ps {
				if q.committed[t][p] < e {
					caught = false
				}
			}
		}
		ch, err := q.changed, q.err
		q.mu.Unlock()
		if caught {
			return nil
		}
		select {
		case <-q.done:
			if q.finished.Load() {
				return nil // it has read all it ever will
			}
			if err == nil {
				err = q.Err()
			}
			if err == nil {
				err = fmt.Errorf("query %s stopped", q.ID)
			}
			return err
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// Forget deletes what a dropped query kept in the store: its state tables
// and its source positions. The query must not be running.
func Forget(store *state.Store, id string, tables []uint32) error {
	for _, t := range tables {
		if err := store.DropTable(t); err != nil {
			return err
		}
	}
	for _, k := range []string{watermarkKey(id), lateKey(id), boundKey(id), generatedKey(id), muteKey(id), changelogKey(id)} {
		if err := store.DeleteMeta(k); err != nil {
			return err
		}
	}
	return store.DeleteMeta(positionKey(id))
}

// Finished reports whether the query ended because every source it reads
// is bounded and has been read to its end.
func (q *Query) Finished() bool { return q.finished.Load() }

// OutputKey is the stream key of the query's result (nil when rows are not
// identified by a key), for rendering its changes as updates.
func (q *Query) OutputKey() []int { return q.plan.Root.Props().Key }
