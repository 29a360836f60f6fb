package operator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"

	"riffle/exec/expr"
	"riffle/exec/state"
	"riffle/planner/logical"
	"riffle/planner/scalar"
	"riffle/sql/types"
)

// SliceAggregate is a window aggregate over a HOP window TVF, run as one
// operator by slices (logical.Sliced; Flink's slice-shared window
// aggregate): a HOP of size n·slide is the union of n slices of the
// slide's length, so each input row updates the accumulator of its one
// slice and group, and a window's row, when the watermark fires it, is the
// merge of its n slices' accumulators. The window TVF's copy of each row
// per window, and the n updates of group state it caused, are gone.
//
// It emits what WindowAssign followed by Aggregate emits: the same rows,
// with the same window columns, when the same watermark comes; a row late
// for some of its windows is reported once per late window, with that
// window's columns, as the Aggregate reports its copy. One difference in
// time: a row read under a watermark past its window's end (within the
// allowed lateness) makes the Aggregate fire the window at once, and this
// operator when that watermark reaches it (testdata/exec/window_fire.test).
//
// State, table 0: per slice and group, the row [row count, accumulators of
// each call (accumulate.go), the group's values other than the window's
// columns], keyed by the slice's end, then those values, so that firing
// finds a window's slices in key order and the slices every fired window
// is done with at the front. A slice goes when the last window that holds
// it has fired and its allowed lateness has passed. Table 1 holds the
// watermark up to which windows have fired, so that a restart does not
// fire them again, and the rows that cannot go into their slice: a row
// late for one of its windows (by the watermark it was read under) that
// has not fired yet counts in the others, each a window's own accumulator
// (keyed 'x', the window's end, the group's values), merged with the
// slices when the window fires.
type SliceAggregate struct {
	node                *logical.Aggregate
	size, slide, offset int64
	timeCol             int
	lateness            int64
	// cols says where each group column comes from: keys[i] for i >= 0, or
	// the window's start, end or time.
	cols    []int
	keys    []expr.Func
	args    []expr.Func // per call: its argument (nil for count(*))
	filters []expr.Predicate
	slices  *state.Table
	meta    *state.Table
	// fired is the watermark up to which every window has fired (µs; 0
	// none); loaded from table 1 on first use.
	fired  int64
	loaded bool
	// newest is the end of the newest slice table 0 may hold (loaded with
	// fired): a slice ending after it is new, and its group's first row
	// costs no read. Event time mostly moves forward, so most slices a
	// row opens are new.
	newest int64
	late   func(LateRow)
	// cache holds recently written slices' state rows (write-through, as
	// the Aggregate's groups), so that a hot group's slice is not read
	// back from Pebble and decoded batch after batch.
	cache   boundedCache[types.Row]
	touched map[string]*sliceAcc
	order   []*sliceAcc
	// extras are the windows' own accumulators the batch changed, and
	// hasExtras whether table 1 may hold any.
	extras    map[string]*sliceAcc
	hasExtras bool
	// updates are the fired windows a batch's rows change, within their
	// allowed lateness: each one's row before the batch, retracted for the
	// row after it.
	updates  map[string]*sliceUpdate
	updOrder []*sliceUpdate
	keyVals  types.Row
	key, buf []byte
	empty    types.Row // a slice's accumulators without rows
	// merged is fireWindow's memory, reused window after window: the
	// window's groups (their place in accs and vals), their merged
	// accumulators and values, and the slice row being read.
	merged struct {
		groups          map[string]int
		accs, vals, row types.Row
	}
	out types.Batch
}

// The window columns a group column can be (SliceAggregate.cols).
const (
	colStart = -1 - iota
	colEnd
	colTime
)

// sliceAcc is one slice and group's state while a batch is applied.
type sliceAcc struct {
	end   int64 // the slice's (or the window's, for an extra)
	extra bool  // a window's own accumulator, in table 1
	key   []byte
	acc   types.Row // [row count, acc of call 0…, acc of call 1…]
	vals  types.Row // the group's values other than the window's
}

// sliceUpdate is a fired window whose row a batch changes.
type sliceUpdate struct {
	end  int64
	vals types.Row
	old  types.Row // nil: the window had no row for the group
}

var _ Operator = (*SliceAggregate)(nil)
var _ Watermarker = (*SliceAggregate)(nil)

