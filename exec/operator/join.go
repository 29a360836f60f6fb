package operator

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	"riffle/exec/expr"
	"riffle/exec/state"
	"riffle/planner/logical"
	"riffle/planner/scalar"
	"riffle/sql/types"
)

// Join maintains a regular join of two changelogs: inner, left, right and
// full outer, semi and anti (IN, EXISTS, INTERSECT, EXCEPT), on equality
// keys and any residual condition. Each side keeps its rows in its own
// state table, indexed by join key:
//
//	joinKey 0x01 rowKey → multiplicity, match count, last update (ms), row
//	joinKey 0x00        → the side's total multiplicity under joinKey
//
// (A side whose input only inserts keeps each insert under a short id
// instead, without a read: join_append.go.)
//
// A change on one side updates its own entry and probes the other side's
// rows under the same key, emitting each pair with the product of the two
// multiplicities; an update or delete therefore retracts exactly the pairs
// its row made.
//
// A row of a preserved side (the left of LEFT JOIN, both of FULL) shows as
// a padded row while nothing matches it; a semi join shows a left row while
// something matches, an anti join while nothing does. To know when a row's
// matches go from none to some and back, the operator counts them. Without
// a residual condition every row under a join key has the same matches, so
// the other side's per-key total is the count, and a change that moves the
// total across zero flips every row under the key, streamed in chunks
// rather than buffered (a merchant turning premium re-emits a million item
// rows). With a residual condition the count is per row, kept in the row's
// entry and updated as pairs come and go.
//
// A NULL key never matches (except under IS NOT DISTINCT FROM), so such a
// row keeps no state: it shows at once as padded, as an anti join's row, or
// not at all. NOT IN is the exception (NullAware): there a NULL on either
// side changes every left row's answer, so its rows are kept.
//
// With a state TTL a row whose own last change is older than the TTL is
// retracted as if deleted, with the pairs it made (the sweep each batch
// runs over a slice of both sides finds it), so the result stays what the
// state says. Until the sweep reaches it, an expired row still matches.
type Join struct {
	node     *logical.Join
	kind     logical.JoinKind
	sides    [2]joinSide
	residual expr.Predicate // over left ++ right; nil: none
	// A window join (both inputs event-time windows, joined on their
	// window_end among other keys) drops a window's rows once the
	// watermark has passed its end and lateness: winKey is that key.
	window   bool
	winKey   int
	lateness int64
	// padAtClose: a window outer join, which pads at window close
	// (join_window.go); fired is the watermark up to which it has.
	padAtClose bool
	fired      int64
	perRow     bool // match counts are per row (there is a residual)
	exp        expiry

	out    types.Batch
	rows   joinRows  // the output rows of the current chunk
	other  types.Row // scratch: a decoded row of the probed side
	entry  []byte    // scratch: an entry value
	kbuf   []byte    // scratch: a row's join key and row key
	prefix []byte    // scratch: the prefix a probe scans
	tbuf   []byte    // scratch: a total's key
	vbuf   []byte    // scratch: a total's value
}

// joinSide is one input of a Join.
type joinSide struct {
	keys     []expr.Func
	nullSafe []bool
	table    *state.Table
	// tracks: this side's rows show or hide with their matches (see Join).
	tracks bool
	// totals: this side keeps per-key totals, because the other side tracks
	// its matches through them.
	totals bool
	// appendable: the plan lets this side store its rows as an append-only
	// side (join_append.go); appends: it does (no TTL either). nextID is
	// its next row id, idsMoved set when the batch took ids.
	appendable, appends bool
	nextID              uint64
	idsMoved            bool
	sweep               []byte // the TTL sweep's cursor
	// cache holds this side's rows under recent join keys, for probes.
	cache joinCache
	// complete: the cache holds every row of the side but those under the
	// stale keys (join_complete.go); writes counts the writes since.
	complete bool
	writes   int
	stale    map[string]struct{}
	// iter probes this side's rows; made by the first probe of a batch and
	// closed at its end (an open iterator would block the epoch's commit).
	iter *state.Iter
}

var _ Operator = (*Join)(nil)

// JoinTables is how many state tables a Join uses: one per side.
const JoinTables = 2

// joinChunk is how many output changes a Join collects before it emits
// them, so that a change fanning out to a million rows streams.
const joinChunk = 1024

