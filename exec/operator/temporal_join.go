package operator

import (
	"bytes"
	"context"
	"fmt"

	"riffle/exec/expr"
	"riffle/exec/state"
	"riffle/planner/logical"
	"riffle/planner/scalar"
	"riffle/sql/types"
)

// TemporalJoin joins each row of its left (probe) input with the version of
// its right (versioned) table valid at the row's time:
// JOIN r FOR SYSTEM_TIME AS OF l.t ON l.k = r.k. A later version never
// changes an earlier result, so the output is append-only over an
// append-only probe side. An inner join drops a probe row with no version;
// a left join pads it.
//
// At processing time (AS OF l.proctime, or AS OF PROCTIME()) the version
// is the right row that is current when the probe row is processed: the
// right side keeps its latest row per key (table 0). Over a probe side
// that retracts, a retraction takes back what the probe row was joined
// with then (table 1: see procProbe), not what it would join now.
//
// At event time the version of a probe row at t is the right row with the
// latest time at or before t. A probe row waits (table 1, by time) until
// the join's watermark (the minimum of both inputs') reaches t, so that
// every version up to t has arrived; then it is joined and emitted. The
// right side keeps its versions by key and time (table 0), and drops a
// version once a later one is at or below the watermark, since no probe
// row still to come can need it. A probe row behind its own input's
// watermark is late. A deleted right row ends its versions at the
// watermark it was deleted under.
type TemporalJoin struct {
	kind      logical.JoinKind
	eventTime bool
	memo      bool      // processing time over a retracting probe side: remember each probe row's result (table 1)
	leftTime  expr.Func // the probe row's time (event time)
	rightTime int       // the versioned table's time column (event time)
	keys      [2][]expr.Func
	residual  expr.Predicate
	versions  *state.Table // proc: key → row; event: key, time → row (or a deletion)
	waiting   *state.Table // event: probe rows by time, key, row → multiplicity; proc with memo: probe row, version → multiplicity
	wm        int64
	late      func(LateRow)
	held      counts // over waiting
	out       types.Batch
	rows      joinRows
	jk, key   []byte
	buf       []byte
	vrow      types.Row
}

var _ Operator = (*TemporalJoin)(nil)
var _ Watermarker = (*TemporalJoin)(nil)

// TemporalJoinTables is how many state tables a TemporalJoin uses.
const TemporalJoinTables = 2

// NewTemporalJoin compiles a temporal join.
func NewTemporalJoin(n *logical.TemporalJoin, env expr.Env) (*TemporalJoin, error) {
	j := &TemporalJoin{kind: n.Kind, rightTime: -1}
	j.rows.width = [2]int{n.Left.Schema().Len(), n.Right.Schema().Len()}
	// AS OF an event-time attribute of the probe side is an event-time
	// join; AS OF anything else (PROCTIME()) is a lookup of the current
	// version.
	if logical.EventTimeJoin(n) {
		j.eventTime = true
		f, err := expr.CompileEnv(n.Time, env)
		if err != nil {
			return nil, err
		}
		j.leftTime = f
		attrs := logical.TimeAttrs(n.Right)
		if len(attrs) == 0 {
			return nil, fmt.Errorf("temporal join: an event-time temporal join needs a versioned table with an event-time attribute (WATERMARK FOR)")
		}
		j.rightTime = attrs[0]
	} else {
		j.memo = n.Left.Props().Changelog != logical.AppendOnly
	}
	for s, exprs := range [2][]scalar.Expr{n.LeftKeys, n.RightKeys} {
		for _, e := range exprs {
			f, err := expr.CompileEnv(e, env)
			if err != nil {
				return nil, err
			}
			j.keys[s] = append(j.keys[s], f)
		}
	}
	if n.On != nil {
		p, err := expr.CompilePredicate(n.On)
		if err != nil {
			return nil, err
		}
		j.residual = p
	}
	return j, nil
}

func (j *TemporalJoin) Open(_ context.Context, env *Env) error {
	j.versions, j.waiting, j.late = env.Table(0), env.Table(1), env.Late
	j.held.table = j.waiting
	return nil
}

