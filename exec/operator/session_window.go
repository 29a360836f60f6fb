package operator

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	"riffle/exec/state"
	"riffle/planner/logical"
	"riffle/sql/types"
)

// SessionWindow is the SESSION window table function: rows of one
// partition whose times are at most the gap apart belong to one session,
// which spans from its first row to its last row plus the gap
// (semantics.md, rule 4). Each row goes out with its session's
// window_start, window_end and window_time; when a row extends a session
// or bridges two, the rows already sent with the old bounds are retracted
// and sent again with the new ones, so a window aggregate downstream sees
// each row in exactly one session at a time.
//
// A session is open until the watermark passes its end (plus the query's
// allowed lateness); then its state goes. A row whose own session would
// already be closed is late: counted, not lost silently. Only append-only
// input is accepted: a retracted row could split a session.
//
// State: table 0 holds the open sessions, keyed by partition values and
// start, each with its end; table 1 their rows, keyed by partition values,
// session start and the row, each with its multiplicity.
type SessionWindow struct {
	timeCol  int
	part     []int
	gap      int64
	lateness int64
	sessions *state.Table
	rows     *state.Table
	counts   counts // over rows
	late     func(LateRow)
	wm       int64

	out  types.Batch
	slab []types.Value
	pkey []byte
	key  []byte
	buf  []byte
}

var _ Operator = (*SessionWindow)(nil)
var _ Watermarker = (*SessionWindow)(nil)

// SessionWindowTables is how many state tables a SessionWindow uses.
const SessionWindowTables = 2

// NewSessionWindow returns the operator for a SESSION node.
func NewSessionWindow(n *logical.WindowTVF) (*SessionWindow, error) {
	if n.Kind != "SESSION" || n.Gap <= 0 {
		return nil, fmt.Errorf("session window: bad %s window", n.Kind)
	}
	return &SessionWindow{timeCol: n.TimeCol, part: n.PartitionBy, gap: n.Gap, lateness: n.Lateness}, nil
}

func (w *SessionWindow) Open(_ context.Context, env *Env) error {
	w.sessions, w.rows, w.late = env.Table(0), env.Table(1), env.Late
	w.counts.table = w.rows
	return nil
}

// session is one open session of a partition.
type session struct {
	start, end int64
	key        []byte // its key in the sessions table
}

func (w *SessionWindow) OnBatch(ctx context.Context, _ int, b types.Batch, out Emitter) error {
	w.out, w.slab = w.out[:0], nil
	for _, c := range b {
		if c.Diff < 0 {
			return fmt.Errorf("session window: a SESSION window needs an append-only input, got a retraction")
		}
		t := c.Row[w.timeCol]
		if t.IsNull() || w.closed(t.I+w.gap, max(c.Wm, w.wm)) {
			reason := "its session had closed"
			if t.IsNull() {
				reason = "its event time is NULL"
			}
			reportLate(w.late, reason, c, t.I, max(c.Wm, w.wm))
			continue
		}
		if err := w.add(c, t.I); err != nil {
			return err
		}
	}
	if len(w.out) == 0 {
		return nil
	}
	return out.Emit(ctx, w.out)
}

// closed reports whether a session ending at end has closed for good under
// watermark wm: fired, and past its allowed lateness.
func (w *SessionWindow) closed(end, wm int64) bool {
	return wm != 0 && wm >= end-windowTimeGap+w.lateness
}

// add puts row c (time t) into its partition's sessions.
func (w *SessionWindow) add(c types.Change, t int64) error {
	w.pkey = w.pkey[:0]
	for _, i := range w.part {
		w.pkey = state.AppendKey(w.pkey, c.Row[i])
	}
	open, err := w.open(w.pkey)
	if err != nil {
		return err
	}
	start, end := t, t+w.gap
	var merged []session
	for _, s := range open {
		// The row's own span [t, t + gap] meets the session's: within the
		// gap after its last row, or within the gap before its first.
		if t <= s.end && t+w.gap >= s.start {
			merged = append(merged, s)
			start, end = min(start, s.start), max(end, s.end)
		}
	}
	if len(merged) == 1 && merged[0].start == start && merged[0].end == end {
		// The session stands as it is: rewriting its entry would only
		// pile versions into the epoch's batch for open to step over.
		return w.putRow(c.Row, start, end, int64(c.Diff), c.Wm)
	}
	// The session grows, or several become one: their rows move to the new
	// bounds, retracted with the old ones first.
	type moved struct {
		row types.Row
		m   int64
	}
	var rows []moved
	var keys [][]byte
	for _, s := range merged {
		it, err := w.rows.Scan(w.rowPrefix(s.start))
		if err != nil {
			return err
		}
		keys = keys[:0]
		for ok := it.First(); ok; ok = it.Next() {
			row, m, err := DecodeEntry(it.Value())
			if err != nil {
				it.Close()
				return fmt.Errorf("session window: %w", err)
			}
			rows = append(rows, moved{row, m})
			keys = append(keys, bytes.Clone(it.Key()))
			w.emit(row, s.start, s.end, -m, c.Wm)
		}
		if err := it.Close(); err != nil {
			return err
		}
		// Point deletes, not a range deletion: every read of the epoch's
		// batch re-sorts the range deletions it holds, so one per merge
		// made the epoch quadratic in its merges.
		for _, k := range keys {
			w.rows.Delete(k)
		}
		w.sessions.Delete(s.key)
	}
	w.key = state.AppendKey(append(w.key[:0], w.pkey...), types.NewTimestamp(start))
	w.buf = binary.AppendVarint(w.buf[:0], end)
	w.sessions.Put(w.key, w.buf)
	for _, r := range rows {
		if err := w.putRow(r.row, start, end, r.m, c.Wm); err != nil {
			return err
		}
	}
	return w.putRow(c.Row, start, end, int64(c.Diff), c.Wm)
}

