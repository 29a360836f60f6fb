package runtime

import (
	"context"
	"fmt"
	"slices"
	"time"

	"riffle/connectors/kafka"
	"riffle/exec/operator"
	"riffle/exec/state"
	"riffle/planner/logical"
	"riffle/sql/types"
)

// A task runs one copy of a fragment's operators in a goroutine of its
// own: the partitions of the fragment's scans that it owns, and the rows
// its input exchanges send it. The query drives the tasks in rounds
// (query.go): a round reads a poll's records (the task decodes those of
// its partitions and pushes them through its operators), then carries the
// sources' watermarks down, ticks, and ends with a barrier, at which every
// operator flushes its state into the task's transaction. A task with
// input exchanges ends its round once every sending task's barrier has
// arrived (aligned barriers): the barrier follows the sender's last batch
// of the round on the same channel. The query commits every task's
// transaction in one atomic commit once all of them have ended the round.
type task struct {
	q      *Query
	frag   *fragment
	index  int
	nodes  []opNode
	emit   []operator.Emitter
	routes []*route  // its scans, in build order
	order  []*route  // the order in which a read's batches go in (pollOrder)
	sched  scheduler // orders each read's records by event time (schedule.go)
	txn    *state.Txn
	part   []byte            // its part of its operators' tables (nil: the whole table)
	sink   operator.Operator // the root fragment's task only
	out    *sender           // nil in the root fragment
	ins    []*inEdge
	inbox  chan message
	outWm  int64 // the watermark of the fragment's output

	// The round in progress: the records it has read, whether the query
	// has sent the sources' watermarks (marked, wms), and the barriers
	// that have arrived.
	marked   bool
	wms      []int64 // by scan id
	barriers int
	// deadLetters are the round's bad records for dead-letter topics.
	deadLetters []kafka.Record
}

// inEdge is an exchange feeding a task: into which input of which of its
// operators, and what each sending task has sent of the round.
type inEdge struct {
	parent, input int
	wms           []int64 // each sender's watermark, as of its last barrier
	barriers      int     // senders whose barrier has arrived this round
	sent          int64   // the watermark last carried into the operator
}

// message is what a task's inbox carries: rows, watermarks and barriers
// from the tasks that send to it, and the query's commands.
type message struct {
	kind  msgKind
	edge  int // data, barrier: which of the task's input exchanges
	from  int // data, barrier: the sending task
	batch types.Batch
	wm    int64          // barrier: the sender's output watermark
	recs  []kafka.Record // read: the task's records of the poll
	now   time.Time      // read: the time generated rows are due by
	wms   []int64        // mark: each scan's watermark, by scan id
	open  bool           // read: the first round (an empty batch to every operator)
}

type msgKind uint8

const (
	msgData msgKind = iota
	msgBarrier
	msgRead
	msgMark
)

// taskEvent is a task's report to the query: it has read its records
// (phase 1), or ended the round (phase 2).
type taskEvent struct {
	t     *task
	phase int
}

// inboxSize bounds the batches waiting for a task: a faster sender waits.
const inboxSize = 64

// newTask makes task i of fragment f: its operators, unopened.
func (q *Query) newTask(f *fragment, i int) (*task, error) {
	t := &task{q: q, frag: f, index: i, inbox: make(chan message, inboxSize)}
	if f.keyed {
		t.part = []byte{byte(i >> 8), byte(i)}
	}
	for _, s := range f.nodes {
		op, err := newFused(s.n, s.bottom, q.deps.exprEnv())
		if err != nil {
			return nil, err
		}
		// Late rows are reported in the columns of the node's input; an
		// aggregate by slices reports them as the Aggregate does, with the
		// window's columns (operator.SliceAggregate).
		in := s.bottom.Inputs()[0].Schema()
		if _, ok := s.n.(*logical.Aggregate); ok {
			in = s.n.Inputs()[0].Schema()
		}
		t.nodes = append(t.nodes, opNode{op: op, parent: s.parent, input: s.input, tables: tablesOf(s.n), base: s.base,
			ttl: q.plan.TTLOf(s.n), in: in, inWm: make([]int64, len(s.bottom.Inputs()))})
	}
	for _, s := range f.scans {
		r, err := q.newRoute(t, s)
		if err != nil {
			return nil, err
		}
		t.routes = append(t.routes, r)
	}
	// A read's batches go in topic by topic, then the generated tables,
	// each in build order; but an eager table (gen.Eager, a side table)
	// goes first.
	t.order = slices.Clone(t.routes)
	rank := func(r *route) int {
		switch {
		case r.gen == nil:
			return 1
		case r.gen.eager:
			return 0
		}
		return 2
	}
	slices.SortStableFunc(t.order, func(a, b *route) int {
		switch {
		case rank(a) != rank(b):
			return rank(a) - rank(b)
		case a.topic < b.topic:
			return -1
		case a.topic > b.topic:
			return 1
		}
		return 0
	})
	for _, in := range f.ins {
		t.ins = append(t.ins, &inEdge{parent: in.parent, input: in.input, wms: make([]int64, in.from.n)})
	}
	if f.out == nil {
		sink, err := q.sinkOf()
		if err != nil {
			return nil, err
		}
		t.sink = sink
	}
	return t, nil
}

