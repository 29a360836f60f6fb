package operator

import (
	"bytes"
	"context"
	"fmt"
	"math"

	"riffle/exec/expr"
	"riffle/exec/state"
	"riffle/planner/logical"
	"riffle/planner/scalar"
	"riffle/sql/types"
)

// TimeOver is Flink's OVER aggregation: window functions over an
// append-only input, each partition ordered by an event-time attribute
// (logical.Over.EventTime). A row is held until the watermark passes its
// time; then the rows of each partition go out in order, each once, with
// values that never change (append-only output). A row at or behind the
// watermark is late: counted and dropped, as Flink drops it.
//
// A row whose values need rows after it (LEAD, a frame ending n FOLLOWING)
// waits, as RisingWave's EMIT ON WINDOW CLOSE over window does, until that
// many rows of its partition are behind the watermark, or the input ends;
// meanwhile the output's watermark stays behind it.
//
// Each call is computed one of three ways:
//   - ROW_NUMBER, RANK and DENSE_RANK from counters kept per partition;
//   - aggregates over frames from UNBOUNDED PRECEDING from a running value
//     per partition, which rows only enter;
//   - LAG, LEAD and aggregates over bounded frames from the rows around the
//     row that the frames reach (OverValues), which the state keeps: the
//     last prevRows rows, the rows within prevTime of the next row to go
//     out, and the rows not yet out.
//
// State: table 0 holds the rows the watermark has not passed, keyed by
// time, partition, order keys and row (a multiset); table 1 each
// partition's rows that are out of table 0 and still needed, keyed by
// partition and sequence number; table 2 per partition the next sequence
// number, how many rows are out, the ranks and the running values; table 3,
// when rows wait for rows after them, the waiting rows by time, to hold
// the output's watermark.
type TimeOver struct {
	n       *logical.Over
	part    []expr.Func
	order   []expr.Func
	args    [][]expr.Func
	timeCol int
	kinds   []overKind
	// How far back and ahead the bounded calls reach: rows (LAG, ROWS),
	// time (RANGE; -1 when none does), rows ahead (LEAD, n FOLLOWING).
	prevRows, prevTime, nextRows int64

	pending, sealed, meta, held *state.Table
	pendingRows                 counts
	late                        func(LateRow)
	wm                          int64

	out types.Batch
	key []byte
	buf []byte
}

type overKind int

const (
	overLocal   overKind = iota // from the rows around the row (OverValues)
	overRank                    // ROW_NUMBER, RANK, DENSE_RANK
	overRunning                 // an aggregate from UNBOUNDED PRECEDING
)

var _ Operator = (*TimeOver)(nil)
var _ Watermarker = (*TimeOver)(nil)

// TimeOverTables is how many state tables a TimeOver uses.
const TimeOverTables = 4

// NewTimeOver returns the operator for an Over node that runs in event
// time.
func NewTimeOver(n *logical.Over, env expr.Env) (*TimeOver, error) {
	if !n.EventTime() {
		return nil, fmt.Errorf("over: not an event-time over window")
	}
	o := &TimeOver{n: n, prevTime: -1}
	var err error
	if o.part, o.order, o.args, err = compileOver(n, env); err != nil {
		return nil, err
	}
	col, ok := n.Calls[0].Order[0].Expr.(*scalar.ColRef)
	if !ok {
		return nil, fmt.Errorf("over: the time order key is not a column")
	}
	o.timeCol = col.Idx
	for _, c := range n.Calls {
		k, prev, next, prevTime := overReach(c)
		o.kinds = append(o.kinds, k)
		o.prevRows, o.nextRows, o.prevTime = max(o.prevRows, prev), max(o.nextRows, next), max(o.prevTime, prevTime)
	}
	return o, nil
}

