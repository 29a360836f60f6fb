package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
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
	// Batch is the most records a round reads: from the query's topics in
	// one poll, and from each generated table (0: DefaultBatch). A larger
	// round touches each key's state once for more records, at the cost
	// of latency and memory ('table.exec.mini-batch.size').
	Batch int
}

// DefaultBatch is the most records a round reads when Deps.Batch is 0:
// about one Kafka fetch's worth.
const DefaultBatch = kafka.MaxPollRecords

// batch is the most records a round reads.
func (d Deps) batch() int {
	if d.Batch > 0 {
		return d.Batch
	}
	return DefaultBatch
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
	// Tasks are how many tasks run each part of the query between its
	// exchanges, the sink's part first (see physical.Parallelize).
	Tasks []int
}

// Query is a continuous query: a goroutine of its own that reads the
// source topics through one reader, and tasks (task.go) that run the
// plan's operators in parallel, each on its share of the partitions or of
// the keys (physical.Parallelize). The query drives them in rounds: it
// polls, hands each task the records of its partitions, merges the
// sources' watermarks, and once every task has ended the round (its
// operators have flushed their state), commits every task's state, the
// source positions and the sink's output in one atomic write, so that
// after a crash it resumes exactly where its state says it was.
type Query struct {
	ID   string
	deps Deps
	plan *physical.Plan

	frags      []*fragment // the plan's parts, the root's (the sink's) first
	tasks      []*task     // every fragment's tasks, fragment by fragment
	scans      []*scan     // by id: build order
	tables     []uint32    // the ids of its state tables
	nextTable  int         // build's count of state tables handed out
	sinkTables int
	sinkBase   int
	blackhole  *operator.Blackhole // a blackhole sink, shared by the root's tasks
	wroteKafka bool                // this epoch wrote records to Kafka: commit it durably
	lateRows   *lateRows           // nil: late rows are counted only
	lateMu     sync.Mutex
	// deadLetters are the epoch's bad records for dead-letter topics.
	deadLetters []kafka.Record
	latest      map[string]bool // topics read from their end (scan.startup.mode)
	reader      *kafka.Reader   // nil when the query reads no topic
	txn         *state.Txn      // the query's own writes: positions, watermarks
	eos         *eos            // nil: the query commits to Pebble alone
	events      chan taskEvent  // the tasks' reports of their rounds
	failed      chan error      // the tasks' failures
	stopTasks   context.CancelCauseFunc
	tasksDone   sync.WaitGroup
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

// Start builds the plan's tasks and runs the query until Stop. tables are
// the state table ids of the query's stateful operators, in the order the
// plan asks for them (see TablesNeeded).
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
		q.closeTasks()
		q.closeEOS()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	q.cancel = cancel
	if err := q.open(ctx); err != nil {
		cancel()
		q.closeReader()
		q.closeTasks()
		q.closeEOS()
		return nil, err
	}
	if q.eos != nil {
		q.eos.since = time.Now()
	}
	q.startTasks(ctx)
	go q.run(ctx)
	return q, nil
}

