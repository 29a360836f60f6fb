package runtime

import (
	"errors"
	"sync"
	"time"

	"riffle/exec/operator"
	"riffle/exec/state"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// A Subscription follows a materialized view: first its contents, then the
// changes of every epoch the view's query commits after them, consolidated,
// with nothing missed and nothing repeated (the contents are read and the
// subscription registered under the same lock as the commit).
//
// Epochs wait for the subscriber in a queue of their own, so a slow reader
// never slows the query. The queue is bounded: a subscriber that falls
// more than maxPendingEpochs epochs or maxPendingChanges changes behind is
// dropped (Take then says why). Epochs without changes, which only a
// subscriber asking for progress receives, are merged while they wait, so
// an idle reader's queue does not grow at all.
type Subscription struct {
	// Snapshot holds the view's contents when the subscription began, as
	// of the commit at SnapshotTime (µs since the Unix epoch; 0 when the
	// query has not committed yet).
	Snapshot     types.Batch
	SnapshotTime int64

	q        *Query
	progress bool
	notify   chan struct{} // has a token when there is something to Take

	mu      sync.Mutex
	pending []Epoch
	changes int   // changes in pending
	err     error // why the subscription ended; nil while it runs
}

// Epoch is one commit of a subscribed query, as the subscriber sees it.
type Epoch struct {
	// Time is when the commit happened (µs since the Unix epoch): every
	// change the query committed up to Time has been delivered with this
	// epoch or before it.
	Time int64
	// Changes are the epoch's changes to the view, consolidated; empty for
	// an epoch that changed nothing (delivered only with Progress).
	Changes types.Batch
}

// SubscribeOptions say what a subscriber wants beyond the changes.
type SubscribeOptions struct {
	// Progress delivers every commit, changes or not, and makes an idle
	// query commit at least every ProgressInterval, so that a subscriber
	// can tell a quiet view from a stalled one.
	Progress bool
}

const (
	// maxPendingEpochs and maxPendingChanges bound a subscriber's queue.
	maxPendingEpochs  = 4096
	maxPendingChanges = 1 << 20
	// ProgressInterval is how often a query with progress subscribers
	// commits when it has nothing to read.
	ProgressInterval = time.Second
)

// ErrSubscriptionClosed is Take's error after Close.
var ErrSubscriptionClosed = errors.New("subscription closed")

// ErrQueryFinished is Take's error once the query has read its bounded
// tables to their end: the subscriber has seen the whole result.
var ErrQueryFinished = errors.New("query finished")

// Subscribe registers a subscriber to the query's output, which must be a
// materialized view kept in state table view.
func (q *Query) Subscribe(view uint32, opts SubscribeOptions) (*Subscription, error) {
	s := &Subscription{q: q, progress: opts.Progress, notify: make(chan struct{}, 1)}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil {
		return nil, q.err
	}
	stopped := false
	select {
	case <-q.done:
		if !q.finished.Load() {
			return nil, sqlerr.New(sqlerr.ObjectInUse, "query %s has stopped", q.ID)
		}
		stopped = true
	default:
	}
	snap, err := scanViewTable(q.deps.Store.Table(view))
	if err != nil {
		return nil, err
	}
	s.Snapshot, s.SnapshotTime = snap, q.commitTime
	if stopped {
		// A finished query's result is final: the snapshot is all of it.
		s.err = ErrQueryFinished
		return s, nil
	}
	q.subs = append(q.subs, s)
	if s.progress {
		q.heartbeats.Add(1)
	}
	return s, nil
}

// Ready has a value when Take has something: epochs, or the end.
func (s *Subscription) Ready() <-chan struct{} { return s.notify }

// Take returns the epochs delivered since the last Take, oldest first.
// With none pending it returns the error the subscription ended with
// (ErrSubscriptionClosed after Close), or nil, nil while it runs.
func (s *Subscription) Take() ([]Epoch, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pending) == 0 {
		return nil, s.err
	}
	out := s.pending
	s.pending, s.changes = nil, 0
	return out, nil
}

// FinishedView is the subscription to a materialized view whose query
// finished reading its bounded tables: the view's final contents, then
// the end (ErrQueryFinished).
func FinishedView(store *state.Store, view uint32) (*Subscription, error) {
	snap, err := scanViewTable(store.Table(view))
	if err != nil {
		return nil, err
	}
	return &Subscription{Snapshot: snap, err: ErrQueryFinished, notify: make(chan struct{}, 1)}, nil
}

// Close ends the subscription and drops what it has not taken.
func (s *Subscription) Close() {
	q := s.q
	if q == nil {
		return // FinishedView's: no query to leave
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, x := range q.subs {
		if x == s {
			q.subs = append(q.subs[:i], q.subs[i+1:]...)
			if s.progress {
				q.heartbeats.Add(-1)
			}
			break
		}
	}
	s.end(ErrSubscriptionClosed)
	s.mu.Lock()
	s.pending, s.changes = nil, 0
	s.mu.Unlock()
}

// Subscribers is how many subscriptions the query is feeding.
func (q *Query) Subscribers() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.subs)
}