// overReach classifies a call and says how many rows before and after a
// row, and how much time before it (-1: none), its value reads.
func overReach(c logical.OverCall) (k overKind, prev, next, prevTime int64) {
	prevTime = -1
	switch c.Func {
	case "row_number", "rank", "dense_rank":
		return overRank, 0, 0, -1
	case "lag", "lead":
		off, _ := c.Offset()
		if c.Func == "lag" {
			return overLocal, off, 0, -1
		}
		return overLocal, 0, off, -1
	}
	b := c.Bounds
	if b == nil {
		return overRunning, 0, 0, -1
	}
	if b.Rows && b.End.Offset > 0 {
		next = b.End.Offset
	}
	if b.Start.Unbounded {
		return overRunning, 0, next, -1
	}
	if b.Rows {
		return overLocal, -b.Start.Offset, next, -1
	}
	return overLocal, 0, next, -b.Start.Offset
}

func (o *TimeOver) Open(_ context.Context, env *Env) error {
	o.pending, o.sealed, o.meta, o.held = env.Table(0), env.Table(1), env.Table(2), env.Table(3)
	o.pendingRows.table = o.pending
	o.late = env.Late
	return nil
}

// OnBatch holds each row until the watermark passes it; a row the
// watermark has already passed is late.
func (o *TimeOver) OnBatch(_ context.Context, _ int, b types.Batch, _ Emitter) error {
	for _, c := range b {
		if c.Diff < 0 {
			return fmt.Errorf("over: an event-time OVER window needs an append-only input, got a retraction")
		}
		t := c.Row[o.timeCol]
		wm := max(c.Wm, o.wm)
		if t.IsNull() || (wm != 0 && t.I <= wm) {
			reason := "the watermark had passed its time"
			if t.IsNull() {
				reason = "its event time is NULL"
			}
			reportLate(o.late, reason, c, t.I, wm)
			continue
		}
		pv, err := evalAll(o.part, c.Row)
		if err != nil {
			return err
		}
		kv, err := evalAll(o.order, c.Row)
		if err != nil {
			return err
		}
		o.key = state.AppendKey(o.key[:0], t)
		o.key = state.AppendTupleKey(o.key, pv)
		for i := 1; i < len(kv); i++ {
			o.key = appendOrdered(o.key, kv[i], o.n.Calls[0].Order[i])
		}
		o.key = state.AppendTupleKey(o.key, c.Row)
		if _, _, err := o.pendingRows.add(o.key, c.Row, int64(c.Diff)); err != nil {
			return fmt.Errorf("over: %w", err)
		}
	}
	return nil
}

// timePart is one partition while a watermark is processed.
type timePart struct {
	prefix []byte
	meta   types.Row
	rows   []sealedRow // the partition's kept rows, by sequence number
}

// sealedRow is a row the watermark has passed, with its order keys and
// call arguments.
type sealedRow struct {
	seq  int64
	row  types.Row
	time int64
	keys types.Row
	args []types.Row
}

// The partition's meta row: these columns, then the last row's order keys,
// then per running call where it has added up to and its state.
const (
	metaNextSeq = iota
	metaNextEmit
	metaRank
	metaDense
	metaKeys
)