// prepare builds the tasks and positions the query's sources where its
// last commit left them.
func (q *Query) prepare() error {
	if err := q.build(); err != nil {
		return err
	}
	if err := q.checkParallelism(); err != nil {
		return err
	}
	from, err := q.startPosition()
	if err != nil {
		return err
	}
	if err := q.restoreMute(); err != nil {
		return err
	}
	if len(q.topics()) > 0 {
		if q.reader, err = kafka.NewTopicsReader(q.deps.Kafka, from); err != nil {
			return err
		}
		q.reader.Max = q.deps.Batch
		if q.mute != nil {
			// Muted reprocessing reads up to where it unmutes, commits,
			// and only then reads on.
			q.reader.Hold(q.mute)
		}
	}
	q.committed = from
	q.trimOrder(from)
	if err := q.bounds(context.Background()); err != nil {
		q.closeReader()
		return err
	}
	for _, sc := range q.scans {
		switch {
		case sc.wm == nil:
		case sc.gen != nil:
			sc.wm.splits(sc.gen.splits)
		default:
			sc.wm.partitions(from[sc.topic])
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
	q.shareWatermarks()
	return nil
}

func (q *Query) closeReader() {
	if q.reader != nil {
		q.reader.Close()
	}
}

// closeTasks closes every task's operators and transaction, and the
// query's own.
func (q *Query) closeTasks() {
	for _, t := range q.tasks {
		t.close()
	}
	q.txn.Close()
}

// position is where the query's reader is in its topics.
func (q *Query) position() kafka.Positions {
	if q.reader == nil {
		return kafka.Positions{}
	}
	return q.reader.Position()
}

// open opens every task's operators, on the state tables build handed out.
func (q *Query) open(ctx context.Context) error {
	for _, sc := range q.scans {
		if sc.policy == catalog.PolicyDeadLetter && sc.first {
			if err := q.deps.Kafka.EnsureTopic(ctx, sc.deadLetter, 1); err != nil {
				return fmt.Errorf("dead-letter topic of table %s: %w", sc.table, err)
			}
		}
	}
	if q.plan.LateTable != nil {
		q.lateRows = newLateRows(q, q.plan.LateTable)
	}
	if q.nextTable+q.sinkTables > len(q.tables) {
		return fmt.Errorf("query %s: plan needs more state tables than it was given", q.ID)
	}
	for _, t := range q.tasks {
		if err := t.open(ctx); err != nil {
			return err
		}
	}
	return nil
}

// startTasks starts every task's goroutine, under a context of their own
// that the query cancels when it stops or one of them fails.
func (q *Query) startTasks(ctx context.Context) {
	tctx, stop := context.WithCancelCause(ctx)
	q.stopTasks = stop
	q.events = make(chan taskEvent, 2*len(q.tasks))
	q.failed = make(chan error, len(q.tasks))
	for _, t := range q.tasks {
		q.tasksDone.Add(1)
		go func() {
			defer q.tasksDone.Done()
			if err := t.run(tctx, q.events); err != nil {
				q.failed <- err
			}
		}()
	}
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
	for _, topic := range q.topics() {
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
	// The parts of its keyed state are recorded with its first position:
	// a position without them is a query from before they were.
	if err := q.deps.Store.PutMeta(parallelismKey(q.ID), []byte(strconv.Itoa(q.stateParts()))); err != nil {
		return nil, err
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
	q.stopTasks(errStopped)
	q.tasksDone.Wait()
	q.closeTasks()
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

// errStopped ends the tasks of a query that stops.
var errStopped = errors.New("query stopped")

// loop runs epochs: rounds of one poll of the sources each, then a commit.
func (q *Query) loop(ctx context.Context) error {
	// The first round gives every operator an empty batch, and carries the
	// restored watermarks down (a restarted query's operators judge
	// lateness as before the restart).
	if err := q.round(ctx, true, nil, time.Now()); err != nil {
		return err
	}
	if err := q.commit(ctx); err != nil {
		return err
	}
	for {
		if all, err := q.endBounded(); err != nil {
			return err
		} else if all {
			// Every source has ended: a last round carries the final
			// watermarks down; commit what they fired, and finish.
			if err := q.round(ctx, false, nil, time.Now()); err != nil {
				return err
			}
			if err := q.commit(ctx); err != nil {
				return err
			}
			return errFinished
		}
		recs, err := q.poll(ctx)
		if err != nil {
			return err
		}
		q.epochRead()
		q.in.Add(int64(len(recs)))
		if err := q.round(ctx, false, recs, time.Now()); err != nil {
			return err
		}
		if q.eos != nil && !q.epochDue() {
			// The epoch goes on: the operators have flushed their caches
			// into it and the sink has written into its transaction, as
			// at every round, but nothing commits yet.
			if err := q.flushExtras(ctx); err != nil {
				return err
			}
			continue
		}
		if err := q.commit(ctx); err != nil {
			return err
		}
	}
}

// round runs one round of every task: each reads its records of recs (or,
// in the first round, gives its operators their empty batch), then the
// sources' watermarks, merged over every task, go down and every task ends
// the round with a barrier.
func (q *Query) round(ctx context.Context, open bool, recs []kafka.Record, now time.Time) error {
	shares := q.share(recs)
	readers := 0
	// The fragments nearer the sink first: a task must have its first
	// round's command before the rows of the tasks below it arrive.
	for _, t := range q.tasks {
		if !open && len(t.routes) == 0 {
			continue
		}
		if err := q.command(ctx, t, message{kind: msgRead, open: open, recs: shares[t], now: now}); err != nil {
			return err
		}
		readers++
	}
	if err := q.await(ctx, 1, readers); err != nil {
		return err
	}
	wms := q.mergeWatermarks()
	for _, t := range q.tasks {
		if len(t.routes) > 0 {
			if err := q.command(ctx, t, message{kind: msgMark, wms: wms}); err != nil {
				return err
			}
		}
	}
	if err := q.await(ctx, 2, len(q.tasks)); err != nil {
		return err
	}
	for _, t := range q.tasks {
		q.deadLetters = append(q.deadLetters, t.deadLetters...)
		t.deadLetters = t.deadLetters[:0]
	}
	return nil
}

// command sends a task a command of the query's.
func (q *Query) command(ctx context.Context, t *task, m message) error {
	select {
	case t.inbox <- m:
		return nil
	case err := <-q.failed:
		return err // a task failed while the inbox was full
	case <-ctx.Done():
		return ctx.Err()
	}
}

// await waits for n tasks to report the given phase of the round; a task's
// failure ends the wait with its error.
func (q *Query) await(ctx context.Context, phase, n int) error {
	for n > 0 {
		select {
		case ev := <-q.events:
			if ev.phase != phase {
				return fmt.Errorf("query %s: a task reported phase %d in phase %d", q.ID, ev.phase, phase)
			}
			n--
		case err := <-q.failed:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// share splits a poll's records between the tasks that own their
// partitions: in every fragment that reads a record's topic, the task
// that owns its partition gets it, in the order read.
func (q *Query) share(recs []kafka.Record) map[*task][]kafka.Record {
	if len(recs) == 0 {
		return nil
	}
	readers := map[string][]*fragment{}
	for _, sc := range q.scans {
		if sc.topic != "" && !slices.Contains(readers[sc.topic], sc.frag) {
			readers[sc.topic] = append(readers[sc.topic], sc.frag)
		}
	}
	out := map[*task][]kafka.Record{}
	for i := range recs {
		rec := &recs[i]
		for _, f := range readers[rec.Topic] {
			t := f.tasks[int(rec.Partition)%f.n]
			out[t] = append(out[t], *rec)
		}
	}
	return out
}

// toSink delivers a batch to the sink, from the root fragment's task.
func (q *Query) toSink(ctx context.Context, sink operator.Operator, b types.Batch) error {
	q.out.Add(int64(len(b)))
	_, table := q.plan.Sink.(*physical.TableSink)
	if _, file := q.plan.Sink.(*physical.FileSink); file && len(b) > 0 {
		// Its files become visible after the commit: the commit must
		// be durable first, or a crash would write their rows again.
		q.wroteKafka = true
	}
	if table && q.mute != nil {
		return nil // reprocessing with output muted
	}
	if table && len(b) > 0 {
		q.wroteKafka = true
	}
	if _, view := q.plan.Sink.(*physical.ViewSink); view {
		q.epoch = append(q.epoch, b...) // rows are not reused: the Change is all to copy
	}
	return sink.OnBatch(ctx, 0, b, nil)
}

// flushExtras writes what the round left for the query itself, before
// the epoch commits: dead letters and late rows.
func (q *Query) flushExtras(ctx context.Context) error {
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

// txns are the transactions an epoch commits: the query's and its tasks'.
func (q *Query) txns() []*state.Txn {
	out := []*state.Txn{q.txn}
	for _, t := range q.tasks {
		if t.txn != nil {
			out = append(out, t.txn)
		}
	}
	return out
}

// pending sums the epoch's writes over every transaction.
func (q *Query) pending() (writes, bytes int) {
	for _, t := range q.txns() {
		w, b := t.Pending()
		writes, bytes = writes+w, bytes+b
	}
	return writes, bytes
}

// commit ends the epoch after a round: the query's own writes and every
// task's commit together with the source positions (for an exactly-once
// query, after the Kafka transaction holding the epoch's output and
// changelog has committed). The same Txns carry on into the next epoch, so
// operators keep the tables they opened.
func (q *Query) commit(ctx context.Context) error {
	if err := q.flushExtras(ctx); err != nil {
		return err
	}
	pos := q.position()
	b, _ := json.Marshal(pos)
	q.txn.PutMeta(positionKey(q.ID), b)
	q.saveWatermarks()
	q.saveGenerated()
	q.saveParallelism()
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
	if err := q.deps.Store.CommitAll(sync, q.txns()...); err != nil {
		return fmt.Errorf("commit query %s: %w", q.ID, err)
	}
	q.wroteKafka = false
	if c, ok := q.sink().(operator.Committer); ok {
		if err := c.Committed(); err != nil {
			return fmt.Errorf("query %s: %w", q.ID, err)
		}
	}
	q.commitTime = time.Now().UnixMicro()
	q.publish(q.epoch, q.commitTime)
	q.epoch = q.epoch[:0]
	q.committed = pos
	q.ending = false
	for _, sc := range q.scans {
		if sc.bounded() && !sc.done {
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
func (q *Query) Topics() []string { return q.topics() }

// Stats returns the query's counters; end are the sources' end offsets,
// for the lag (nil to skip it).
func (q *Query) Stats(end kafka.Positions) Stats {
	s := Stats{RecordsIn: q.in.Load(), RecordsOut: q.out.Load(), BadRecords: q.bad.Load(),
		LateRows: q.late.Load(), Watermark: q.outWm.Load(), DeadLetters: q.dead.Load(), BadByTable: map[string]int64{}}
	for _, sc := range q.scans {
		if sc.bad != nil && sc.first {
			s.BadByTable[sc.table] += sc.bad.Load()
		}
	}
	s.Tasks = q.taskCounts()
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
	for _, k := range []string{watermarkKey(id), lateKey(id), boundKey(id), generatedKey(id), muteKey(id), parallelismKey(id), changelogKey(id)} {
		if err := store.DeleteMeta(k); err != nil {
			return err
		}
	}
	return store.DeleteMeta(positionKey(id))
}

// Finished reports whether the query ended because every source it reads
// is bounded and has been read to its end.
func (q *Query) Finished() bool { return q.finished.Load() }

// Parallelism is how many tasks run the query's parallel parts.
func (q *Query) Parallelism() int { return max(q.plan.Parallelism, 1) }

// OutputKey is the stream key of the query's result (nil when rows are not
// identified by a key), for rendering its changes as updates.
func (q *Query) OutputKey() []int { return q.plan.Root.Props().Key }