// NewSliceAggregate compiles the aggregate n, which must run by slices
// (logical.Sliced), to run with its HOP window TVF.
func NewSliceAggregate(n *logical.Aggregate, env expr.Env) (*SliceAggregate, error) {
	tvf := logical.Sliced(n)
	if tvf == nil {
		return nil, fmt.Errorf("slice aggregate: %s does not run by slices", n.Describe())
	}
	a := &SliceAggregate{node: n, size: tvf.Size, slide: tvf.Slide, offset: tvf.Offset, timeCol: tvf.TimeCol,
		lateness: n.Emit.Lateness, touched: map[string]*sliceAcc{}, extras: map[string]*sliceAcc{}, updates: map[string]*sliceUpdate{}}
	width := tvf.Input.Schema().Len()
	for _, g := range n.Groups {
		if c, ok := g.(*scalar.ColRef); ok && c.Idx >= width {
			a.cols = append(a.cols, colStart-(c.Idx-width))
			continue
		}
		f, err := expr.CompileEnv(g, env)
		if err != nil {
			return nil, err
		}
		a.cols = append(a.cols, len(a.keys))
		a.keys = append(a.keys, f)
	}
	for _, c := range n.Aggs {
		var f expr.Func
		if len(c.Args) > 0 {
			var err error
			if f, err = expr.CompileEnv(c.Args[0], env); err != nil {
				return nil, err
			}
		}
		a.args = append(a.args, f)
		var p expr.Predicate
		if c.Filter != nil {
			var err error
			if p, err = expr.CompilePredicate(c.Filter); err != nil {
				return nil, err
			}
		}
		a.filters = append(a.filters, p)
	}
	return a, nil
}

func (a *SliceAggregate) Open(_ context.Context, env *Env) error {
	a.slices, a.meta = env.Table(0), env.Table(1)
	a.late = env.Late
	a.loaded = false
	a.cache = newBoundedCache[types.Row](groupCacheBytes)
	a.empty = a.emptyAcc()
	return nil
}

// sliceFiredKey is table 1's key of the fired watermark.
var sliceFiredKey = []byte("fired")

// load reads the fired watermark the last commit left.
func (a *SliceAggregate) load() error {
	if a.loaded {
		return nil
	}
	row, ok, err := a.meta.GetRow(sliceFiredKey, nil)
	if err != nil {
		return err
	}
	a.fired = 0
	if ok && len(row) != 1 {
		// Read as none, every window would fire again.
		return fmt.Errorf("slice aggregate: corrupt fired watermark")
	}
	if ok {
		a.fired = row[0].I
	}
	it, err := a.slices.Iter(nil, nil)
	if err != nil {
		return err
	}
	a.newest = math.MinInt64
	if it.Last() {
		if a.newest, err = sliceEnd(it.Key()); err != nil {
			it.Close()
			return err
		}
	}
	if err := it.Close(); err != nil {
		return err
	}
	if a.hasExtras, err = a.anyExtra(); err != nil {
		return err
	}
	a.loaded = true
	return nil
}

// accLen is the length of the accumulator part of a slice's state row.
func (a *SliceAggregate) accLen() int { return 1 + len(a.node.Aggs)*accWidth }

func (a *SliceAggregate) OnBatch(ctx context.Context, _ int, b types.Batch, out Emitter) error {
	if err := a.load(); err != nil {
		return err
	}
	a.out = a.out[:0]
	for _, c := range b {
		if err := a.apply(c); err != nil {
			return err
		}
	}
	return a.flush(ctx, out)
}

