package operator

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"

	"riffle/exec/state"
	"riffle/planner/logical"
	"riffle/planner/scalar"
	"riffle/sql/types"
)

// TopN keeps, per partition, the rows ranked Offset+1 … Offset+Limit by its
// order (ROW_NUMBER() … WHERE rn <= N; deduplication with N = 1; RANK and
// DENSE_RANK, where rows that tie on the order share a rank). Every row
// of a partition is kept in its state table, ordered: the key is the
// partition, then the order columns (NULLs placed as the query asks), then
// the whole row as a tie-break, so equal rows meet and ties rank the same
// way on every run; the value is the row's multiplicity and the row. (An
// append-only Top-N at layout 4 keeps a partition's top as one entry
// instead: see below and top_n_append.go.)
//
// A batch applies its changes, then, for each partition it touched,
// compares the top before and after and emits the difference: a row that
// left the top is retracted, one that entered is inserted, and with the row
// number selected a row whose rank moved is retracted at its old rank and
// inserted at its new one. Only the partitions of the current batch are held
// in Go memory.
//
// A window Top-N (partitioned by the window_end of an event-time window)
// emits only final results, as Flink's: a window's partitions are ranked
// in state silently until the watermark fires the window, which emits the
// top of each; changes a window's rows get after that (within its allowed
// lateness) are emitted as above. Table 1 records, under firedKey, the
// watermark up to which windows have fired, so that a restart (whose
// watermark is delivered again) fires none twice, and a mark for each
// partition of a window not yet fired, for the watermark to find it.
//
// With a state TTL, table 1 holds each partition's last update time; an
// append-only Top-N at layouts before 4 marks there that a partition has
// rows (see load); a window Top-N keeps its marks and firedKey there.
// With a state TTL, a partition not updated for the TTL expires:
// its top is retracted and its rows forgotten, when the partition is next
// touched or when the sweep each batch runs over a slice of the
// partitions finds it.
//
// Over an append-only input (and no TTL, whose expiry upstream would
// retract; and neither RANK, whose ties make the top's size unbounded, nor a
// window Top-N, whose partitions wait for the watermark), a row that falls out of the top can never come back, so a
// partition keeps only its top rows, as Flink's append-only Top-N does:
// Nexmark q9 and q19 keep one and ten bids per auction rather than all of
// them. The batch then works on the partition's rows in memory, read once
// when the batch first touches it, and writes what changed at its end
// (top_n_append.go, which also says how the two layouts store them).
type TopN struct {
	n      *logical.TopN
	order  []int // input column of each sort key
	table  *state.Table
	rows   counts // table, as a multiset
	marks  *state.Table
	exp    expiry
	parts  map[string]*topPart
	seq    []*topPart
	key    []byte
	out    types.Batch
	extent int64 // how many ranks matter: Offset + Limit
	// A window Top-N (partitioned by the window_end of an event-time
	// window) keys its partitions by the window's end first, and drops
	// them once the watermark has passed the end and the lateness.
	windowed bool
	endCol   int
	lateness int64
	fired    int64 // the watermark up to which windows have fired (µs)
	// appendOnly: the partitions keep only their top (see TopN), each
	// as one entry when packed (layout 4; top_n_append.go).
	appendOnly, packed bool
	buf                []byte      // a packed partition's entry, read or written
	scratch            []byte      // a row of it, encoded
	cursor             *state.Iter // the batch's scans of partitions, made once
	// cache holds append-only partitions' rows as stored (write-through:
	// store caches what it writes), so that a partition a later batch
	// touches again is not scanned and decoded again.
	cache boundedCache[[]topRow]
}

// topCacheBytes bounds a Top-N's cache of partitions.
const topCacheBytes = 16 << 20

type topPart struct {
	prefix []byte
	old    []types.Row // the output rows before the batch
	// The partition's rows in order, kept in memory for the batch when the
	// input is append-only, and the keys of those that left.
	rows    []topRow
	dropped [][]byte
	marked  bool // the partition has its entry in table 1
	// held: the partition's window has not fired, so its changes are not
	// emitted yet.
	held bool
}

// firedKey is where a window Top-N keeps its fired watermark in table 1:
// 0xFF is no key tag, so it sorts after every partition's mark and no
// window's range deletion reaches it.
var firedKey = []byte{0xFF}

