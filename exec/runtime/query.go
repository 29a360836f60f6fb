package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"riffle/connectors/kafka"
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
}

// Stats are a running query's counters.
type Stats struct {
	RecordsIn  int64 // records read from the source
	RecordsOut int64 // changes emitted by the query (written to its sink)
	BadRecords int64 // records that could not be decoded and were skipped
	Lag        int64 // records in the source not yet committed
}

// Query is a continuous query running in its own goroutine: it reads its
// source topic, pushes batches through its operators into its sink, and at
// the end of every epoch commits the operators' state and the source
// position in one atomic write, so that after a crash it resumes exactly
// where its state says it was.
type Query struct {
	ID   string
	deps Deps
	plan *physical.Plan

	src        *source
	ops        []operator.Operator
	opTables   []int // how many state tables each of ops keeps
	sink       operator.Operator
	sinkTables int
	tables     []uint32
	txn        *state.Txn

	in, out, bad atomic.Int64

	mu        sync.Mutex
	committed map[int32]int64 // next offset per partition, as of the last commit
	opened    bool            // the first epoch (the empty opening batch) has committed
	changed   chan struct{}   // closed and replaced at every commit
	err       error

	cancel context.CancelFunc
	done   chan struct{}
}

// positionKey is where a query's committed source position lives.
func positionKey(id string) string { return "runtime/position/" + id }

// Start builds the plan's operators and runs the query until Stop. tables
// are the state table ids of the query's stateful operators, in the order
// the plan asks for them (see TablesNeeded).
func Start(deps Deps, id string, plan *physical.Plan, tables []uint32) (*Query, error) {
	q := &Query{ID: id, deps: deps, plan: plan, tables: tables, changed: make(chan struct{}), done: make(chan struct{})}
	if err := q.build(); err != nil {
		return nil, err
	}
	from, err := q.startPosition()
	if err != nil {
		return nil, err
	}
	if err := q.src.open(deps.Kafka, from); err != nil {
		return nil, err
	}
	q.committed = from
	ctx, cancel := context.WithCancel(context.Background())
	q.cancel = cancel
	q.txn = deps.Store.Begin()
	if err := q.open(ctx); err != nil {
		cancel()
		q.src.close()
		q.txn.Close()
		return nil, err
	}
	go q.run(ctx)
	return q, nil
}

// open opens the operators, handing each its own state tables in plan
// order (source side first, the sink last): the same ids after every
// restart.
func (q *Query) open(ctx context.Context) error {
	next := 0
	ops := append(append([]operator.Operator(nil), q.ops...), q.sink)
	counts := append(append([]int(nil), q.opTables...), q.sinkTables)
	for i, op := range ops {
		base := next
		next += counts[i]
		if next > len(q.tables) {
			return fmt.Errorf("query %s: plan needs more state tables than it was given", q.ID)
		}
		env := &operator.Env{Table: func(j int) *state.Table { return q.txn.Table(q.tables[base+j]) }}
		if err := op.Open(ctx, env); err != nil {
			return err
		}
	}
	return nil
}

// startPosition reads the committed position, or, for a new query, the
// position its table's startup mode names, committed at once so that a
// restart before the first epoch does not move it.
func (q *Query) startPosition() (map[int32]int64, error) {
	b, ok, err := q.deps.Store.GetMeta(positionKey(q.ID))
	if err != nil {
		return nil, err
	}
	if ok {
		pos := map[int32]int64{}
		if err := json.Unmarshal(b, &pos); err != nil {
			return nil, fmt.Errorf("query %s: corrupt position: %w", q.ID, err)
		}
		return pos, nil
	}
	ctx := context.Background()
	var pos map[int32]int64
	if q.src.latest {
		pos, err = q.deps.Kafka.EndOffsets(ctx, q.src.topic)
	} else {
		pos, err = q.deps.Kafka.StartOffsets(ctx, q.src.topic)
	}
	if err != nil {
		return nil, err
	}
	b, _ = json.Marshal(pos)
	return pos, q.deps.Store.PutMeta(positionKey(q.ID), b)
}