// apply adds one change to the accumulator of its slice and group.
func (a *SliceAggregate) apply(c types.Change) error {
	t := c.Row[a.timeCol]
	wm := max(c.Wm, a.fired)
	if t.IsNull() {
		// In no window (WindowAssign reports it with no window columns).
		reportLate(a.late, "its event time is NULL", a.copyFor(c, types.Null, types.Null, types.Null), 0, c.Wm)
		return nil
	}
	end := alignDown(t.I, a.slide, a.offset) + a.slide // the slice's
	last := end + a.size - a.slide                     // the end of the last window holding it
	counted, shared := false, true
	for e := end; e <= last; e += a.slide {
		if windowClosed(e+a.lateness, wm) {
			// Its window has fired and its allowed lateness has passed:
			// the row is late for it (semantics.md, rule 2).
			reportLate(a.late, "its window had closed", a.windowCopy(c, e), t.I, wm)
			// A window the operator has not finished with would count
			// the row if it went into the slice.
			shared = shared && windowClosed(e+a.lateness, a.fired)
			continue
		}
		counted = true
	}
	if !counted {
		return nil
	}
	if c.Diff < 0 && a.hasExtremes() {
		return fmt.Errorf("slice aggregate: a retraction in an input planned as append-only")
	}
	a.keyVals = a.keyVals[:0]
	for _, f := range a.keys {
		v, err := f(c.Row)
		if err != nil {
			return err
		}
		a.keyVals = append(a.keyVals, v)
	}
	if a.lateness > 0 {
		// Fired windows within their lateness change: their row before
		// this batch is retracted at its end.
		for e := end; e <= last; e += a.slide {
			if windowClosed(e, a.fired) && !windowClosed(e+a.lateness, wm) {
				if err := a.noteUpdate(e); err != nil {
					return err
				}
			}
		}
	}
	if shared {
		s, err := a.slice(end)
		if err != nil {
			return err
		}
		return a.add(s, c)
	}
	for e := end; e <= last; e += a.slide {
		if !windowClosed(e+a.lateness, wm) {
			s, err := a.extra(e)
			if err != nil {
				return err
			}
			if err := a.add(s, c); err != nil {
				return err
			}
		}
	}
	return nil
}

// add applies change c to an accumulator.
func (a *SliceAggregate) add(s *sliceAcc, c types.Change) error {
	d := int64(c.Diff)
	s.acc[0] = types.NewInt(s.acc[0].I + d)
	for i := range a.node.Aggs {
		if err := a.applyCall(s, i, c.Row, d); err != nil {
			return err
		}
	}
	return nil
}

// extraKey is table 1's key of the window's own accumulator for the
// window ending at end and group values vals.
func extraKey(dst []byte, end int64, vals types.Row) []byte {
	return sliceKey(append(dst, 'x'), end, vals)
}

// extra returns the batch's state of the window's own accumulator for the
// window ending at end and the current change's group, reading it the
// first time.
func (a *SliceAggregate) extra(end int64) (*sliceAcc, error) {
	a.key = extraKey(a.key[:0], end, a.keyVals)
	if s, ok := a.extras[string(a.key)]; ok {
		return s, nil
	}
	s := &sliceAcc{end: end, extra: true, key: bytes.Clone(a.key), vals: a.keyVals.Clone()}
	stored, ok, err := a.meta.GetRow(s.key, nil)
	if err != nil {
		return nil, err
	}
	if ok && len(stored) < a.accLen() {
		return nil, errCorruptSlice
	}
	if ok {
		s.acc = stored[:a.accLen()]
	} else {
		s.acc = a.emptyAcc()
	}
	a.extras[string(s.key)] = s
	a.order = append(a.order, s)
	return s, nil
}

// anyExtra reports whether table 1 holds a window's own accumulator.
func (a *SliceAggregate) anyExtra() (bool, error) {
	it, err := a.meta.Scan([]byte{'x'})
	if err != nil {
		return false, err
	}
	found := it.First()
	return found, it.Close()
}

// mergeExtras merges into merge the windows' own accumulators of the
// window ending at end: merge is given each one's group key and row.
func (a *SliceAggregate) mergeExtras(end int64, merge func(gkey []byte, row types.Row) error) error {
	if !a.hasExtras {
		return nil
	}
	prefix := state.AppendKey([]byte{'x'}, types.NewTimestamp(end))
	it, err := a.meta.Scan(prefix)
	if err != nil {
		return err
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		row, err := state.DecodeRow(it.Value(), nil)
		if err != nil || len(row) != a.accLen()+len(a.keys) {
			return fmt.Errorf("slice aggregate: corrupt window entry")
		}
		if err := merge(it.Key()[len(prefix):], row); err != nil {
			return err
		}
	}
	return it.Error()
}

// errCorruptSlice reports a stored slice or window row shorter than its
// accumulators.
var errCorruptSlice = errors.New("slice aggregate: corrupt slice entry")