// open opens the task's operators on its transaction, handing each its own
// state tables (its part of them), the sink's last.
func (t *task) open(ctx context.Context) error {
	q := t.q
	t.txn = q.deps.Store.Begin()
	env := func(base, n int, ttl time.Duration) (*operator.Env, error) {
		if base+n > len(q.tables) {
			return nil, fmt.Errorf("query %s: plan needs more state tables than it was given", q.ID)
		}
		return &operator.Env{Table: func(j int) *state.Table { return t.txn.Part(q.tables[base+j], t.part) }, TTL: ttl}, nil
	}
	t.emit = make([]operator.Emitter, len(t.nodes))
	for i := range t.nodes {
		n := &t.nodes[i]
		e, err := env(n.base, n.tables, n.ttl)
		if err != nil {
			return err
		}
		e.Late = q.reporter(n.in)
		if err := n.op.Open(ctx, e); err != nil {
			return err
		}
		t.emit[i] = operator.EmitFunc(func(ctx context.Context, b types.Batch) error {
			return t.push(ctx, n.parent, n.input, b)
		})
	}
	if t.sink == nil {
		return nil
	}
	e, err := env(q.sinkBase, q.sinkTables, 0)
	if err != nil {
		return err
	}
	return t.sink.Open(ctx, e)
}

// close closes the task's operators and releases its transaction.
func (t *task) close() {
	for _, n := range t.nodes {
		n.op.Close()
	}
	if t.sink != nil {
		t.sink.Close()
	}
	if t.txn != nil {
		t.txn.Close()
	}
}

// run handles the task's messages until ctx ends (nil) or a message fails
// (its error).
func (t *task) run(ctx context.Context, events chan<- taskEvent) error {
	var next *message // a message taken from the inbox, not handled yet
	for {
		var m message
		if next != nil {
			m, next = *next, nil
		} else {
			select {
			case <-ctx.Done():
				return nil
			case m = <-t.inbox:
			}
		}
		if m.kind == msgData {
			m.batch, next = t.gather(m)
		}
		if err := t.handle(ctx, m, events); err != nil {
			if ctx.Err() != nil {
				return nil // stopped while it waited to send
			}
			return err
		}
	}
}

// gathered is how many rounds' worth of rows (Deps.Batch) gather puts in
// one batch, at most.
const gathered = 4

// gather appends to a data message's batch the rows of the data messages
// for the same input that are already waiting, so that an operator gets
// the rows of several senders in one batch (an aggregate then emits one
// update per group for them, not one per sender). It returns the first
// waiting message it does not take.
func (t *task) gather(m message) (types.Batch, *message) {
	b := m.batch
	for len(b) < gathered*t.q.deps.batch() {
		select {
		case n := <-t.inbox:
			if n.kind != msgData || n.edge != m.edge {
				return b, &n
			}
			b = append(b, n.batch...)
		default:
			return b, nil
		}
	}
	return b, nil
}

func (t *task) handle(ctx context.Context, m message, events chan<- taskEvent) error {
	switch m.kind {
	case msgData:
		e := t.ins[m.edge]
		return t.push(ctx, e.parent, e.input, m.batch)
	case msgBarrier:
		e := t.ins[m.edge]
		e.wms[m.from] = m.wm
		e.barriers++
		t.barriers++
	case msgRead:
		var err error
		if m.open {
			err = t.opening(ctx)
		} else {
			err = t.read(ctx, m.recs, m.now)
		}
		if err != nil {
			return err
		}
		events <- taskEvent{t: t, phase: 1}
		return nil
	case msgMark:
		t.marked, t.wms = true, m.wms
	}
	return t.endRound(ctx, events)
}

// opening gives every operator an empty batch, leaves first: those that
// have output before any input (a global aggregate's one row) emit it now.
func (t *task) opening(ctx context.Context) error {
	for i := len(t.nodes) - 1; i >= 0; i-- {
		if err := t.nodes[i].op.OnBatch(ctx, 0, nil, t.emit[i]); err != nil {
			return err
		}
	}
	return nil
}