// firedBound is the exclusive upper key of the windows watermark wm has
// fired (their end at most wm + 1 ms): the end of input's watermark
// (math.MaxInt64) fires them all, up to firedKey.
func firedBound(wm int64) []byte {
	if wm > math.MaxInt64-windowTimeGap-1 {
		return firedKey
	}
	return state.AppendKey(nil, types.NewTimestamp(wm+windowTimeGap+1))
}

// topRow is one entry of an append-only partition: its key, row and
// multiplicity, and the multiplicity stored (0: none).
type topRow struct {
	key    []byte
	row    types.Row
	m, was int64
}

var _ Operator = (*TopN)(nil)

// NewTopN returns the operator; the plan's sort keys are column references.
func NewTopN(n *logical.TopN) (*TopN, error) {
	t := &TopN{n: n, parts: map[string]*topPart{}, extent: n.Offset + n.Limit}
	if col, lateness, ok := logical.WindowEnd(n.Input); ok && slices.Contains(n.PartitionBy, col) {
		t.windowed, t.endCol, t.lateness = true, col, lateness
	}
	for _, k := range n.OrderBy {
		c, ok := k.Expr.(*scalar.ColRef)
		if !ok {
			return nil, fmt.Errorf("top-n: sort key %s is not a column", k.Expr)
		}
		t.order = append(t.order, c.Idx)
	}
	return t, nil
}

// TopNTables is how many state tables a TopN uses.
const TopNTables = 2

func (t *TopN) Open(_ context.Context, env *Env) error {
	t.table, t.marks = env.Table(0), env.Table(1)
	t.rows.table = t.table
	t.exp = newExpiry(env)
	// A TTL here is the only way one below has one (see Aggregate.Open).
	t.appendOnly = t.n.Input != nil && t.n.Input.Props().Changelog == logical.AppendOnly && env.TTL <= 0 &&
		t.n.Func == "" && !t.windowed
	t.packed = t.appendOnly && (t.n.Layout == 0 || t.n.Layout >= 4)
	t.cache = newBoundedCache[[]topRow](topCacheBytes)
	if t.windowed {
		v, ok, err := t.marks.Get(firedKey)
		if err != nil {
			return err
		}
		if ok {
			t.fired, _ = binary.Varint(v)
		}
	}
	return nil
}

func (t *TopN) OnBatch(ctx context.Context, _ int, b types.Batch, out Emitter) error {
	defer t.closeCursor()
	t.out = t.out[:0]
	if err := t.sweep(func(prefix, val []byte) error {
		touched, _ := binary.Varint(val)
		if !t.exp.expired(touched) {
			return nil
		}
		return t.expire(prefix)
	}); err != nil {
		return err
	}
	for _, c := range b {
		p, err := t.partition(c.Row)
		if err != nil {
			return err
		}
		if err := t.apply(p, c); err != nil {
			return err
		}
	}
	return t.flush(ctx, out)
}

// partition finds the row's partition, reading its top before the batch
// changes it the first time the batch touches it.
func (t *TopN) partition(row types.Row) (*topPart, error) {
	t.key = t.key[:0]
	if t.windowed {
		t.key = state.AppendKey(t.key, row[t.endCol])
	}
	for _, i := range t.n.PartitionBy {
		t.key = state.AppendKey(t.key, row[i])
	}
	if p, ok := t.parts[string(t.key)]; ok {
		return p, nil
	}
	p := &topPart{prefix: bytes.Clone(t.key)}
	if t.windowed && row[t.endCol].I > t.fired+windowTimeGap {
		// Not fired yet: the watermark emits the window's top.
		p.held = true
		t.parts[string(p.prefix)] = p
		t.seq = append(t.seq, p)
		return p, nil
	}
	if t.exp.ttl > 0 {
		// Marks are read only for the TTL (and written only with one).
		if mark, ok, err := t.marks.Get(p.prefix); err != nil {
			return nil, err
		} else if ok {
			if touched, _ := binary.Varint(mark); t.exp.expired(touched) {
				if err := t.expire(p.prefix); err != nil {
					return nil, err
				}
			}
		}
	}
	if t.appendOnly {
		if err := t.load(p); err != nil {
			return nil, err
		}
		p.old = t.ranked(p.rows)
	} else {
		old, err := t.top(p.prefix)
		if err != nil {
			return nil, err
		}
		p.old = old
	}
	t.parts[string(p.prefix)] = p
	t.seq = append(t.seq, p)
	return p, nil
}

// sweep runs the TTL sweep; a window Top-N's state goes with the watermark
// instead.
func (t *TopN) sweep(visit func(prefix, val []byte) error) error {
	if t.windowed {
		return nil
	}
	return t.exp.sweep(t.marks, visit)
}

