package operator

import (
	"bytes"
	"context"
	"fmt"
	"math"

	"riffle/exec/state"
	"riffle/sql/types"
)

// The firing side of SliceAggregate (slice_aggregate.go): the watermark
// fires windows by merging their slices, then deletes the slices no
// window needs any more.

// OnWatermark fires the windows the watermark closes, in order of their
// end, each from its slices, and deletes the slices no window still open
// (or within its allowed lateness) holds.
func (a *SliceAggregate) OnWatermark(ctx context.Context, wms []int64, out Emitter) (int64, error) {
	wm := wms[0]
	if err := a.load(); err != nil {
		return 0, err
	}
	if wm <= a.fired {
		return wm, nil
	}
	if err := a.fire(ctx, a.fired, wm, out); err != nil {
		return 0, err
	}
	if err := a.purge(wm); err != nil {
		return 0, err
	}
	a.fired = wm
	a.meta.Put(sliceFiredKey, state.AppendRow(nil, types.Row{types.NewInt(wm)}))
	return wm, nil
}

// fire emits the row of every window and group that watermark wm closes
// and prev did not, walking the window ends that have slices (or rows of
// their own). Each window's rows go out as one batch: the end of input
// fires every window at once.
func (a *SliceAggregate) fire(ctx context.Context, prev, wm int64, out Emitter) error {
	it, err := a.slices.Iter(nil, nil)
	if err != nil {
		return err
	}
	defer it.Close()
	var extra []int64
	if a.hasExtras {
		if extra, err = a.extraEnds(prev, wm); err != nil {
			return err
		}
	}
	// The first window end prev has not closed (any, without one).
	e := int64(math.MinInt64)
	if prev != 0 {
		e = alignDown(prev+windowTimeGap, a.slide, a.offset) + a.slide
	}
	for {
		next, ok, err := a.nextEnd(it, e)
		if err != nil {
			return err
		}
		for len(extra) > 0 && extra[0] < e {
			extra = extra[1:]
		}
		if len(extra) > 0 && (!ok || extra[0] < next) {
			next, ok = extra[0], true
		}
		if !ok || !windowClosed(next, wm) {
			return nil
		}
		if err := a.fireAt(ctx, it, next, prev, out); err != nil {
			return err
		}
		if next > math.MaxInt64-a.slide {
			return nil
		}
		e = next + a.slide
	}
}

// nextEnd is the first window end at or after e whose window holds a
// slice (false: none).
func (a *SliceAggregate) nextEnd(it *state.Iter, e int64) (int64, bool, error) {
	if !it.SeekGE(state.AppendKey(a.key[:0], types.NewTimestamp(a.firstSlice(e)))) {
		return 0, false, it.Error()
	}
	se, err := sliceEnd(it.Key())
	if err != nil {
		return 0, false, err
	}
	return max(e, se), true, nil // no window ending before its slice holds it
}

// firstSlice is the end of the first slice of the window ending at e.
func (a *SliceAggregate) firstSlice(e int64) int64 {
	span := a.size - a.slide
	if e < math.MinInt64+span {
		return math.MinInt64
	}
	return e - span
}

// fireAt emits the rows of the window ending at e.
func (a *SliceAggregate) fireAt(ctx context.Context, it *state.Iter, e, prev int64, out Emitter) error {
	// Positioned at the window's first slice, or past the last (a window
	// with rows of its own only).
	it.SeekGE(state.AppendKey(a.key[:0], types.NewTimestamp(a.firstSlice(e))))
	if err := it.Error(); err != nil {
		return err
	}
	a.out = a.out[:0]
	if err := a.fireWindow(it, e, prev); err != nil {
		return err
	}
	if len(a.out) == 0 {
		return nil
	}
	return out.Emit(ctx, a.out)
}

// extraEnds are the ends, in order, of the windows with rows of their own
// that wm closes and prev did not.
func (a *SliceAggregate) extraEnds(prev, wm int64) ([]int64, error) {
	it, err := a.meta.Scan([]byte{'x'})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var ends []int64
	for ok := it.First(); ok; ok = it.Next() {
		e, err := sliceEnd(it.Key()[1:])
		if err != nil {
			return nil, err
		}
		if !windowClosed(e, wm) {
			break
		}
		if !windowClosed(e, prev) && (len(ends) == 0 || ends[len(ends)-1] != e) {
			ends = append(ends, e)
		}
	}
	return ends, it.Error()
}