// OnWatermark moves the rows the watermark passes out of table 0, in time
// order, and sends each partition's rows whose values are complete.
func (o *TimeOver) OnWatermark(ctx context.Context, wms []int64, out Emitter) (int64, error) {
	wm := wms[0]
	if wm <= o.wm {
		return o.outWatermark(wm)
	}
	prev := o.wm
	o.wm = wm
	o.out = o.out[:0]
	var upper []byte
	if wm < math.MaxInt64 {
		upper = state.AppendKey(nil, types.NewTimestamp(wm+1))
	}
	type due struct {
		key []byte
		row types.Row
		n   int64
	}
	var dues []due
	// Rows up to the previous watermark went out then (or were late): start
	// after them, not over the deletions of this epoch.
	var lower []byte
	if prev > 0 {
		lower = state.AppendKey(nil, types.NewTimestamp(prev+1))
	}
	it, err := o.pending.Iter(lower, upper)
	if err != nil {
		return 0, err
	}
	for ok := it.First(); ok; ok = it.Next() {
		row, n, err := DecodeEntry(it.Value())
		if err != nil {
			it.Close()
			return 0, fmt.Errorf("over: %w", err)
		}
		dues = append(dues, due{bytes.Clone(it.Key()), row, n})
	}
	if err := it.Close(); err != nil {
		return 0, err
	}
	parts := map[string]*timePart{}
	var touched []*timePart
	load := func(row types.Row) (*timePart, error) {
		pv, err := evalAll(o.part, row)
		if err != nil {
			return nil, err
		}
		pk := state.AppendTupleKey(nil, pv)
		if p, ok := parts[string(pk)]; ok {
			return p, nil
		}
		p, err := o.load(pk)
		if err != nil {
			return nil, err
		}
		parts[string(pk)] = p
		touched = append(touched, p)
		return p, nil
	}
	// Every row the watermark passes is sealed before any goes out, so that
	// a row's peers (rows with its time) are there when it does.
	for _, d := range dues {
		o.pending.Delete(d.key)
		p, err := load(d.row)
		if err != nil {
			return 0, err
		}
		for range d.n {
			if err := o.seal(p, d.row); err != nil {
				return 0, err
			}
		}
	}
	if wm == math.MaxInt64 && o.nextRows > 0 {
		// The input has ended: the rows waiting for rows after them go out
		// without.
		if err := o.waiting(func(row types.Row) error { _, err := load(row); return err }); err != nil {
			return 0, err
		}
	}
	for _, p := range touched {
		if err := o.emitReady(p, wm, prev); err != nil {
			return 0, err
		}
		o.meta.Put(p.prefix, state.AppendRow(o.buf[:0], p.meta))
	}
	if len(o.out) > 0 {
		if err := out.Emit(ctx, o.out); err != nil {
			return 0, err
		}
	}
	return o.outWatermark(wm)
}

// outWatermark is the output's watermark under input watermark wm: behind
// the first row still waiting for rows after it.
func (o *TimeOver) outWatermark(wm int64) (int64, error) {
	if o.nextRows == 0 {
		return wm, nil
	}
	it, err := o.held.Iter(nil, nil)
	if err != nil {
		return 0, err
	}
	defer it.Close()
	if !it.First() {
		return wm, it.Error()
	}
	t, _, err := state.DecodeKey(it.Key())
	if err != nil {
		return 0, fmt.Errorf("over: corrupt waiting row: %w", err)
	}
	return min(wm, t.I-1), nil
}

// waiting calls visit with a row of each partition that has rows waiting.
func (o *TimeOver) waiting(visit func(types.Row) error) error {
	it, err := o.held.Iter(nil, nil)
	if err != nil {
		return err
	}
	var rows []types.Row
	for ok := it.First(); ok; ok = it.Next() {
		row, err := state.DecodeRow(it.Value(), nil)
		if err != nil {
			it.Close()
			return fmt.Errorf("over: corrupt waiting row: %w", err)
		}
		rows = append(rows, row)
	}
	if err := it.Close(); err != nil {
		return err
	}
	for _, r := range rows {
		if err := visit(r); err != nil {
			return err
		}
	}
	return nil
}

// load reads a partition's meta row and kept rows.
func (o *TimeOver) load(prefix []byte) (*timePart, error) {
	p := &timePart{prefix: prefix}
	v, ok, err := o.meta.Get(prefix)
	if err != nil {
		return nil, err
	}
	if ok {
		if p.meta, err = state.DecodeRow(v, nil); err != nil {
			return nil, fmt.Errorf("over: corrupt partition state: %w", err)
		}
	} else {
		p.meta = o.newMeta()
	}
	it, err := o.sealed.Scan(prefix)
	if err != nil {
		return nil, err
	}
	for ok := it.First(); ok; ok = it.Next() {
		seq, _, err := state.DecodeKey(it.Key()[len(prefix):])
		if err != nil {
			it.Close()
			return nil, fmt.Errorf("over: corrupt row key: %w", err)
		}
		row, err := state.DecodeRow(it.Value(), nil)
		if err != nil {
			it.Close()
			return nil, fmt.Errorf("over: corrupt row: %w", err)
		}
		r, err := o.sealedRow(seq.I, row)
		if err != nil {
			it.Close()
			return nil, err
		}
		p.rows = append(p.rows, r)
	}
	return p, it.Close()
}