// OnWatermark emits the top of every partition of the windows the
// watermark fires, and drops the partitions of the windows it has closed
// for good (past their end and allowed lateness). Their rows stay in the
// result: the top of a closed window is final.
func (t *TopN) OnWatermark(ctx context.Context, wms []int64, out Emitter) (int64, error) {
	wm := wms[0]
	if t.windowed && wm > t.fired {
		err := t.fire(ctx, wm, out)
		t.closeCursor()
		if err != nil {
			return 0, err
		}
	}
	if t.windowed && wm > 0 {
		// A window ending at e has closed for good once wm >= e - 1 ms + L.
		upper := state.AppendKey(nil, types.NewTimestamp(wm+windowTimeGap-t.lateness+1))
		t.table.DeleteRange(nil, upper)
		t.marks.DeleteRange(nil, upper)
		t.cache.clear()
	}
	return wm, nil
}

// fire emits the top of each partition of the windows that end after the
// last fired watermark and no later than wm + 1 ms: a window [s, e) fires
// when the watermark reaches e - 1 ms.
func (t *TopN) fire(ctx context.Context, wm int64, out Emitter) error {
	it, err := t.marks.Iter(firedBound(t.fired), firedBound(wm))
	if err != nil {
		return err
	}
	var prefixes [][]byte
	for ok := it.First(); ok; ok = it.Next() {
		prefixes = append(prefixes, bytes.Clone(it.Key()))
	}
	if err := errors.Join(it.Error(), it.Close()); err != nil {
		return err
	}
	t.out = t.out[:0]
	for _, prefix := range prefixes {
		rows, err := t.top(prefix)
		if err != nil {
			return err
		}
		for _, r := range rows {
			t.out = append(t.out, types.Change{Row: r, Diff: 1})
		}
	}
	t.fired = wm
	t.marks.Put(firedKey, binary.AppendVarint(nil, wm))
	if len(t.out) == 0 {
		return nil
	}
	return out.Emit(ctx, t.out)
}

// apply adds a change to the row's multiplicity in the ordered state.
func (t *TopN) apply(p *topPart, c types.Change) error {
	if t.appendOnly {
		return t.applyAppend(p, c)
	}
	t.key = t.rowKey(t.key[:0], p.prefix, c.Row)
	if _, _, err := t.rows.add(t.key, c.Row, int64(c.Diff)); err != nil {
		return fmt.Errorf("top-n: %w", err)
	}
	return nil
}

// rowKey appends to dst the key of row in the partition prefix: the
// partition, the order columns, then the whole row as a tie-break.
func (t *TopN) rowKey(dst, prefix []byte, row types.Row) []byte {
	return state.AppendTupleKey(t.orderKey(dst, prefix, row), row)
}

// orderKey appends to dst the start of row's key: the partition and the
// order columns.
func (t *TopN) orderKey(dst, prefix []byte, row types.Row) []byte {
	dst = append(dst, prefix...)
	for i, col := range t.order {
		dst = appendOrdered(dst, row[col], t.n.OrderBy[i])
	}
	return dst
}

// scan positions the batch's cursor on the rows of the partition prefix:
// one iterator serves every partition of a batch, as making one costs more
// than the scan.
func (t *TopN) scan(prefix []byte) (*state.Iter, error) {
	if t.cursor == nil {
		it, err := t.table.Iter(nil, nil)
		if err != nil {
			return nil, err
		}
		t.cursor = it
	}
	t.cursor.Rescan(prefix)
	return t.cursor, nil
}

// closeCursor closes the batch's cursor: an open iterator would hold up
// the epoch's commit.
func (t *TopN) closeCursor() {
	if t.cursor != nil {
		t.cursor.Close()
		t.cursor = nil
	}
}

// appendOrdered encodes one sort key so that byte order is the query's
// order: NULLs first or last as asked, then the value ascending or
// descending.
func appendOrdered(dst []byte, v types.Value, k logical.SortKey) []byte {
	if v.IsNull() {
		if k.NullsFirst {
			return append(dst, 0x00)
		}
		return append(dst, 0xFF)
	}
	dst = append(dst, 0x01)
	if k.Desc {
		return state.AppendKeyDesc(dst, v)
	}
	return state.AppendKey(dst, v)
}