// sliceEnd is the end of the slice whose state key is key.
func sliceEnd(key []byte) (int64, error) {
	end, _, err := state.DecodeKey(key)
	if err != nil {
		return 0, fmt.Errorf("slice aggregate: corrupt slice key: %w", err)
	}
	return end.I, nil
}

// fireWindow emits the rows of the window ending at end: it merges, group
// by group, the slices from the iterator's position (the window's first
// slice) to the window's end. A window's groups are held in memory while
// it fires, as the Aggregate held a fired window's keys; their
// accumulators and values in slabs the next window reuses.
func (a *SliceAggregate) fireWindow(it *state.Iter, end, prev int64) error {
	clear(a.merged.groups)
	if a.merged.groups == nil {
		a.merged.groups = map[string]int{}
	}
	n, accLen, width := 0, a.accLen(), len(a.keys)
	a.merged.accs, a.merged.vals = a.merged.accs[:0], a.merged.vals[:0]
	group := func(gkey []byte, stored types.Row) error {
		i, seen := a.merged.groups[string(gkey)]
		if !seen {
			i = n
			n++
			a.merged.groups[string(gkey)] = i
			a.merged.accs = append(a.merged.accs, a.empty...)
			a.merged.vals = append(a.merged.vals, stored[accLen:]...)
		}
		return a.merge(a.merged.accs[i*accLen:(i+1)*accLen], stored)
	}
	for ok := it.Valid(); ok; ok = it.Next() {
		se, gkey, err := state.DecodeKey(it.Key())
		if err != nil {
			return fmt.Errorf("slice aggregate: corrupt slice key: %w", err)
		}
		if se.I > end {
			break
		}
		stored, err := state.DecodeRow(it.Value(), a.merged.row)
		if err != nil || len(stored) != accLen+width {
			return fmt.Errorf("slice aggregate: corrupt slice entry")
		}
		a.merged.row = stored
		if err := group(gkey, stored); err != nil {
			return err
		}
	}
	if err := it.Error(); err != nil {
		return err
	}
	if err := a.mergeExtras(end, group); err != nil {
		return err
	}
	// The rows go downstream, which may keep them: one slab per window,
	// never reused.
	rowLen := len(a.cols) + len(a.node.Aggs)
	slab := make(types.Row, 0, n*rowLen)
	for i := range n {
		acc := a.merged.accs[i*accLen : (i+1)*accLen]
		if acc[0].I <= 0 {
			continue
		}
		at := len(slab)
		slab = a.appendOutput(slab, end, a.merged.vals[i*width:(i+1)*width], acc)
		a.out = append(a.out, types.Change{Row: slab[at:len(slab):len(slab)], Diff: 1, Wm: prev})
	}
	return nil
}

// purge deletes the slices whose last window watermark wm has fired, its
// allowed lateness passed.
func (a *SliceAggregate) purge(wm int64) error {
	it, err := a.slices.Iter(nil, nil)
	if err != nil {
		return err
	}
	var keys [][]byte
	for ok := it.First(); ok; ok = it.Next() {
		se, err := sliceEnd(it.Key())
		if err != nil {
			it.Close()
			return err
		}
		if !windowClosed(se+a.size-a.slide+a.lateness, wm) {
			break
		}
		keys = append(keys, bytes.Clone(it.Key()))
	}
	if err := it.Close(); err != nil {
		return err
	}
	// Key by key: range deletions make an epoch's later reads slow (see
	// state.Table.DeletePrefix).
	for _, k := range keys {
		a.slices.Delete(k)
		a.cache.drop(k)
	}
	if a.hasExtras {
		return a.purgeExtras(wm)
	}
	return nil
}

// purgeExtras deletes the windows' own accumulators of the windows
// watermark wm has fired, their allowed lateness passed.
func (a *SliceAggregate) purgeExtras(wm int64) error {
	it, err := a.meta.Scan([]byte{'x'})
	if err != nil {
		return err
	}
	var keys [][]byte
	left := false
	for ok := it.First(); ok; ok = it.Next() {
		e, err := sliceEnd(it.Key()[1:])
		if err != nil {
			it.Close()
			return err
		}
		if !windowClosed(e+a.lateness, wm) {
			left = true
			break
		}
		keys = append(keys, bytes.Clone(it.Key()))
	}
	if err := it.Close(); err != nil {
		return err
	}
	for _, k := range keys {
		a.meta.Delete(k)
	}
	a.hasExtras = left
	return nil
}
