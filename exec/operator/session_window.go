package operator

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"slices"

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
	// hold keeps a session's rows until it fires (see add): only over an
	// event-time attribute, which has a watermark to fire it. Over other
	// times sessions never fire, and rows go out at once.
	hold bool

	out  types.Batch
	slab []types.Value
	pkey []byte
	key  []byte
	buf  []byte
	// emitTo and emitCtx are where emit sends a full chunk, during
	// OnBatch and OnWatermark; emitErr is the first error it met.
	emitTo  Emitter
	emitCtx context.Context
	emitErr error
	// cursor reads the batch's partitions' sessions, made once per batch.
	cursor *state.Iter
	// cache holds recent partitions' open sessions as table 0 has them:
	// add caches what it writes, and a watermark that fires or drops
	// sessions empties it. Nexmark q11's bids extend their bidder's
	// session one by one, and scanning for it cost a seek in Pebble each.
	cache boundedCache[[]session]
}

// sessionCacheBytes bounds the cache of partitions' sessions.
const sessionCacheBytes = 8 << 20

// sessionChunk is how many changes the operator collects before it emits
// them: a watermark that fires every session (the end of the input) sends
// every row, in chunks rather than in one batch held whole in memory.
const sessionChunk = 4096

var _ Operator = (*SessionWindow)(nil)
var _ Watermarker = (*SessionWindow)(nil)

// SessionWindowTables is how many state tables a SessionWindow uses.
const SessionWindowTables = 2

// NewSessionWindow returns the operator for a SESSION node.
func NewSessionWindow(n *logical.WindowTVF) (*SessionWindow, error) {
	if n.Kind != "SESSION" || n.Gap <= 0 {
		return nil, fmt.Errorf("session window: bad %s window", n.Kind)
	}
	return &SessionWindow{timeCol: n.TimeCol, part: n.PartitionBy, gap: n.Gap, lateness: n.Lateness,
		hold: slices.Contains(logical.TimeAttrs(n.Input), n.TimeCol)}, nil
}

func (w *SessionWindow) Open(_ context.Context, env *Env) error {
	w.sessions, w.rows, w.late = env.Table(0), env.Table(1), env.Late
	w.counts.table = w.rows
	w.cache = newBoundedCache[[]session](sessionCacheBytes)
	return nil
}

// session is one open session of a partition.
type session struct {
	start, end int64
	sent       bool   // its rows have gone out (it has fired)
	key        []byte // its key in the sessions table
}

func (w *SessionWindow) OnBatch(ctx context.Context, _ int, b types.Batch, out Emitter) error {
	defer w.closeCursor()
	w.start(ctx, out)
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
	return w.flush()
}

// start begins a call that emits to out.
func (w *SessionWindow) start(ctx context.Context, out Emitter) {
	w.out, w.slab = w.out[:0], nil
	w.emitTo, w.emitCtx, w.emitErr = out, ctx, nil
}

// flush emits what is collected, and returns the first error an emit met.
func (w *SessionWindow) flush() error {
	if w.emitErr == nil && len(w.out) > 0 {
		w.emitErr = w.emitTo.Emit(w.emitCtx, w.out)
	}
	w.out = w.out[:0]
	w.emitTo, w.emitCtx = nil, nil
	return w.emitErr
}

// closed reports whether a session ending at end has closed for good under
// watermark wm: fired, and past its allowed lateness.
func (w *SessionWindow) closed(end, wm int64) bool {
	return wm != 0 && wm >= end-windowTimeGap+w.lateness
}

// fired reports whether a session ending at end fires under watermark wm:
// the watermark has passed its window_time, as a window aggregate judges.
func fired(end, wm int64) bool {
	return wm != 0 && wm >= end-windowTimeGap
}