// hasExtremes reports whether a call is MIN or MAX, whose running value a
// retraction cannot undo.
func (a *SliceAggregate) hasExtremes() bool {
	for _, c := range a.node.Aggs {
		if c.Func == "min" || c.Func == "max" {
			return true
		}
	}
	return false
}

func (a *SliceAggregate) applyCall(s *sliceAcc, i int, row types.Row, d int64) error {
	call := &a.node.Aggs[i]
	acc := s.acc[1+i*accWidth : 1+(i+1)*accWidth]
	if f := a.filters[i]; f != nil {
		if ok, err := f(row); err != nil || !ok {
			return err
		}
	}
	if call.Func == "count_star" {
		return addAcc(call, acc, types.Null, d)
	}
	v, err := a.args[i](row)
	if err != nil || v.IsNull() {
		return err
	}
	if call.Func == "min" || call.Func == "max" {
		runningExtreme(acc, v, call.Func == "max")
		return nil
	}
	return addAcc(call, acc, v, d)
}

// sliceKey is the state key of the slice ending at end for group values
// vals.
func sliceKey(dst []byte, end int64, vals types.Row) []byte {
	dst = state.AppendKey(dst, types.NewTimestamp(end))
	return state.AppendTupleKey(dst, vals)
}

// slice returns the batch's state of the slice ending at end for the
// current change's group (a.keyVals), reading it the first time.
func (a *SliceAggregate) slice(end int64) (*sliceAcc, error) {
	a.key = sliceKey(a.key[:0], end, a.keyVals)
	if s, ok := a.touched[string(a.key)]; ok {
		return s, nil
	}
	s := &sliceAcc{end: end, key: bytes.Clone(a.key), vals: a.keyVals.Clone()}
	var stored types.Row
	ok := false
	if end <= a.newest {
		var err error
		if stored, ok, err = a.stored(s.key); err != nil {
			return nil, err
		}
	}
	if ok && len(stored) < a.accLen() {
		return nil, errCorruptSlice
	}
	if ok {
		s.acc = stored.Clone()[:a.accLen()]
	} else {
		s.acc = a.emptyAcc()
	}
	a.touched[string(s.key)] = s
	a.order = append(a.order, s)
	return s, nil
}

// emptyAcc is the accumulator row of a slice without rows.
func (a *SliceAggregate) emptyAcc() types.Row {
	acc := make(types.Row, a.accLen())
	acc[0] = types.NewInt(0)
	for i := range a.node.Aggs {
		initAcc(&a.node.Aggs[i], acc[1+i*accWidth:1+(i+1)*accWidth])
	}
	return acc
}

// stored returns a slice's state row as last written (the caller must not
// change it): the batch's, the cache's, or table 0's.
func (a *SliceAggregate) stored(key []byte) (types.Row, bool, error) {
	if s, ok := a.touched[string(key)]; ok {
		return s.acc, true, nil
	}
	if row, ok := a.cache.get(key); ok {
		return row, true, nil
	}
	return a.slices.GetRow(key, nil)
}

// noteUpdate records, the first time the batch changes the fired window
// ending at end for the current group, the window's row before the batch.
func (a *SliceAggregate) noteUpdate(end int64) error {
	a.key = sliceKey(a.key[:0], end, a.keyVals)
	if _, ok := a.updates[string(a.key)]; ok {
		return nil
	}
	u := &sliceUpdate{end: end, vals: a.keyVals.Clone()}
	var err error
	if u.old, err = a.windowRow(end, u.vals); err != nil {
		return err
	}
	a.updates[string(a.key)] = u
	a.updOrder = append(a.updOrder, u)
	return nil
}

// windowRow merges the slices of the window ending at end for a group: its
// output row, or nil when none of them has a row.
func (a *SliceAggregate) windowRow(end int64, vals types.Row) (types.Row, error) {
	merged := a.emptyAcc()
	var key []byte
	for se := end - a.size + a.slide; se <= end; se += a.slide {
		key = sliceKey(key[:0], se, vals)
		row, ok, err := a.stored(key)
		if err != nil {
			return nil, err
		}
		if ok {
			if err := a.merge(merged, row); err != nil {
				return nil, err
			}
		}
	}
	key = extraKey(key[:0], end, vals)
	if s, ok := a.extras[string(key)]; ok {
		if err := a.merge(merged, s.acc); err != nil {
			return nil, err
		}
	} else if a.hasExtras {
		row, ok, err := a.meta.GetRow(key, nil)
		if err != nil {
			return nil, err
		}
		if ok {
			if err := a.merge(merged, row); err != nil {
				return nil, err
			}
		}
	}
	if merged[0].I <= 0 {
		return nil, nil
	}
	return a.output(end, vals, merged), nil
}

