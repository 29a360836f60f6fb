package runtime

import (
	"fmt"

	"riffle/exec/operator"
	"riffle/exec/state"
	"riffle/sql/types"
)

// A Subscription follows a materialized view: first its contents, then the
// changes of every epoch the view's query commits after them, consolidated,
// with nothing missed and nothing repeated (the contents are read and the
// subscription registered under the same lock as the commit).
//
// A subscriber that falls more than a few epochs behind is dropped rather
// than allowed to slow the query: C is closed and Err says why.
type Subscription struct {
	// Snapshot holds the view's contents when the subscription began.
	Snapshot types.Batch
	// C delivers each later epoch's changes; it is closed when the query
	// stops or the subscriber is dropped.
	C   <-chan types.Batch
	ch  chan types.Batch
	q   *Query
	err error
}

// subscriberBuffer is how many epochs a subscriber may be behind.
const subscriberBuffer = 1024

// Subscribe registers a subscriber to the query's output, which must be a
// materialized view kept in state table view.
func (q *Query) Subscribe(view uint32) (*Subscription, error) {
	s := &Subscription{ch: make(chan types.Batch, subscriberBuffer), q: q}
	s.C = s.ch
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil {
		return nil, q.err
	}
	select {
	case <-q.done:
		return nil, fmt.Errorf("query %s has stopped", q.ID)
	default:
	}
	snap, err := scanViewTable(q.deps.Store.Table(view))
	if err != nil {
		return nil, err
	}
	s.Snapshot = snap
	q.subs = append(q.subs, s)
	return s, nil
}

// Close ends the subscription.
func (s *Subscription) Close() {
	q := s.q
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, x := range q.subs {
		if x == s {
			q.subs = append(q.subs[:i], q.subs[i+1:]...)
			close(s.ch)
			return
		}
	}
}

// Err says why C was closed (nil when the subscription was closed).
func (s *Subscription) Err() error {
	s.q.mu.Lock()
	defer s.q.mu.Unlock()
	return s.err
}

// publish hands an epoch's changes to every subscriber; q.mu is held.
func (q *Query) publish(b types.Batch) {
	if len(q.subs) == 0 || len(b) == 0 {
		return
	}
	b = consolidate(append(types.Batch(nil), b...))
	if len(b) == 0 {
		return
	}
	kept := q.subs[:0]
	for _, s := range q.subs {
		select {
		case s.ch <- b:
			kept = append(kept, s)
		default:
			s.err = fmt.Errorf("subscriber dropped: it fell %d epochs behind query %s", subscriberBuffer, q.ID)
			close(s.ch)
		}
	}
	q.subs = kept
}

// endSubscriptions closes every subscription when the query stops; q.mu is
// held.
func (q *Query) endSubscriptions(err error) {
	for _, s := range q.subs {
		s.err = err
		if err == nil {
			s.err = fmt.Errorf("query %s stopped", q.ID)
		}
		close(s.ch)
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
