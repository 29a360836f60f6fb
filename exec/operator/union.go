package operator

import (
	"context"

	"riffle/sql/types"
)

// Union is UNION ALL: every input's changes pass through unchanged. It is
// linear, so retractions from any input retract exactly what that input
// inserted.
//
// Its watermark is the minimum of its inputs' (semantics.md, rule 1), and
// so is the watermark a row passes on as read under: a row from an input
// that is ahead is not late while another input holds the union back.
type Union struct {
	wms []int64 // each input's watermark, as last told
	buf types.Batch
}

var _ Operator = (*Union)(nil)
var _ Watermarker = (*Union)(nil)

// NewUnion returns the operator for n inputs.
func NewUnion(n int) *Union { return &Union{wms: make([]int64, n)} }

func (u *Union) Open(context.Context, *Env) error { return nil }

func (u *Union) OnBatch(ctx context.Context, input int, b types.Batch, out Emitter) error {
	if len(b) == 0 {
		return nil
	}
	low, ok := u.othersLow(input)
	if !ok {
		return out.Emit(ctx, b)
	}
	u.buf = append(u.buf[:0], b...)
	for i := range u.buf {
		u.buf[i].Wm = min(u.buf[i].Wm, low)
	}
	return out.Emit(ctx, u.buf)
}

// othersLow is the lowest watermark among the inputs other than input (0
// for one that has told none), if there are others.
func (u *Union) othersLow(input int) (int64, bool) {
	found := false
	var low int64
	for i, w := range u.wms {
		if i == input {
			continue
		}
		if !found || w < low {
			low, found = w, true
		}
	}
	return low, found
}

func (u *Union) OnWatermark(_ context.Context, wms []int64, _ Emitter) (int64, error) {
	u.wms = append(u.wms[:0], wms...)
	low := wms[0]
	for _, w := range wms[1:] {
		low = min(low, w)
	}
	return low, nil
}

func (u *Union) OnBarrier(context.Context) error { return nil }
func (u *Union) Close() error                    { return nil }