// endRound ends the round once the task has everything of it: the
// sources' watermarks when it reads sources, and every sender's barrier.
// The watermarks go in after the round's rows, as they did when the whole
// query was one task: first the sources', then each exchange's (the
// minimum over its senders). Then the operators tick and flush, and the
// barrier goes on.
func (t *task) endRound(ctx context.Context, events chan<- taskEvent) error {
	want := 0
	for _, e := range t.ins {
		want += len(e.wms)
	}
	if t.barriers < want || (len(t.routes) > 0 && !t.marked) {
		return nil
	}
	for _, r := range t.routes {
		if wm := t.wms[r.id]; wm > r.sent {
			r.sent = wm
			if err := t.watermark(ctx, r.parent, r.input, wm); err != nil {
				return err
			}
		}
	}
	for _, e := range t.ins {
		low := e.wms[0]
		for _, w := range e.wms[1:] {
			low = min(low, w)
		}
		if low > e.sent {
			e.sent = low
			if err := t.watermark(ctx, e.parent, e.input, low); err != nil {
				return err
			}
		}
		e.barriers = 0
	}
	t.barriers, t.marked = 0, false
	if err := t.tick(ctx); err != nil {
		return err
	}
	for _, n := range t.nodes {
		if err := n.op.OnBarrier(ctx); err != nil {
			return err
		}
	}
	if t.sink != nil {
		if err := t.sink.OnBarrier(ctx); err != nil {
			return err
		}
	}
	if t.out != nil {
		if err := t.out.barrier(ctx, t.outWm); err != nil {
			return err
		}
	}
	events <- taskEvent{t: t, phase: 2}
	return nil
}

// read decodes the task's records of a poll, route by route, generates the
// due rows of its splits of generated tables, and pushes them in.
func (t *task) read(ctx context.Context, recs []kafka.Record, now time.Time) error {
	q := t.q
	batches := make(map[*route]types.Batch, len(t.routes))
	bad := 0
	for _, r := range t.routes {
		var b types.Batch
		if r.gen != nil {
			var n, nbad int
			b, n, nbad = r.generate(now, q.deps.batch())
			q.in.Add(int64(n))
			bad += nbad
		} else if len(recs) > 0 {
			var nbad int
			var err error
			b, nbad, err = decode(r, recs, r.topic, nil, func(rec *kafka.Record, err error) error {
				return t.reject(r, rec, err)
			})
			if err != nil {
				return err
			}
			if r.first {
				bad += nbad
			}
		}
		if len(b) > 0 {
			batches[r] = b
		}
	}
	q.bad.Add(int64(bad))
	// Oldest event time first across the task's partitions and tables
	// (TW-04).
	return t.sched.release(t.order, batches, func(r *route, b types.Batch) error {
		return t.push(ctx, r.parent, r.input, b)
	})
}

// push delivers a batch to input of operator i (-1: the fragment's output:
// the exchange to the next fragment, or the sink).
func (t *task) push(ctx context.Context, i, input int, b types.Batch) error {
	if i >= 0 {
		return t.nodes[i].op.OnBatch(ctx, input, b, t.emit[i])
	}
	if t.out != nil {
		return t.out.send(ctx, b)
	}
	return t.q.toSink(ctx, t.sink, b)
}

// watermark delivers input's new watermark wm to operator i (-1: the
// fragment's output). An operator's own watermark is the minimum over its
// inputs; one that acts on time (operator.Watermarker) fires what it
// closes and says what watermark its output carries, others pass the
// minimum on.
func (t *task) watermark(ctx context.Context, i, input int, wm int64) error {
	if i < 0 {
		if t.out == nil {
			t.q.outWm.Store(wm)
		}
		t.outWm = wm
		return nil
	}
	n := &t.nodes[i]
	if wm <= n.inWm[input] {
		return nil
	}
	n.inWm[input] = wm
	out := n.inWm[0]
	for _, w := range n.inWm[1:] {
		out = min(out, w)
	}
	if w, ok := n.op.(operator.Watermarker); ok {
		var err error
		if out, err = w.OnWatermark(ctx, n.inWm, t.emit[i]); err != nil {
			return err
		}
	}
	if out <= n.outWm {
		return nil
	}
	n.outWm = out
	return t.watermark(ctx, n.parent, n.input, out)
}

// tick gives the operators that act on processing time their ticks, each
// once its interval has passed since its last.
func (t *task) tick(ctx context.Context) error {
	now := time.Now()
	for i := range t.nodes {
		n := &t.nodes[i]
		tk, ok := n.op.(operator.Ticker)
		if !ok || tk.TickEvery() <= 0 || now.Sub(n.ticked) < tk.TickEvery() {
			continue
		}
		n.ticked = now
		if err := tk.OnTick(ctx, t.emit[i]); err != nil {
			return err
		}
	}
	return nil
}