// open reads the open sessions of the partition with key values pkey.
func (w *SessionWindow) open(pkey []byte) ([]session, error) {
	it, err := w.sessions.Scan(pkey)
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out []session
	for ok := it.First(); ok; ok = it.Next() {
		start, _, err := state.DecodeKey(it.Key()[len(pkey):])
		end, n := binary.Varint(it.Value())
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("session window: corrupt session entry")
		}
		out = append(out, session{start: start.I, end: end, key: bytes.Clone(it.Key())})
	}
	return out, it.Error()
}

// putRow adds m copies of row to the current partition's session
// [start, end), emitting them.
func (w *SessionWindow) putRow(row types.Row, start, end, m, wm int64) error {
	w.key = state.AppendTupleKey(w.rowPrefixInto(w.key[:0], start), row)
	if _, _, err := w.counts.add(w.key, row, m); err != nil {
		return fmt.Errorf("session window: %w", err)
	}
	w.emit(row, start, end, m, wm)
	return nil
}

func (w *SessionWindow) rowPrefix(start int64) []byte {
	return w.rowPrefixInto(nil, start)
}

func (w *SessionWindow) rowPrefixInto(dst []byte, start int64) []byte {
	return state.AppendKey(append(dst, w.pkey...), types.NewTimestamp(start))
}

// emit queues row with the session bounds appended.
func (w *SessionWindow) emit(row types.Row, start, end, d, wm int64) {
	at := len(w.slab)
	w.slab = append(w.slab, row...)
	w.slab = append(w.slab, types.NewTimestamp(start), types.NewTimestamp(end), types.NewTimestamp(end-windowTimeGap))
	w.out = append(w.out, types.Change{Row: w.slab[at:len(w.slab):len(w.slab)], Diff: types.Diff(d), Wm: wm})
}

// OnWatermark drops the sessions the watermark has closed for good; the
// window aggregate downstream fires them.
func (w *SessionWindow) OnWatermark(_ context.Context, wms []int64, _ Emitter) (int64, error) {
	wm := wms[0]
	if wm <= w.wm {
		return wm, nil
	}
	w.wm = wm
	it, err := w.sessions.Iter(nil, nil)
	if err != nil {
		return 0, err
	}
	type gone struct{ key, rows []byte }
	var drop []gone
	for ok := it.First(); ok; ok = it.Next() {
		end, n := binary.Varint(it.Value())
		if n <= 0 {
			it.Close()
			return 0, fmt.Errorf("session window: corrupt session entry")
		}
		if w.closed(end, wm) {
			// The rows of a session are keyed under its own key.
			drop = append(drop, gone{bytes.Clone(it.Key()), bytes.Clone(it.Key())})
		}
	}
	if err := it.Close(); err != nil {
		return 0, err
	}
	for _, g := range drop {
		w.sessions.Delete(g.key)
		if err := w.deleteRows(g.rows); err != nil {
			return 0, err
		}
	}
	return wm, nil
}

// deleteRows deletes the rows of a session, one by one (see add for why
// not by a range deletion).
func (w *SessionWindow) deleteRows(prefix []byte) error {
	it, err := w.rows.Scan(prefix)
	if err != nil {
		return err
	}
	var keys [][]byte
	for ok := it.First(); ok; ok = it.Next() {
		keys = append(keys, bytes.Clone(it.Key()))
	}
	if err := it.Close(); err != nil {
		return err
	}
	for _, k := range keys {
		w.rows.Delete(k)
	}
	return nil
}

func (w *SessionWindow) OnBarrier(context.Context) error { return nil }
func (w *SessionWindow) Close() error                    { return nil }
