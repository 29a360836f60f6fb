package operator

import (
	"context"
	"fmt"
	"time"

	"riffle/planner/logical"
	"riffle/sql/types"
)

// WindowAssign is the window table functions TUMBLE, HOP and CUMULATE: each
// input row goes out once for every window its time falls in, with
// window_start, window_end and window_time (the end minus 1 ms) appended.
// It keeps no state and passes diffs through, so it runs over updating
// inputs as well. Windows are aligned to the epoch plus the offset; a hop
// window that starts before the epoch still gets its rows (semantics.md,
// rule 3). A row whose time is NULL is in no window: it is counted as late,
// not lost silently.
type WindowAssign struct {
	kind                      logical.WindowKind
	timeCol                   int
	size, slide, step, offset int64
	zone                      *time.Location // see logical.WindowTVF.Zone
	late                      func(LateRow)
	out                       types.Batch
}

var _ Operator = (*WindowAssign)(nil)

// windowTimeGap is how much earlier than window_end window_time is: 1 ms,
// the precision of the window columns (TIMESTAMP(3)).
const windowTimeGap = 1000

// NewWindowAssign returns the operator for a TUMBLE, HOP or CUMULATE node.
func NewWindowAssign(n *logical.WindowTVF) (*WindowAssign, error) {
	w := &WindowAssign{kind: n.Kind, timeCol: n.TimeCol, size: n.Size, slide: n.Slide, step: n.Step, offset: n.Offset, zone: n.Zone}
	switch {
	case n.Kind == "SESSION":
		return nil, fmt.Errorf("window assign: SESSION windows merge; they are not assigned row by row")
	case w.size <= 0, n.Kind == "HOP" && w.slide <= 0, n.Kind == "CUMULATE" && (w.step <= 0 || w.size%w.step != 0):
		return nil, fmt.Errorf("window assign: bad %s window", n.Kind)
	}
	return w, nil
}

func (w *WindowAssign) Open(_ context.Context, env *Env) error {
	w.late = env.Late
	return nil
}

func (w *WindowAssign) OnBatch(ctx context.Context, _ int, b types.Batch, out Emitter) error {
	w.out = w.out[:0]
	var slab []types.Value
	for _, c := range b {
		t := c.Row[w.timeCol]
		if t.IsNull() {
			reportLate(w.late, "its event time is NULL", c, 0, c.Wm)
			continue
		}
		w.windows(types.ToLocal(t.I, w.zone), func(start, end int64) {
			if need := len(c.Row) + 3; cap(slab)-len(slab) < need {
				// A full slab is followed by a new one, never grown: the
				// rows carved from it stay where they are, and growing
				// copied it over and over (Nexmark q5's HOP puts each bid
				// in five windows; 40% of its time went to the copies).
				slab = make([]types.Value, 0, max(need, len(b)*min(w.perRow(), 8)*need))
			}
			at := len(slab)
			slab = append(slab, c.Row...)
			// window_time is an instant even when the bounds are a
			// zone's wall-clock time.
			slab = append(slab, types.NewTimestamp(start), types.NewTimestamp(end), types.NewTimestamp(types.FromLocal(end, w.zone)-windowTimeGap))
			w.out = append(w.out, types.Change{Row: slab[at:len(slab):len(slab)], Diff: c.Diff, Wm: c.Wm})
		})
	}
	if len(w.out) == 0 {
		return nil
	}
	return out.Emit(ctx, w.out)
}

// perRow is the most windows one row falls in.
func (w *WindowAssign) perRow() int {
	switch w.kind {
	case "HOP":
		return int((w.size + w.slide - 1) / w.slide)
	case "CUMULATE":
		return int(w.size / w.step)
	}
	return 1
}

// windows calls fn with every window [start, end) that holds time t (µs).
func (w *WindowAssign) windows(t int64, fn func(start, end int64)) {
	switch w.kind {
	case "TUMBLE":
		start := alignDown(t, w.size, w.offset)
		fn(start, start+w.size)
	case "HOP":
		// The windows that hold t start at the last slide boundary at or
		// before t and every slide before it, while they still reach t.
		last := alignDown(t, w.slide, w.offset)
		first := last
		for first-w.slide+w.size > t {
			first -= w.slide
		}
		for s := first; s <= last; s += w.slide {
			fn(s, s+w.size)
		}
	case "CUMULATE":
		start := alignDown(t, w.size, w.offset)
		for end := start + w.step; end <= start+w.size; end += w.step {
			if end > t {
				fn(start, end)
			}
		}
	}
}

// alignDown is the largest offset + k·size (k an integer) at or before t.
func alignDown(t, size, offset int64) int64 {
	d := (t - offset) % size
	if d < 0 {
		d += size
	}
	return t - d
}

func (w *WindowAssign) OnBarrier(context.Context) error { return nil }
func (w *WindowAssign) Close() error                    { return nil }