// add puts row c (time t) into its partition's sessions. The rows of a
// session that has not fired stay in its state, unsent: while it grows,
// sending each row with the session's bounds of the moment would mean
// retracting and sending again every row it holds at each new row, work
// quadratic in the session's length. They go out when it fires
// (OnWatermark); a session that has fired sends its late rows at once, and
// when a late row grows it, its rows are retracted and sent again.
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
	sent := false
	for _, s := range open {
		// The row's own span [t, t + gap] meets the session's: within the
		// gap after its last row, or within the gap before its first.
		if t <= s.end && t+w.gap >= s.start {
			merged = append(merged, s)
			start, end = min(start, s.start), max(end, s.end)
			sent = sent || s.sent
		}
	}
	// A late row (within the allowed lateness) can make a session whose
	// end the watermark has already passed: it fires at once.
	sent = sent || !w.hold || fired(end, max(c.Wm, w.wm))
	if len(merged) == 1 && merged[0].start == start && merged[0].end == end && merged[0].sent == sent {
		// The session stands as it is: rewriting its entry would only
		// pile versions into the epoch's batch for open to step over.
		return w.putRow(c.Row, start, end, int64(c.Diff), c.Wm, sent)
	}
	// The session grows, or several become one: rows sent with the old
	// bounds are retracted, rows of a session that started elsewhere move
	// under the new start, and, if the session has fired, every row goes
	// out with the new bounds.
	type moved struct {
		row  types.Row
		m    int64
		move bool
	}
	var rows []moved
	var keys [][]byte
	for _, s := range merged {
		if !s.sent && !sent && s.start == start {
			continue // its rows stay where they are, unsent
		}
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
			rows = append(rows, moved{row, m, s.start != start})
			if s.start != start {
				keys = append(keys, bytes.Clone(it.Key()))
			}
			if s.sent {
				w.emit(row, s.start, s.end, -m, c.Wm)
			}
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
		if s.start != start {
			w.sessions.Delete(s.key)
		}
	}
	w.putSession(start, end, sent)
	// The partition's sessions now, for the cache: the merged ones are one.
	now := []session{{start: start, end: end, sent: sent, key: bytes.Clone(w.key)}}
	for _, s := range open {
		if !slices.ContainsFunc(merged, func(m session) bool { return m.start == s.start }) {
			now = append(now, s)
		}
	}
	slices.SortFunc(now, func(a, b session) int { return cmp.Compare(a.start, b.start) })
	w.cache.put(w.pkey, now, int64(len(now))*(entryOverhead+int64(len(w.key))+16))
	for _, r := range rows {
		if r.move {
			w.key = state.AppendTupleKey(w.rowPrefixInto(w.key[:0], start), r.row)
			if _, _, err := w.counts.add(w.key, r.row, r.m); err != nil {
				return fmt.Errorf("session window: %w", err)
			}
		}
		if sent {
			w.emit(r.row, start, end, r.m, c.Wm)
		}
	}
	return w.putRow(c.Row, start, end, int64(c.Diff), c.Wm, sent)
}

// putSession records the current partition's session [start, end), and
// whether its rows have been sent.
func (w *SessionWindow) putSession(start, end int64, sent bool) {
	w.key = state.AppendKey(append(w.key[:0], w.pkey...), types.NewTimestamp(start))
	w.buf = binary.AppendVarint(w.buf[:0], end)
	w.buf = append(w.buf, b2byte(sent))
	w.sessions.Put(w.key, w.buf)
}

func b2byte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// decodeSession reads a session entry's end and whether its rows have
// been sent. An entry without the flag (written before rows were held
// back) had its rows sent.
func decodeSession(v []byte) (end int64, sent bool, ok bool) {
	end, n := binary.Varint(v)
	if n <= 0 {
		return 0, false, false
	}
	return end, len(v) == n || v[n] == 1, true
}

// open reads the open sessions of the partition with key values pkey, in
// order of their start.
func (w *SessionWindow) open(pkey []byte) ([]session, error) {
	if cached, ok := w.cache.get(pkey); ok {
		return cached, nil // add does not change the list it is given
	}
	if w.cursor == nil {
		// One iterator for the batch: making one per row cost more than
		// the row's other work.
		it, err := w.sessions.Iter(nil, nil)
		if err != nil {
			return nil, err
		}
		w.cursor = it
	}
	it := w.cursor
	it.Rescan(pkey)
	var out []session
	for ok := it.First(); ok; ok = it.Next() {
		start, _, err := state.DecodeKey(it.Key()[len(pkey):])
		end, sent, ok := decodeSession(it.Value())
		if err != nil || !ok {
			return nil, fmt.Errorf("session window: corrupt session entry")
		}
		out = append(out, session{start: start.I, end: end, sent: sent, key: bytes.Clone(it.Key())})
	}
	if err := it.Error(); err != nil {
		return nil, err
	}
	w.cache.put(pkey, out, int64(len(out))*(entryOverhead+int64(len(pkey))+16))
	return out, nil
}

// putRow adds m copies of row to the current partition's session
// [start, end), sending them if the session's rows are sent.
func (w *SessionWindow) putRow(row types.Row, start, end, m, wm int64, sent bool) error {
	w.key = state.AppendTupleKey(w.rowPrefixInto(w.key[:0], start), row)
	if _, _, err := w.counts.add(w.key, row, m); err != nil {
		return fmt.Errorf("session window: %w", err)
	}
	if sent {
		w.emit(row, start, end, m, wm)
	}
	return nil
}

func (w *SessionWindow) rowPrefix(start int64) []byte {
	return w.rowPrefixInto(nil, start)
}

