package operator

import (
	"context"
	"encoding/binary"
	"errors"

	"riffle/exec/state"
	"riffle/planner/logical"
	"riffle/sql/types"
)

// A window outer join (LEFT, RIGHT or FULL, both inputs event-time windows
// joined on the same window) pads at window close, as Flink's window join:
// while a row's window is open its padded row is neither emitted nor
// retracted, whatever its matches do; when the watermark fires the window,
// every row of a preserved side that matched nothing is emitted padded.
// Changes a fired window still gets (within its allowed lateness) show and
// hide padded rows at once, as in a regular outer join. The watermark up
// to which windows have fired is kept in side 0's table under firedKey, so
// a restart (whose watermark is delivered again) pads nothing twice. A row
// whose join key is NULL keeps no state and is padded at once.

// padsAtClose reports whether a window join of kind k pads at window close.
func padsAtClose(window bool, k logical.JoinKind) bool {
	return window && (k == logical.LeftJoin || k == logical.RightJoin || k == logical.FullJoin)
}

// openWindow reads the fired watermark of a join that pads at close.
func (j *Join) openWindow() error {
	if !j.padAtClose {
		return nil
	}
	v, ok, err := j.sides[0].table.Get(firedKey)
	if err != nil || !ok {
		return err
	}
	j.fired, _ = binary.Varint(v)
	return nil
}

// held reports whether a row of side s is in a window that has not fired:
// its padded row waits for the window to close.
func (j *Join) held(s int, row types.Row) bool {
	if !j.padAtClose {
		return false
	}
	end, err := j.sides[s].keys[j.winKey](row)
	return err == nil && !end.IsNull() && end.I > j.fired+windowTimeGap
}

// fireWindows emits the padded rows of the windows that end after the last
// fired watermark and no later than wm + 1 ms (a window [s, e) fires when
// the watermark reaches e - 1 ms): each row of a preserved side that
// matches nothing, with its multiplicity.
func (j *Join) fireWindows(ctx context.Context, wm int64, out Emitter) error {
	lower, upper := firedBound(j.fired), firedBound(wm)
	j.out = j.out[:0]
	for s := range j.sides {
		if !j.sides[s].tracks {
			continue
		}
		if err := j.firePadded(ctx, s, lower, upper, out); err != nil {
			return err
		}
	}
	j.fired = wm
	j.sides[0].table.Put(firedKey, binary.AppendVarint(nil, wm))
	return j.flush(ctx, out)
}

// firePadded emits the unmatched rows of side s whose keys lie in
// [lower, upper), padded.
func (j *Join) firePadded(ctx context.Context, s int, lower, upper []byte, out Emitter) (err error) {
	it, err := j.sides[s].table.Iter(lower, upper)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, it.Close()) }()
	for ok := it.First(); ok; ok = it.Next() {
		key := it.Key()
		// The key is the window's end, the join key, then a tag.
		_, rest, err := state.DecodeTupleKey(key, 1+len(j.sides[s].keys), nil)
		if err != nil {
			return err
		}
		if len(rest) == 0 || rest[0] != tagRow {
			continue
		}
		jk := key[:len(key)-len(rest)]
		m, matched, _, row, err := j.decodeEntry(rest[1:], it.Value())
		if err != nil {
			return err
		}
		if !j.perRow {
			if matched, err = j.total(&j.sides[1-s], jk); err != nil {
				return err
			}
		}
		if j.shows(matched) {
			if err := j.emit(ctx, j.rows.padded(s, row), m, out); err != nil {
				return err
			}
		}
	}
	return it.Error()
}