// Entry tags after a join key.
const (
	tagTotal = 0x00
	tagRow   = 0x01
)

// NewJoin compiles the join's keys and residual condition.
func NewJoin(n *logical.Join, env expr.Env) (*Join, error) {
	if n.Interval != nil {
		return nil, fmt.Errorf("join: an interval join needs watermarks")
	}
	j := &Join{node: n, kind: n.Kind}
	j.rows.width = [2]int{n.Left.Schema().Len(), n.Right.Schema().Len()}
	for s, exprs := range [2][]scalar.Expr{n.LeftKeys, n.RightKeys} {
		for _, e := range exprs {
			f, err := expr.CompileEnv(e, env)
			if err != nil {
				return nil, err
			}
			j.sides[s].keys = append(j.sides[s].keys, f)
		}
		j.sides[s].nullSafe = n.NullSafe
	}
	if n.Residual != nil {
		p, err := expr.CompilePredicate(n.Residual)
		if err != nil {
			return nil, err
		}
		j.residual, j.perRow = p, true
	}
	switch n.Kind {
	case logical.LeftJoin, logical.SemiJoin, logical.AntiJoin:
		j.sides[0].tracks = true
	case logical.RightJoin:
		j.sides[1].tracks = true
	case logical.FullJoin:
		j.sides[0].tracks, j.sides[1].tracks = true, true
	}
	if !j.perRow {
		j.sides[1].totals = j.sides[0].tracks
		j.sides[0].totals = j.sides[1].tracks
	}
	for s := range j.sides {
		j.sides[s].appendable = appendsRows(n, s, j.sides[s].tracks)
	}
	j.window, j.winKey, j.lateness = logical.WindowJoin(n)
	j.padAtClose = padsAtClose(j.window, n.Kind)
	if n.NullAware {
		if j.perRow || len(n.LeftKeys) != 1 {
			return nil, fmt.Errorf("join: NOT IN takes one column and no other condition")
		}
		j.sides[1].totals = true
	}
	return j, nil
}

func (j *Join) Open(_ context.Context, env *Env) error {
	j.sides[0].table, j.sides[1].table = env.Table(0), env.Table(1)
	j.sides[0].cache, j.sides[1].cache = newJoinCache(), newJoinCache()
	j.exp = newExpiry(env)
	if err := j.openRowIDs(); err != nil {
		return err
	}
	if err := j.openWindow(); err != nil {
		return err
	}
	return j.openComplete()
}

// OnWatermark pads, in a window outer join, the unmatched rows of the
// windows the watermark fires, and drops, in a window join, the rows of the
// windows it has closed for good: no row of theirs can come any more. The
// pairs they made stay in the result.
func (j *Join) OnWatermark(ctx context.Context, wms []int64, out Emitter) (int64, error) {
	wm := min(wms[0], wms[1])
	if j.padAtClose && wm > j.fired {
		if err := j.fireWindows(ctx, wm, out); err != nil {
			return 0, err
		}
	}
	if j.window && wm > 0 {
		upper := state.AppendKey(nil, types.NewTimestamp(wm+windowTimeGap-j.lateness+1))
		j.sides[0].table.DeleteRange(nil, upper)
		j.sides[1].table.DeleteRange(nil, upper)
		j.sides[0].cache.clear()
		j.sides[1].cache.clear() // a window join's sides are never complete
	}
	return wm, nil
}

func (j *Join) OnBarrier(context.Context) error { return nil }
func (j *Join) Close() error                    { return nil }

func (j *Join) OnBatch(ctx context.Context, input int, b types.Batch, out Emitter) error {
	defer j.closeCursors()
	j.out = j.out[:0]
	for s := range j.sides {
		if err := j.expire(ctx, s, out); err != nil {
			return err
		}
	}
	for _, c := range b {
		if err := j.apply(ctx, input, c.Row, int64(c.Diff), out); err != nil {
			return err
		}
	}
	j.saveRowIDs()
	return j.flush(ctx, out)
}