// merge adds a slice's state row src (row count, then each call's
// accumulator) to dst.
func (a *SliceAggregate) merge(dst, src types.Row) error {
	if len(src) < a.accLen() {
		return errCorruptSlice
	}
	dst[0] = types.NewInt(dst[0].I + src[0].I)
	for i := range a.node.Aggs {
		if err := mergeAcc(&a.node.Aggs[i], dst[1+i*accWidth:1+(i+1)*accWidth], src[1+i*accWidth:1+(i+1)*accWidth]); err != nil {
			return err
		}
	}
	return nil
}

// output is a window's row for a group: the group's columns, the window's
// among them, then each call's result.
func (a *SliceAggregate) output(end int64, vals, acc types.Row) types.Row {
	return a.appendOutput(make(types.Row, 0, len(a.cols)+len(a.node.Aggs)), end, vals, acc)
}

// appendOutput appends the window's row for a group (output) to row.
func (a *SliceAggregate) appendOutput(row types.Row, end int64, vals, acc types.Row) types.Row {
	for _, c := range a.cols {
		switch c {
		case colStart:
			row = append(row, types.NewTimestamp(end-a.size))
		case colEnd:
			row = append(row, types.NewTimestamp(end))
		case colTime:
			row = append(row, types.NewTimestamp(end-windowTimeGap))
		default:
			row = append(row, vals[c])
		}
	}
	for i := range a.node.Aggs {
		v, err := result(&a.node.Aggs[i], acc[1+i*accWidth:1+(i+1)*accWidth])
		if err != nil {
			v = types.Null
		}
		row = append(row, v)
	}
	return row
}

// windowCopy is the row WindowAssign makes of c for the window ending at
// end.
func (a *SliceAggregate) windowCopy(c types.Change, end int64) types.Change {
	return a.copyFor(c, types.NewTimestamp(end-a.size), types.NewTimestamp(end), types.NewTimestamp(end-windowTimeGap))
}

func (a *SliceAggregate) copyFor(c types.Change, start, end, time types.Value) types.Change {
	row := make(types.Row, 0, len(c.Row)+3)
	row = append(append(row, c.Row...), start, end, time)
	return types.Change{Row: row, Diff: c.Diff, Wm: c.Wm}
}

// flush ends the batch: writes the slices it changed, and emits the
// changes of the fired windows it updated.
func (a *SliceAggregate) flush(ctx context.Context, out Emitter) error {
	for _, u := range a.updOrder {
		row, err := a.windowRow(u.end, u.vals)
		if err != nil {
			return err
		}
		if u.old != nil && row != nil && types.CompareRows(u.old, row) == 0 {
			continue
		}
		if u.old != nil {
			a.out = append(a.out, types.Change{Row: u.old, Diff: -1})
		}
		if row != nil {
			a.out = append(a.out, types.Change{Row: row, Diff: 1})
		}
	}
	for _, s := range a.order {
		if s.acc[0].I < 0 {
			return fmt.Errorf("slice aggregate: group retracted more often than inserted")
		}
		if s.extra {
			a.meta.Put(s.key, state.AppendRow(nil, append(s.acc, s.vals...)))
			a.hasExtras = true
			continue
		}
		if s.acc[0].I == 0 {
			a.slices.Delete(s.key)
			a.cache.drop(s.key)
			continue
		}
		row := append(s.acc, s.vals...)
		a.newest = max(a.newest, s.end)
		a.buf = state.AppendRow(a.buf[:0], row)
		a.slices.Put(s.key, a.buf)
		a.cache.put(s.key, row, rowBytes(row))
	}
	clear(a.touched)
	clear(a.extras)
	a.order = a.order[:0]
	clear(a.updates)
	a.updOrder = a.updOrder[:0]
	if len(a.out) == 0 {
		return nil
	}
	return out.Emit(ctx, a.out)
}

func (a *SliceAggregate) OnBarrier(context.Context) error { return nil }
func (a *SliceAggregate) Close() error                    { return nil }