func (j *TemporalJoin) OnBatch(ctx context.Context, input int, b types.Batch, out Emitter) error {
	j.out = j.out[:0]
	j.rows.renew()
	for i, c := range b {
		var err error
		switch {
		case input == 0:
			err = j.probe(c)
		case j.eventTime && c.Diff < 0 && i+1 < len(b) && b[i+1].Diff > 0 && j.sameKey(c.Row, b[i+1].Row):
			// An update (the old row retracted, the new one inserted): the
			// old version stays valid until the new one's time.
		default:
			err = j.version(c)
		}
		if err != nil {
			return err
		}
	}
	return j.flush(ctx, out)
}

// sameKey reports whether two rows of the versioned table have one key.
func (j *TemporalJoin) sameKey(a, b types.Row) bool {
	for _, f := range j.keys[1] {
		x, err1 := f(a)
		y, err2 := f(b)
		if err1 != nil || err2 != nil || types.Compare(x, y) != 0 {
			return false
		}
	}
	return true
}

func (j *TemporalJoin) flush(ctx context.Context, out Emitter) error {
	if len(j.out) == 0 {
		return nil
	}
	return out.Emit(ctx, j.out)
}

// version applies a change of the versioned table.
func (j *TemporalJoin) version(c types.Change) error {
	null, err := j.joinKey(1, c.Row)
	if err != nil || null {
		return err
	}
	if !j.eventTime {
		// The latest row per key: an insert sets it, the retraction of the
		// current row removes it.
		j.key = append(j.key[:0], j.jk...)
		if c.Diff > 0 {
			j.versions.Put(j.key, state.AppendRow(j.buf[:0], c.Row))
			return nil
		}
		cur, ok, err := j.versions.GetRow(j.key, j.vrow[:0])
		if err != nil {
			return err
		}
		if ok && types.CompareRows(cur, c.Row) == 0 {
			j.versions.Delete(j.key)
		}
		return nil
	}
	if c.Diff < 0 {
		// A deletion: the key has no version from the watermark it was
		// deleted under on (an update's retraction is followed by its new
		// version, which replaces it at its own time).
		if c.Wm > 0 {
			j.key = state.AppendKey(append(j.key[:0], j.jk...), types.NewTimestamp(c.Wm+1))
			j.versions.Put(j.key, nil)
		}
		return nil
	}
	t := c.Row[j.rightTime]
	if t.IsNull() {
		reportLate(j.late, "its event time is NULL", c, 0, c.Wm)
		return nil
	}
	j.key = state.AppendKey(append(j.key[:0], j.jk...), t)
	j.versions.Put(j.key, state.AppendRow(j.buf[:0], c.Row))
	return j.trim()
}

// trim drops the versions of the current key that no probe row can need
// any more: those before the latest version at or below the watermark.
func (j *TemporalJoin) trim() error {
	if j.wm <= 0 {
		return nil
	}
	upper := state.AppendKey(append([]byte{}, j.jk...), types.NewTimestamp(j.wm+1))
	it, err := j.versions.Iter(j.jk, upper)
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
	for _, k := range keys[:max(len(keys)-1, 0)] {
		j.versions.Delete(k)
	}
	return nil
}

// probe handles a probe row: joined at once at processing time; at event
// time held until the watermark reaches its time.
func (j *TemporalJoin) probe(c types.Change) error {
	if !j.eventTime {
		return j.procProbe(c)
	}
	tv, err := j.leftTime(c.Row)
	if err != nil {
		return err
	}
	if tv.IsNull() || (c.Wm != 0 && tv.I <= c.Wm) {
		reason := "behind its table's watermark"
		if tv.IsNull() {
			reason = "its event time is NULL"
		}
		reportLate(j.late, reason, c, tv.I, c.Wm)
		return nil
	}
	if tv.I <= j.wm {
		// The other input is ahead: every version up to t is here.
		return j.join(c.Row, int64(c.Diff), j.wm, tv.I)
	}
	j.key = state.AppendTupleKey(state.AppendKey(j.key[:0], tv), c.Row)
	if _, _, err := j.held.add(j.key, c.Row, int64(c.Diff)); err != nil {
		return fmt.Errorf("temporal join: %w", err)
	}
	return nil
}