// apply processes one change of side s.
func (j *Join) apply(ctx context.Context, s int, row types.Row, d int64, out Emitter) error {
	if d == 0 {
		return nil
	}
	me, other := &j.sides[s], &j.sides[1-s]
	null, err := j.joinKey(me, row)
	if err != nil {
		return err
	}
	if j.node.NullAware {
		return j.applyNotIn(ctx, s, row, d, null, out)
	}
	if null {
		// Nothing matches a NULL key, now or later: the row shows at once
		// as unmatched, and keeps no state.
		if me.tracks && j.shows(0) {
			// Not held in a window join either: no state keeps it for
			// the window's close.
			return j.emit(ctx, j.shownRow(s, row), d, out)
		}
		return nil
	}
	jk := j.kbuf // the join key; the row key is appended after it below
	var before, after int64
	if me.totals {
		if before, after, err = j.addTotal(me, jk, d); err != nil {
			return err
		}
	}
	pairs := j.kind != logical.SemiJoin && j.kind != logical.AntiJoin
	crosses := other.tracks && !j.perRow && (before == 0) != (after == 0)
	var matched int64
	if pairs || crosses || (j.perRow && (me.tracks || other.tracks)) {
		if matched, err = j.probe(ctx, s, row, d, jk, before, after, pairs, out); err != nil {
			return err
		}
	}
	if me.tracks {
		if !j.perRow {
			if matched, err = j.total(other, jk); err != nil {
				return err
			}
		}
		if err := j.show(ctx, s, row, d, matched, out); err != nil {
			return err
		}
	}
	if me.appends {
		return j.appendRow(me, row, d)
	}
	return j.addRow(me, row, d, matched)
}

// probe walks the other side's rows under join key jk for a change of row
// (diff d) on side s: it emits the pairs (when pairs is set), moves the
// other side's rows that show or hide as their matches change (their
// per-key total going from before to after, or their own counts), and
// returns how many rows (by multiplicity) match row. The rows come from
// the other side's cache when it holds jk, and are cached otherwise.
func (j *Join) probe(ctx context.Context, s int, row types.Row, d int64, jk []byte,
	before, after int64, pairs bool, out Emitter) (int64, error) {
	other := &j.sides[1-s]
	var matched int64
	if cached, ok := other.cache.get(jk); ok {
		for i := range cached {
			n, err := j.visit(ctx, s, row, d, &cached[i], before, after, pairs, out)
			if err != nil {
				return 0, err
			}
			matched += n
		}
		return matched, nil
	}
	if other.knownEmpty(jk) {
		return 0, nil
	}
	it, err := j.cursor(1 - s)
	if err != nil {
		return 0, err
	}
	j.prefix = append(append(j.prefix[:0], jk...), tagRow)
	it.Rescan(j.prefix)
	keep, caching := []joinEntry(nil), true
	for ok := it.First(); ok; ok = it.Next() {
		key := it.Key()
		m, deg, touched, orow, err := j.decodeEntry(key[len(j.prefix):], it.Value())
		if err != nil {
			return 0, fmt.Errorf("join: %w", err)
		}
		e := joinEntry{key: key, m: m, deg: deg, touched: touched, row: orow}
		if caching = caching && len(keep) < joinCacheRows; caching {
			e.row = orow.Clone()
			// Only a tracking side's entries are written back (visit);
			// an append-only side's key is not kept.
			if e.key = nil; other.tracks {
				e.key = bytes.Clone(key)
			}
		}
		n, err := j.visit(ctx, s, row, d, &e, before, after, pairs, out)
		if err != nil {
			return 0, err
		}
		matched += n
		if caching {
			keep = append(keep, e) // after visit, which may update its count
		}
	}
	if err := it.Error(); err != nil {
		return 0, err
	}
	other.cached(jk, keep, caching)
	return matched, nil
}

// visit is probe's work on one row e of the other side: it returns e's
// multiplicity if e matches row, emits their pair, and moves e in or out
// of the result as its matches change (updating its match count, in the
// table and in e, when counts are per row).
func (j *Join) visit(ctx context.Context, s int, row types.Row, d int64, e *joinEntry,
	before, after int64, pairs bool, out Emitter) (int64, error) {
	other := &j.sides[1-s]
	var pair types.Row
	if pairs {
		// The condition reads the pair where it will be emitted from, and
		// a pair it rejects gives its place back: one copy of the two
		// rows, not two (q9's condition is on every bid's pair).
		pair = j.rows.pairRow(s, row, e.row)
	}
	if j.residual != nil {
		scratch := pair
		if !pairs {
			scratch = j.rows.scratchPair(s, row, e.row)
		}
		ok, err := j.residual(scratch)
		if err != nil || !ok {
			if pairs {
				j.rows.unpair(pair)
			}
			return 0, err
		}
	}
	if pairs {
		if err := j.emit(ctx, pair, d*e.m, out); err != nil {
			return 0, err
		}
	}
	if !other.tracks {
		return e.m, nil
	}
	if j.perRow {
		// The other row's own count moves by d; write it back (the
		// iterator does not see writes made after it was created).
		j.entry = appendEntry(j.entry[:0], e.m, e.deg+d, e.touched, e.row)
		other.table.Put(e.key, j.entry)
		before, after = e.deg, e.deg+d
		e.deg += d
	}
	return e.m, j.flip(ctx, 1-s, e.row, e.m, before, after, out)
}