// newMeta is a new partition's meta row.
func (o *TimeOver) newMeta() types.Row {
	m := types.Row{types.NewInt(0), types.NewInt(0), types.NewInt(0), types.NewInt(0)}
	for range o.order {
		m = append(m, types.Null)
	}
	for i, k := range o.kinds {
		if k == overRunning {
			r := o.running(i)
			m = append(m, types.NewInt(0))
			m = append(m, r.State()...)
		}
	}
	return m
}

func (o *TimeOver) running(i int) *Running {
	c := o.n.Calls[i]
	return NewRunning(&logical.AggCall{Func: c.Func, Args: c.Args, T: c.T})
}

// sealedRow evaluates a row's order keys and call arguments, into one
// allocation.
func (o *TimeOver) sealedRow(seq int64, row types.Row) (sealedRow, error) {
	r := sealedRow{seq: seq, row: row, time: row[o.timeCol].I, args: make([]types.Row, len(o.args))}
	width := len(o.order)
	for _, fs := range o.args {
		width += len(fs)
	}
	slab := make(types.Row, 0, width)
	eval := func(fs []expr.Func) (types.Row, error) {
		at := len(slab)
		for _, f := range fs {
			v, err := f(row)
			if err != nil {
				return nil, err
			}
			slab = append(slab, v)
		}
		return slab[at:len(slab):len(slab)], nil
	}
	var err error
	if r.keys, err = eval(o.order); err != nil {
		return r, err
	}
	for i, fs := range o.args {
		if r.args[i], err = eval(fs); err != nil {
			return r, err
		}
	}
	return r, nil
}

// seal gives one copy of row the partition's next sequence number.
func (o *TimeOver) seal(p *timePart, row types.Row) error {
	seq := p.meta[metaNextSeq].I
	p.meta[metaNextSeq] = types.NewInt(seq + 1)
	r, err := o.sealedRow(seq, row)
	if err != nil {
		return err
	}
	p.rows = append(p.rows, r)
	o.sealed.Put(o.rowKey(p.prefix, seq), state.AppendRow(o.buf[:0], row))
	if o.nextRows > 0 {
		o.held.Put(o.heldKey(p.prefix, r), state.AppendRow(o.buf[:0], row))
	}
	return nil
}

func (o *TimeOver) rowKey(prefix []byte, seq int64) []byte {
	return state.AppendKey(append(o.key[:0], prefix...), types.NewInt(seq))
}

func (o *TimeOver) heldKey(prefix []byte, r sealedRow) []byte {
	o.key = state.AppendKey(o.key[:0], r.row[o.timeCol])
	o.key = append(o.key, prefix...)
	return state.AppendKey(o.key, types.NewInt(r.seq))
}

// emitReady sends the partition's rows whose values are complete: those
// with nextRows rows after them, or every row once the input has ended.
func (o *TimeOver) emitReady(p *timePart, wm, prev int64) error {
	final := wm == math.MaxInt64
	for {
		next, end := p.meta[metaNextEmit].I, p.meta[metaNextSeq].I
		if next >= end || (!final && next+o.nextRows >= end) {
			return nil
		}
		if err := o.emit(p, next, prev); err != nil {
			return err
		}
		p.meta[metaNextEmit] = types.NewInt(next + 1)
		o.prune(p, wm)
	}
}