// end records why the subscription ended (the first reason wins) and
// wakes the reader.
func (s *Subscription) end(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
	s.wake()
}

func (s *Subscription) wake() {
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// deliver queues an epoch; false means the subscriber is too far behind.
func (s *Subscription) deliver(e Epoch) bool {
	if len(e.Changes) == 0 && !s.progress {
		return true
	}
	s.mu.Lock()
	if n := len(s.pending); n > 0 && len(e.Changes) == 0 && len(s.pending[n-1].Changes) == 0 {
		s.pending[n-1].Time = e.Time // an idle reader's progress: keep the latest
	} else {
		s.pending = append(s.pending, e)
		s.changes += len(e.Changes)
	}
	ok := len(s.pending) <= maxPendingEpochs && s.changes <= maxPendingChanges
	s.mu.Unlock()
	s.wake()
	return ok
}

// publish hands an epoch's changes, committed at now, to every
// subscriber; q.mu is held.
func (q *Query) publish(b types.Batch, now int64) {
	if len(q.subs) == 0 {
		return
	}
	if len(b) > 0 {
		b = consolidate(append(types.Batch(nil), b...))
	}
	kept := q.subs[:0]
	for _, s := range q.subs {
		if s.deliver(Epoch{Time: now, Changes: b}) {
			kept = append(kept, s)
			continue
		}
		if s.progress {
			q.heartbeats.Add(-1)
		}
		s.end(sqlerr.New(sqlerr.ProgramLimitExceeded, "subscriber dropped: it fell more than %d epochs or %d changes behind query %s",
			maxPendingEpochs, maxPendingChanges, q.ID).WithHint("read the subscription faster, or subscribe to fewer changes"))
	}
	clear(q.subs[len(kept):])
	q.subs = kept
}

// endSubscriptions ends every subscription when the query stops; q.mu is
// held.
func (q *Query) endSubscriptions(err error) {
	for _, s := range q.subs {
		if s.progress {
			q.heartbeats.Add(-1)
		}
		if err == nil && q.finished.Load() {
			s.end(ErrQueryFinished)
		} else if err == nil {
			s.end(sqlerr.New(sqlerr.ObjectInUse, "query %s stopped", q.ID))
		} else if _, ok := sqlerr.As(err); ok {
			s.end(err)
		} else {
			s.end(sqlerr.New(sqlerr.ObjectInUse, "query %s failed: %v", q.ID, err))
		}
	}
	q.subs = nil
}

func scanViewTable(t *state.Table) (types.Batch, error) {
	it, err := t.Scan(nil)
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out types.Batch
	for ok := it.First(); ok; ok = it.Next() {
		row, n, err := operator.DecodeEntry(it.Value())
		if err != nil {
			return nil, err
		}
		out = append(out, types.Change{Row: row, Diff: types.Diff(n)})
	}
	return out, it.Error()
}

// RowKind renders consolidated changes the way Flink names row kinds: for a
// keyed result, a retraction and an insertion of the same key are an update
// (-U then +U); otherwise an insertion is +I and a retraction -D. key holds
// column indexes; nil renders every change as +I or -D.
func RowKind(b types.Batch, key []int) []KindedRow {
	var minus, plus []types.Row
	for _, c := range b {
		for range max(c.Diff, -c.Diff) {
			if c.Diff > 0 {
				plus = append(plus, c.Row)
			} else {
				minus = append(minus, c.Row)
			}
		}
	}
	// Deletions, then updates (each -U right before its +U), then insertions.
	var dels, ups, ins []KindedRow
	usedPlus := make([]bool, len(plus))
	for _, m := range minus {
		paired := false
		if key != nil {
			for j, p := range plus {
				if !usedPlus[j] && sameKey(m, p, key) {
					usedPlus[j], paired = true, true
					ups = append(ups, KindedRow{"-U", m}, KindedRow{"+U", p})
					break
				}
			}
		}
		if !paired {
			dels = append(dels, KindedRow{"-D", m})
		}
	}
	for j, p := range plus {
		if !usedPlus[j] {
			ins = append(ins, KindedRow{"+I", p})
		}
	}
	return append(append(dels, ups...), ins...)
}

// KindedRow is a row with its rendered kind: +I, -U, +U or -D.
type KindedRow struct {
	Kind string
	Row  types.Row
}

func sameKey(a, b types.Row, key []int) bool {
	for _, k := range key {
		if types.Compare(a[k], b[k]) != 0 {
			return false
		}
	}
	return true
}