// cursor returns side s's probe iterator, made once per batch: a probe
// rescans it rather than making its own, which costs more than the probe.
func (j *Join) cursor(s int) (*state.Iter, error) {
	side := &j.sides[s]
	if side.iter == nil {
		it, err := side.table.Iter(nil, nil)
		if err != nil {
			return nil, err
		}
		side.iter = it
	}
	return side.iter, nil
}

func (j *Join) closeCursors() {
	for s := range j.sides {
		if it := j.sides[s].iter; it != nil {
			it.Close()
			j.sides[s].iter = nil
		}
	}
}

// flip emits what a row (multiplicity m) of tracking side s stops or starts
// showing when its matches go from before to after.
func (j *Join) flip(ctx context.Context, s int, row types.Row, m, before, after int64, out Emitter) error {
	was, is := j.shows(before), j.shows(after)
	if was != is && j.held(s, row) {
		return nil // the window's close pads it, if it is still unmatched then
	}
	switch {
	case was && !is:
		return j.emit(ctx, j.shownRow(s, row), -m, out)
	case !was && is:
		return j.emit(ctx, j.shownRow(s, row), m, out)
	}
	return nil
}

// show emits the change d of a row of tracking side s that has matched
// matches: its shown row, if it shows.
func (j *Join) show(ctx context.Context, s int, row types.Row, d, matched int64, out Emitter) error {
	if !j.shows(matched) || j.held(s, row) {
		return nil
	}
	return j.emit(ctx, j.shownRow(s, row), d, out)
}

// shows is whether a tracking row with n matches shows: a semi join's row
// when something matches, an outer join's padded row and an anti join's
// row when nothing does.
func (j *Join) shows(n int64) bool {
	if j.kind == logical.SemiJoin {
		return n > 0
	}
	return n == 0
}

// shownRow is what a tracking row of side s shows as: itself (semi and
// anti joins), or padded with NULLs for the other side.
func (j *Join) shownRow(s int, row types.Row) types.Row {
	if j.kind == logical.SemiJoin || j.kind == logical.AntiJoin {
		return j.rows.copyRow(row)
	}
	return j.rows.padded(s, row)
}

// emit queues one output change, emitting the queue when it is full.
func (j *Join) emit(ctx context.Context, row types.Row, d int64, out Emitter) error {
	j.out = append(j.out, types.Change{Row: row, Diff: types.Diff(d)})
	if len(j.out) >= joinChunk {
		return j.flush(ctx, out)
	}
	return nil
}

func (j *Join) flush(ctx context.Context, out Emitter) error {
	if len(j.out) == 0 {
		return nil
	}
	err := out.Emit(ctx, j.out)
	// The batch is reused; its rows may be kept, so the next chunk's rows
	// get a fresh backing (one allocation per chunk).
	j.out = j.out[:0]
	j.rows.renew()
	return err
}

// joinKey encodes row's join key into j.kbuf and reports whether it holds
// a NULL that cannot match.
func (j *Join) joinKey(side *joinSide, row types.Row) (bool, error) {
	j.kbuf = j.kbuf[:0]
	if j.window {
		// A window join's keys lead with the window's end, so the windows
		// the watermark closes are one range of the state.
		v, err := side.keys[j.winKey](row)
		if err != nil {
			return false, err
		}
		j.kbuf = state.AppendKey(j.kbuf, v)
	}
	var null bool
	var err error
	j.kbuf, null, err = appendJoinKey(j.kbuf, side.keys, side.nullSafe, row)
	return null, err
}