// join emits probe row row (m copies) with the version valid at time t
// (-1: the current one).
func (j *TemporalJoin) join(row types.Row, m, wm, t int64) error {
	version, err := j.match(row, t)
	if err != nil {
		return err
	}
	j.emit(row, version, m, wm)
	return nil
}

// match is the version probe row row joins with at time t (-1: the
// current one): nil when there is none or the ON condition rejects it.
func (j *TemporalJoin) match(row types.Row, t int64) (types.Row, error) {
	null, err := j.joinKey(0, row)
	if err != nil || null {
		return nil, err
	}
	version, err := j.find(t)
	if err != nil || version == nil || j.residual == nil {
		return version, err
	}
	ok, err := j.residual(j.rows.scratchPair(0, row, version))
	if err != nil || !ok {
		return nil, err
	}
	return version, nil
}

// emit adds probe row row joined with version (nil: none) to the output,
// m copies; an inner join drops a row without a version.
func (j *TemporalJoin) emit(row, version types.Row, m, wm int64) {
	var out types.Row
	switch {
	case version != nil:
		out = j.rows.pairRow(0, row, version)
	case j.kind == logical.LeftJoin:
		out = j.rows.padded(0, row)
	default:
		return
	}
	j.out = append(j.out, types.Change{Row: out, Diff: types.Diff(m), Wm: wm})
}

// find reads the version of the current key valid at t (-1: the current
// one); nil when there is none.
func (j *TemporalJoin) find(t int64) (types.Row, error) {
	if t < 0 {
		row, ok, err := j.versions.GetRow(j.jk, j.vrow[:0])
		if !ok || err != nil {
			return nil, err
		}
		j.vrow = row
		return row, nil
	}
	upper := state.AppendKey(append([]byte{}, j.jk...), types.NewTimestamp(t+1))
	it, err := j.versions.Iter(j.jk, upper)
	if err != nil {
		return nil, err
	}
	defer it.Close()
	if !it.Last() || len(it.Value()) == 0 {
		return nil, it.Error() // none, or deleted by then
	}
	row, err := state.DecodeRow(it.Value(), j.vrow[:0])
	j.vrow = row
	return row, err
}

// OnWatermark joins the probe rows the watermark has reached, in time order.
func (j *TemporalJoin) OnWatermark(ctx context.Context, wms []int64, out Emitter) (int64, error) {
	wm := min(wms[0], wms[1])
	if !j.eventTime || wm <= j.wm {
		if !j.eventTime {
			return wms[0], nil
		}
		return j.wm, nil
	}
	prev := j.wm
	j.wm = wm
	j.out = j.out[:0]
	j.rows.renew()
	upper := state.AppendKey(nil, types.NewTimestamp(wm+1))
	it, err := j.waiting.Iter(nil, upper)
	if err != nil {
		return 0, err
	}
	type held struct {
		key []byte
		t   int64
		m   int64
		row types.Row
	}
	var ready []held
	for ok := it.First(); ok; ok = it.Next() {
		tv, _, err := state.DecodeKey(it.Key())
		if err != nil {
			it.Close()
			return 0, fmt.Errorf("temporal join: corrupt probe entry")
		}
		row, m, err := DecodeEntry(it.Value())
		if err != nil {
			it.Close()
			return 0, err
		}
		ready = append(ready, held{bytes.Clone(it.Key()), tv.I, m, row})
	}
	if err := it.Close(); err != nil {
		return 0, err
	}
	for _, h := range ready {
		if err := j.join(h.row, h.m, prev, h.t); err != nil {
			return 0, err
		}
		j.waiting.Delete(h.key)
	}
	return wm, j.flush(ctx, out)
}

func (j *TemporalJoin) joinKey(s int, row types.Row) (bool, error) {
	var null bool
	var err error
	j.jk, null, err = appendJoinKey(j.jk[:0], j.keys[s], nil, row)
	return null, err
}

func (j *TemporalJoin) OnBarrier(context.Context) error { return nil }
func (j *TemporalJoin) Close() error                    { return nil }