func (q *Query) run(ctx context.Context) {
	defer close(q.done)
	defer q.src.close()
	err := q.loop(ctx)
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		err = nil
	}
	for _, op := range append(q.ops, q.sink) {
		op.Close()
	}
	q.txn.Close()
	q.mu.Lock()
	q.err = err
	close(q.changed)
	q.changed = make(chan struct{})
	q.mu.Unlock()
	if err != nil && q.deps.Log != nil {
		q.deps.Log.Error("query failed", "query", q.ID, "err", err)
	}
}

// loop runs epochs: one poll of the source, its batch through the
// operators, then a barrier and a commit.
func (q *Query) loop(ctx context.Context) error {
	// The first epoch gives every operator an empty batch: those that have
	// output before any input (a global aggregate's one row) emit it now,
	// and it flows on down the chain.
	for i := range q.ops {
		if err := q.push(ctx, i, nil); err != nil {
			return err
		}
	}
	if err := q.commit(ctx); err != nil {
		return err
	}
	for {
		b, err := q.src.poll(ctx)
		if err != nil {
			return err
		}
		q.in.Add(int64(q.src.lastRecords))
		q.bad.Add(int64(q.src.lastBad))
		if len(b) > 0 {
			if err := q.push(ctx, 0, b); err != nil {
				return err
			}
		}
		if err := q.commit(ctx); err != nil {
			return err
		}
	}
}

// push sends a batch into operator i and on down the chain to the sink.
func (q *Query) push(ctx context.Context, i int, b types.Batch) error {
	if i == len(q.ops) {
		q.out.Add(int64(len(b)))
		return q.sink.OnBatch(ctx, 0, b, nil)
	}
	return q.ops[i].OnBatch(ctx, 0, b, operator.EmitFunc(func(ctx context.Context, b types.Batch) error {
		return q.push(ctx, i+1, b)
	}))
}

// commit ends the epoch: operators flush into the transaction, which then
// commits together with the source position. The same Txn carries on into
// the next epoch, so operators keep the tables they opened.
func (q *Query) commit(ctx context.Context) error {
	for _, op := range append(q.ops, q.sink) {
		if err := op.OnBarrier(ctx); err != nil {
			return err
		}
	}
	pos := q.src.position()
	b, _ := json.Marshal(pos)
	q.txn.PutMeta(positionKey(q.ID), b)
	if err := q.txn.Commit(false); err != nil {
		return fmt.Errorf("commit query %s: %w", q.ID, err)
	}
	q.mu.Lock()
	q.committed = pos
	q.opened = true
	close(q.changed)
	q.changed = make(chan struct{})
	q.mu.Unlock()
	return nil
}

// Stop ends the query and waits for it. Its state and position stay in the
// store, so Start with the same id continues where it stopped.
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

// Topic is the topic the query reads.
func (q *Query) Topic() string { return q.src.topic }

// Stats returns the query's counters; end are the source's end offsets, for
// the lag (nil to skip it).
func (q *Query) Stats(end map[int32]int64) Stats {
	s := Stats{RecordsIn: q.in.Load(), RecordsOut: q.out.Load(), BadRecords: q.bad.Load()}
	q.mu.Lock()
	defer q.mu.Unlock()
	for p, e := range end {
		if c := q.committed[p]; e > c {
			s.Lag += e - c
		}
	}
	return s
}

// WaitFor blocks until the query has committed every record before end
// (next offsets per partition), the query stops, or ctx is done.
func (q *Query) WaitFor(ctx context.Context, end map[int32]int64) error {
	for {
		q.mu.Lock()
		caught := q.opened
		for p, e := range end {
			if q.committed[p] < e {
				caught = false
			}
		}
		ch, err := q.changed, q.err
		q.mu.Unlock()
		if caught {
			return nil
		}
		select {
		case <-q.done:
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
// and its source position. The query must not be running.
func Forget(store *state.Store, id string, tables []uint32) error {
	for _, t := range tables {
		if err := store.DropTable(t); err != nil {
			return err
		}
	}
	return store.DeleteMeta(positionKey(id))
}