// top reads the partition's output rows: ranks Offset+1 … Offset+Limit,
// each row repeated by its multiplicity, with its rank when selected.
func (t *TopN) top(prefix []byte) ([]types.Row, error) {
	it, err := t.scan(prefix)
	if err != nil {
		return nil, err
	}
	if t.n.Func != "" {
		return t.topRanked(it)
	}
	var out []types.Row
	rank := int64(0)
	for ok := it.First(); ok && rank < t.extent; ok = it.Next() {
		row, n, err := DecodeEntry(it.Value())
		if err != nil {
			return nil, fmt.Errorf("top-n: %w", err)
		}
		for ; n > 0 && rank < t.extent; n-- {
			rank++
			if rank <= t.n.Offset {
				continue
			}
			r := row
			if t.n.RowNumber {
				r = append(row.Clone(), types.NewInt(rank))
			}
			out = append(out, r)
		}
	}
	return out, it.Error()
}

// topRanked is top for RANK and DENSE_RANK: rows that tie on the order
// share a rank; RANK then skips as many ranks as rows tied, DENSE_RANK
// none. The scan stops at the first row ranked past the top.
func (t *TopN) topRanked(it *state.Iter) ([]types.Row, error) {
	var out []types.Row
	var prev types.Row
	pos, rank, dense := int64(0), int64(0), int64(0)
	for ok := it.First(); ok; ok = it.Next() {
		row, n, err := DecodeEntry(it.Value())
		if err != nil {
			return nil, fmt.Errorf("top-n: %w", err)
		}
		if prev == nil || !t.ties(prev, row) {
			rank, dense = pos+1, dense+1
		}
		prev, pos = row, pos+n
		r := rank
		if t.n.Func == "dense_rank" {
			r = dense
		}
		if r > t.extent {
			break
		}
		if r <= t.n.Offset {
			continue
		}
		for range n {
			if t.n.RowNumber {
				out = append(out, append(row.Clone(), types.NewInt(r)))
			} else {
				out = append(out, row)
			}
		}
	}
	return out, it.Error()
}

// ties reports whether two rows are equal on every sort key (NULLs equal).
func (t *TopN) ties(a, b types.Row) bool {
	for _, col := range t.order {
		if types.Compare(a[col], b[col]) != 0 {
			return false
		}
	}
	return true
}

// expire retracts an idle partition's top and deletes its state.
func (t *TopN) expire(prefix []byte) error {
	rows, err := t.top(prefix)
	if err != nil {
		return err
	}
	for _, r := range rows {
		t.out = append(t.out, types.Change{Row: r, Diff: -1})
	}
	t.marks.Delete(prefix)
	t.cache.drop(prefix)
	return t.table.DeletePrefix(prefix)
}

// flush emits, per touched partition, what left and what entered its top,
// and records when the partition was last updated.
func (t *TopN) flush(ctx context.Context, out Emitter) error {
	var stamp []byte
	if t.exp.ttl > 0 {
		stamp = binary.AppendVarint(nil, t.exp.now())
	}
	for _, p := range t.seq {
		if p.held {
			// For fire to find the partition.
			t.marks.Put(p.prefix, binary.AppendVarint(nil, t.exp.now()))
			continue
		}
		var now []types.Row
		if t.appendOnly {
			t.store(p)
			now = t.ranked(p.rows)
		} else {
			var err error
			if now, err = t.top(p.prefix); err != nil {
				return err
			}
		}
		t.out = appendDiff(t.out, p.old, now)
		switch {
		case stamp != nil:
			t.marks.Put(p.prefix, stamp)
		case t.appendOnly && !t.packed && !p.marked && len(p.rows) > 0:
			t.marks.Put(p.prefix, binary.AppendVarint(nil, t.exp.now()))
		}
	}
	clear(t.parts)
	t.seq = t.seq[:0]
	if len(t.out) == 0 {
		return nil
	}
	return out.Emit(ctx, t.out)
}

// appendDiff appends -1 for each row of old not matched in now and +1 for
// each row of now not matched in old (multiset difference, in order).
func appendDiff(b types.Batch, old, now []types.Row) types.Batch {
	used := make([]bool, len(now))
	for _, o := range old {
		found := false
		for j, n := range now {
			if !used[j] && types.CompareRows(o, n) == 0 {
				used[j], found = true, true
				break
			}
		}
		if !found {
			b = append(b, types.Change{Row: o, Diff: -1})
		}
	}
	for j, n := range now {
		if !used[j] {
			b = append(b, types.Change{Row: n, Diff: 1})
		}
	}
	return b
}

func (t *TopN) OnBarrier(context.Context) error { return nil }
func (t *TopN) Close() error                    { return nil }