// addTotal adds d to side's total under jk and returns it before and after.
func (j *Join) addTotal(side *joinSide, jk []byte, d int64) (before, after int64, err error) {
	if before, err = j.total(side, jk); err != nil {
		return 0, 0, err
	}
	after = before + d
	switch {
	case after < 0:
		return 0, 0, fmt.Errorf("join: row retracted more often than inserted (total %d)", after)
	case after == 0:
		side.table.Delete(j.tbuf)
	default:
		j.vbuf = binary.AppendVarint(j.vbuf[:0], after)
		side.table.Put(j.tbuf, j.vbuf)
	}
	return before, after, nil
}

// total reads side's total under jk (leaving its key in j.tbuf).
func (j *Join) total(side *joinSide, jk []byte) (int64, error) {
	j.tbuf = append(append(j.tbuf[:0], jk...), tagTotal)
	var ok bool
	var err error
	j.vbuf, ok, err = side.table.GetAppend(j.vbuf[:0], j.tbuf)
	if err != nil || !ok {
		return 0, err
	}
	n, _ := binary.Varint(j.vbuf)
	return n, nil
}

// addRow adds d to row's multiplicity in its side's state (j.kbuf holds
// its join key), recording its match count.
func (j *Join) addRow(side *joinSide, row types.Row, d, matched int64) error {
	side.cache.drop(j.kbuf)
	side.wrote(j.kbuf)
	j.kbuf = state.AppendTupleKey(append(j.kbuf, tagRow), row)
	var ok bool
	var err error
	j.entry, ok, err = side.table.GetAppend(j.entry[:0], j.kbuf)
	if err != nil {
		return err
	}
	var m int64
	if ok {
		m, _ = binary.Varint(j.entry)
	}
	m += d
	switch {
	case m < 0:
		return fmt.Errorf("join: row retracted more often than inserted (multiplicity %d)", m)
	case m == 0:
		side.table.Delete(j.kbuf)
	default:
		if !j.perRow || !side.tracks {
			matched = 0 // only per-row counts are kept
		}
		var now int64
		if j.exp.ttl > 0 {
			now = j.exp.now()
		}
		j.entry = appendEntry(j.entry[:0], m, matched, now, row)
		side.table.Put(j.kbuf, j.entry)
	}
	return nil
}

func appendEntry(dst []byte, m, matched, touched int64, row types.Row) []byte {
	dst = binary.AppendVarint(dst, m)
	dst = binary.AppendVarint(dst, matched)
	dst = binary.AppendVarint(dst, touched)
	return state.AppendRow(dst, row)
}

// decodeEntry decodes a row entry into j.other: rowKey is what follows
// the row tag in its key, which tells an append-only side's entry (see
// join_append.go), whose value holds the multiplicity and row alone.
func (j *Join) decodeEntry(rowKey, val []byte) (m, matched, touched int64, row types.Row, err error) {
	var w int
	if appended(rowKey) {
		if m, w = binary.Varint(val); w <= 0 {
			return 0, 0, 0, nil, fmt.Errorf("corrupt join state entry")
		}
		j.other, err = state.DecodeRow(val[w:], j.other)
		return m, 0, 0, j.other, err
	}
	for _, p := range []*int64{&m, &matched, &touched} {
		*p, w = binary.Varint(val)
		if w <= 0 {
			return 0, 0, 0, nil, fmt.Errorf("corrupt join state entry")
		}
		val = val[w:]
	}
	j.other, err = state.DecodeRow(val, j.other)
	return m, matched, touched, j.other, err
}

// expire retracts, on side s, the rows the TTL sweep finds expired.
func (j *Join) expire(ctx context.Context, s int, out Emitter) error {
	if j.exp.ttl <= 0 {
		return nil
	}
	side := &j.sides[s]
	type dead struct {
		row types.Row
		m   int64
	}
	var gone []dead
	j.exp.cursor = side.sweep
	err := j.exp.sweep(side.table, func(key, val []byte) error {
		if len(key) > 0 && key[0] == firedKey[0] {
			return nil // firedKey, seqKey
		}
		_, rest, err := state.DecodeTupleKey(key, len(side.keys), nil)
		if err != nil || len(rest) == 0 || rest[0] != tagRow {
			return err
		}
		m, _, touched, row, err := j.decodeEntry(rest[1:], val)
		if err != nil {
			return err
		}
		if j.exp.expired(touched) {
			gone = append(gone, dead{row.Clone(), m})
		}
		return nil
	})
	side.sweep = j.exp.cursor
	if err != nil {
		return fmt.Errorf("join: %w", err)
	}
	for _, g := range gone {
		if err := j.apply(ctx, s, g.row, -g.m, out); err != nil {
			return err
		}
	}
	return nil
}