func (w *SessionWindow) rowPrefixInto(dst []byte, start int64) []byte {
	return state.AppendKey(append(dst, w.pkey...), types.NewTimestamp(start))
}

// closeCursor closes the batch's cursor, which would hold up the commit.
func (w *SessionWindow) closeCursor() {
	if w.cursor != nil {
		w.cursor.Close()
		w.cursor = nil
	}
}

// emit queues row with the session bounds appended, and emits the queue
// when it is full (an error waits for flush).
func (w *SessionWindow) emit(row types.Row, start, end, d, wm int64) {
	if len(w.out) >= sessionChunk {
		if w.emitErr == nil {
			w.emitErr = w.emitTo.Emit(w.emitCtx, w.out)
		}
		w.out = w.out[:0]
	}
	if need := len(row) + 3; cap(w.slab)-len(w.slab) < need {
		// A new slab when full, never a grown one: emitted rows stay
		// where they are, and growing copied them over and over.
		w.slab = make([]types.Value, 0, need*sessionChunk)
	}
	at := len(w.slab)
	w.slab = append(w.slab, row...)
	w.slab = append(w.slab, types.NewTimestamp(start), types.NewTimestamp(end), types.NewTimestamp(end-windowTimeGap))
	w.out = append(w.out, types.Change{Row: w.slab[at:len(w.slab):len(w.slab)], Diff: types.Diff(d), Wm: wm})
}

// OnWatermark sends the rows of the sessions the watermark fires, with
// their final bounds, so that the window aggregate downstream fires them
// with the same watermark, and drops the sessions it has closed for good.
func (w *SessionWindow) OnWatermark(ctx context.Context, wms []int64, out Emitter) (int64, error) {
	wm := wms[0]
	if wm <= w.wm {
		return wm, nil
	}
	// The rows sent now are on time for the watermark before this one, as
	// an aggregate's fired rows are: the window aggregate downstream takes
	// them before it fires their sessions under this one.
	prev := w.wm
	w.wm = wm
	it, err := w.sessions.Iter(nil, nil)
	if err != nil {
		return 0, err
	}
	type due struct {
		key        []byte // the session's key, under which its rows are
		start, end int64
		fire, drop bool
	}
	var dues []due
	for ok := it.First(); ok; ok = it.Next() {
		end, sent, ok := decodeSession(it.Value())
		if !ok {
			it.Close()
			return 0, fmt.Errorf("session window: corrupt session entry")
		}
		fire, drop := !sent && fired(end, wm), w.closed(end, wm)
		if fire || drop {
			d := due{key: bytes.Clone(it.Key()), end: end, fire: fire, drop: drop}
			if fire {
				// The key is the partition's values, then the start.
				vals, _, err := state.DecodeTupleKey(d.key, len(w.part)+1, nil)
				if err != nil {
					it.Close()
					return 0, fmt.Errorf("session window: corrupt session key: %w", err)
				}
				d.start = vals[len(w.part)].I
			}
			dues = append(dues, d)
		}
	}
	if err := it.Close(); err != nil {
		return 0, err
	}
	w.start(ctx, out)
	if len(dues) > 0 {
		w.cache.clear() // sessions fire (their flag changes) or go
	}
	for _, d := range dues {
		if d.fire {
			if err := w.fire(d.key, d.start, d.end, prev, !d.drop); err != nil {
				w.flush()
				return 0, err
			}
		}
		if d.drop {
			w.sessions.Delete(d.key)
			if err := w.deleteRows(d.key); err != nil {
				w.flush()
				return 0, err
			}
		}
	}
	if err := w.flush(); err != nil {
		return 0, err
	}
	return wm, nil
}

// fire sends the rows of the session under key, [start, end); keep marks
// the session as sent, for a session that stays open for late rows.
func (w *SessionWindow) fire(key []byte, start, end, wm int64, keep bool) error {
	it, err := w.rows.Scan(key)
	if err != nil {
		return err
	}
	for ok := it.First(); ok; ok = it.Next() {
		row, m, err := DecodeEntry(it.Value())
		if err != nil {
			it.Close()
			return fmt.Errorf("session window: %w", err)
		}
		w.emit(row, start, end, m, wm)
	}
	if err := it.Close(); err != nil {
		return err
	}
	if keep {
		w.buf = binary.AppendVarint(w.buf[:0], end)
		w.sessions.Put(key, append(w.buf, 1))
	}
	return nil
}

// deleteRows deletes the rows of a session.
func (w *SessionWindow) deleteRows(prefix []byte) error { return w.rows.DeletePrefix(prefix) }

func (w *SessionWindow) OnBarrier(context.Context) error { return nil }
func (w *SessionWindow) Close() error                    { return nil }