// emit sends row seq of the partition with its values.
func (o *TimeOver) emit(p *timePart, seq, wm int64) error {
	idx := int(seq - p.rows[0].seq)
	r := p.rows[idx]
	width := len(r.row)
	row := append(append(make(types.Row, 0, width+len(o.kinds)), r.row...), make(types.Row, len(o.kinds))...)
	m := p.meta
	if seq == 0 || compareSortKeys(o.n.Calls[0].Order, m[metaKeys:metaKeys+len(o.order)], r.keys) != 0 {
		m[metaRank], m[metaDense] = types.NewInt(seq+1), types.NewInt(m[metaDense].I+1)
	}
	copy(m[metaKeys:], r.keys)
	// The rows the bounded calls read: prevRows back, or back to prevTime
	// before the row; nextRows ahead, and the row's peers.
	lo := max(0, idx-int(o.prevRows))
	for o.prevTime >= 0 && lo > 0 && p.rows[lo-1].time >= satAdd(r.time, -o.prevTime) {
		lo--
	}
	hi := min(len(p.rows)-1, idx+int(o.nextRows))
	for hi+1 < len(p.rows) && compareSortKeys(o.n.Calls[0].Order, p.rows[hi+1].keys, r.keys) == 0 {
		hi++
	}
	at := metaKeys + len(o.order)
	for i, k := range o.kinds {
		var err error
		switch k {
		case overRank:
			switch o.n.Calls[i].Func {
			case "row_number":
				row[width+i] = types.NewInt(seq + 1)
			case "rank":
				row[width+i] = m[metaRank]
			default:
				row[width+i] = m[metaDense]
			}
		case overLocal:
			win := p.rows[lo : hi+1]
			if row[width+i], err = overValueAt(&o.n.Calls[i], len(win), idx-lo, func(j int) types.Row { return win[j].keys },
				func(j int) types.Row { return win[j].args[i] }); err != nil {
				return err
			}
		case overRunning:
			if row[width+i], err = o.runningValue(p, i, idx, at); err != nil {
				return err
			}
			at += 1 + accWidth
		}
	}
	o.out = append(o.out, types.Change{Row: row, Diff: 1, Wm: wm})
	if o.nextRows > 0 {
		o.held.Delete(o.heldKey(p.prefix, r))
	}
	return nil
}

// runningValue adds to call i's running value the rows its frame reaches
// for row idx, and returns the value; the state is at meta[at:].
func (o *TimeOver) runningValue(p *timePart, i, idx, at int) (types.Value, error) {
	m := p.meta
	run := o.running(i)
	run.Restore(m[at+1 : at+1+accWidth])
	// The frame's end: its last peer (RANGE), or n rows on (ROWS).
	end := idx
	if b := o.n.Calls[i].Bounds; b != nil && b.Rows {
		end = min(len(p.rows)-1, idx+int(b.End.Offset))
	} else {
		for end+1 < len(p.rows) && compareSortKeys(o.n.Calls[i].Order, p.rows[end+1].keys, p.rows[idx].keys) == 0 {
			end++
		}
	}
	base := p.rows[0].seq
	for added := m[at].I; added-base <= int64(end); added++ {
		v := types.Null
		if o.n.Calls[i].Func != "count_star" {
			v = p.rows[added-base].args[i][0]
		}
		if err := run.Add(v, 1); err != nil {
			return types.Null, fmt.Errorf("over: %w", err)
		}
		m[at] = types.NewInt(added + 1)
	}
	copy(m[at+1:], run.State())
	return run.Value()
}

// prune forgets the partition's rows no bounded call can read any more:
// more than prevRows before the next row to go out, and (with a RANGE
// frame) further than prevTime before it, and added to every running value.
func (o *TimeOver) prune(p *timePart, wm int64) {
	next := p.meta[metaNextEmit].I
	cut := satAdd(wm, 1) // the next row to go out comes after the watermark
	if len(p.rows) > 0 && next-p.rows[0].seq < int64(len(p.rows)) {
		cut = p.rows[next-p.rows[0].seq].time
	}
	cut = satAdd(cut, -max(o.prevTime, 0))
	n := 0
	for _, r := range p.rows {
		if r.seq >= next-o.prevRows || (o.prevTime >= 0 && r.time >= cut) || !o.added(p, r.seq) {
			break
		}
		o.sealed.Delete(o.rowKey(p.prefix, r.seq))
		n++
	}
	p.rows = p.rows[n:]
}

// added reports whether every running value has added row seq.
func (o *TimeOver) added(p *timePart, seq int64) bool {
	at := metaKeys + len(o.order)
	for _, k := range o.kinds {
		if k == overRunning {
			if p.meta[at].I <= seq {
				return false
			}
			at += 1 + accWidth
		}
	}
	return true
}

func (o *TimeOver) OnBarrier(context.Context) error { return nil }
func (o *TimeOver) Close() error                    { return nil }