// applyNotIn processes a change of x NOT IN (SELECT y …). A left row shows
// when the subquery is empty, or when x is not NULL, no y is NULL and no y
// equals x. The right side keeps its rows and totals under their key, NULL
// included, and its overall total under the empty key; the left side keeps
// its rows, NULL keys included, since an emptying subquery shows them all.
func (j *Join) applyNotIn(ctx context.Context, s int, row types.Row, d int64, null bool, out Emitter) error {
	right := &j.sides[1]
	nullKey := state.AppendKey(nil, types.Null)
	if s == 0 {
		all, err := j.total(right, nil)
		if err != nil {
			return err
		}
		nulls, err := j.total(right, nullKey)
		if err != nil {
			return err
		}
		var eq int64
		if !null {
			if eq, err = j.total(right, j.kbuf); err != nil {
				return err
			}
		}
		if notInShows(all, nulls, eq, null) {
			if err := j.emit(ctx, j.rows.copyRow(row), d, out); err != nil {
				return err
			}
		}
		return j.addRow(&j.sides[0], row, d, 0)
	}
	y := bytes.Clone(j.kbuf)
	all0, all1, err := j.addTotal(right, nil, d)
	if err != nil {
		return err
	}
	nulls0, err := j.total(right, nullKey)
	if err != nil {
		return err
	}
	nulls1 := nulls0
	var eq0, eq1 int64
	if eq0, eq1, err = j.addTotal(right, y, d); err != nil {
		return err
	}
	if null {
		nulls0, nulls1 = eq0, eq1
	}
	j.kbuf = append(j.kbuf[:0], y...)
	if err := j.addRow(right, row, d, 0); err != nil {
		return err
	}
	switch {
	case (all0 == 0) != (all1 == 0) || (nulls0 == 0) != (nulls1 == 0):
		// Every left row's answer may change: walk them all.
		return j.walkNotIn(ctx, nil, func(x []byte, xnull bool) (bool, bool, error) {
			eq, err := j.total(right, x)
			if bytes.Equal(x, y) {
				return notInShows(all0, nulls0, eq0, xnull), notInShows(all1, nulls1, eq1, xnull), err
			}
			return notInShows(all0, nulls0, eq, xnull), notInShows(all1, nulls1, eq, xnull), err
		}, out)
	case !null && (eq0 == 0) != (eq1 == 0):
		return j.walkNotIn(ctx, y, func([]byte, bool) (bool, bool, error) {
			return notInShows(all1, nulls1, eq0, false), notInShows(all1, nulls1, eq1, false), nil
		}, out)
	}
	return nil
}

func notInShows(all, nulls, eq int64, xnull bool) bool {
	return all == 0 || (!xnull && nulls == 0 && eq == 0)
}

// walkNotIn walks the left rows under join key jk (all of them when jk is
// nil) and emits the difference between whether each showed and shows.
func (j *Join) walkNotIn(ctx context.Context, jk []byte, showed func(x []byte, xnull bool) (bool, bool, error), out Emitter) error {
	it, err := j.sides[0].table.Scan(jk)
	if err != nil {
		return err
	}
	defer it.Close()
	nullKey := state.AppendKey(nil, types.Null)
	var x []byte
	var was, is bool
	for ok := it.First(); ok; ok = it.Next() {
		key := it.Key()
		_, rest, err := state.DecodeTupleKey(key, 1, nil)
		if err != nil {
			return err
		}
		if k := key[:len(key)-len(rest)]; !bytes.Equal(k, x) {
			x = append(x[:0], k...)
			if was, is, err = showed(x, bytes.Equal(x, nullKey)); err != nil {
				return err
			}
		}
		if was == is || len(rest) == 0 || rest[0] != tagRow {
			continue
		}
		m, _, _, row, err := j.decodeEntry(rest[1:], it.Value())
		if err != nil {
			return err
		}
		if !is {
			m = -m
		}
		if err := j.emit(ctx, j.rows.copyRow(row), m, out); err != nil {
			return err
		}
	}
	return it.Error()
}
