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

// IntervalJoin joins two append-only streams on equality keys and a time
// bound: left.t + Lower <= right.t <= left.t + Upper (b.ts BETWEEN a.ts AND
// a.ts + INTERVAL '1' HOUR). Each side keeps its rows only while rows of
// the other side can still match them: a left row until the watermark
// reaches its time plus Upper, a right row until it reaches its time minus
// Lower. The output is append-only: an outer join emits a row's padded
// version once, when the row leaves the state without a match
// (semantics.md, rule 8). A row whose time its input's watermark has
// already passed is late: counted and dropped (rule 7).
//
// The watermark of the output lags the input's by the width of the
// interval, since a pair (or a padded row) carries times that much older
// than the row that made it.
//
// State, per side: rows keyed by join key, time and row (multiplicity,
// whether it has matched, row), and an index by time for expiry.
type IntervalJoin struct {
	kind     logical.JoinKind
	bounds   logical.IntervalBounds
	sides    [2]intervalSide
	residual expr.Predicate
	wms      [2]int64
	wm       int64 // the minimum of wms: what expiry follows
	late     func(LateRow)

	out   types.Batch
	rows  joinRows
	other types.Row
	key   []byte
	buf   []byte
}

type intervalSide struct {
	keys     []expr.Func
	timeCol  int
	rows     *state.Table // join key, time, row → multiplicity, matched, row
	byTime   *state.Table // time, join key, row → nothing
	preserve bool         // an outer join pads this side's unmatched rows
	jk       []byte
}

var _ Operator = (*IntervalJoin)(nil)
var _ Watermarker = (*IntervalJoin)(nil)

// IntervalJoinTables is how many state tables an IntervalJoin uses.
const IntervalJoinTables = 4

// NewIntervalJoin compiles an interval join.
func NewIntervalJoin(n *logical.Join, env expr.Env) (*IntervalJoin, error) {
	if n.Interval == nil {
		return nil, fmt.Errorf("interval join: no time bounds")
	}
	j := &IntervalJoin{kind: n.Kind, bounds: *n.Interval}
	j.rows.width = [2]int{n.Left.Schema().Len(), n.Right.Schema().Len()}
	j.sides[0].timeCol, j.sides[1].timeCol = n.Interval.LeftTime, n.Interval.RightTime
	for s, exprs := range [2][]scalar.Expr{n.LeftKeys, n.RightKeys} {
		for _, e := range exprs {
			f, err := expr.CompileEnv(e, env)
			if err != nil {
				return nil, err
			}
			j.sides[s].keys = append(j.sides[s].keys, f)
		}
	}
	if n.On != nil {
		// The whole condition: the time bounds are in it too, and cheap.
		p, err := expr.CompilePredicate(n.On)
		if err != nil {
			return nil, err
		}
		j.residual = p
	}
	switch n.Kind {
	case logical.LeftJoin:
		j.sides[0].preserve = true
	case logical.RightJoin:
		j.sides[1].preserve = true
	case logical.FullJoin:
		j.sides[0].preserve, j.sides[1].preserve = true, true
	case logical.SemiJoin, logical.AntiJoin:
		return nil, fmt.Errorf("interval join: semi and anti joins are not interval joins")
	}
	return j, nil
}

func (j *IntervalJoin) Open(_ context.Context, env *Env) error {
	j.sides[0].rows, j.sides[0].byTime = env.Table(0), env.Table(1)
	j.sides[1].rows, j.sides[1].byTime = env.Table(2), env.Table(3)
	j.late = env.Late
	return nil
}

func (j *IntervalJoin) OnBatch(ctx context.Context, input int, b types.Batch, out Emitter) error {
	j.out = j.out[:0]
	j.rows.renew()
	for _, c := range b {
		if c.Diff < 0 {
			return fmt.Errorf("interval join: an interval join needs append-only inputs, got a retraction")
		}
		if err := j.apply(input, c); err != nil {
			return err
		}
	}
	if len(j.out) == 0 {
		return nil
	}
	return out.Emit(ctx, j.out)
}

// apply joins a row of side s with the other side's rows in its interval
// and keeps it for the rows still to come.
func (j *IntervalJoin) apply(s int, c types.Change) error {
	me, other := &j.sides[s], &j.sides[1-s]
	tv := c.Row[me.timeCol]
	// Late is behind the watermark of the row's own input, which already
	// declared no more rows that old: a judgement that does not depend on
	// how the two inputs interleave, which nothing defines (semantics.md,
	// rule 9). The state expires by the lower, joint watermark, so a row
	// that is not late finds every partner it has.
	if tv.IsNull() || (c.Wm != 0 && tv.I <= c.Wm) {
		reason := "behind its table's watermark"
		if tv.IsNull() {
			reason = "its event time is NULL"
		}
		reportLate(j.late, reason, c, tv.I, c.Wm)
		return nil
	}
	t := tv.I
	null, err := j.joinKey(me, c.Row)
	if err != nil {
		return err
	}
	outWm := j.outWm(min(c.Wm, j.wms[1-s]))
	matched := false
	if !null {
		// The other side's rows whose time lies in this row's interval.
		lo, hi := t+j.bounds.Lower, t+j.bounds.Upper
		if s == 1 {
			lo, hi = t-j.bounds.Upper, t-j.bounds.Lower
		}
		lower := state.AppendKey(append([]byte{}, me.jk...), types.NewTimestamp(lo))
		upper := state.AppendKey(append([]byte{}, me.jk...), types.NewTimestamp(hi+1))
		it, err := other.rows.Iter(lower, upper)
		if err != nil {
			return err
		}
		type update struct {
			key, val []byte
		}
		var marks []update
		for ok := it.First(); ok; ok = it.Next() {
			m, was, orow, err := j.decode(it.Value())
			if err != nil {
				it.Close()
				return err
			}
			if j.residual != nil {
				ok, err := j.residual(j.rows.scratchPair(s, c.Row, orow))
				if err != nil {
					it.Close()
					return err
				}
				if !ok {
					continue
				}
			}
			matched = true
			j.emit(j.rows.pairRow(s, c.Row, orow), int64(c.Diff)*m, outWm)
			if other.preserve && !was {
				marks = append(marks, update{bytes.Clone(it.Key()), j.encode(nil, m, true, orow)})
			}
		}
		if err := it.Close(); err != nil {
			return err
		}
		for _, u := range marks {
			other.rows.Put(u.key, u.val)
		}
	}
	if null {
		// A NULL key never matches: an outer join pads the row now.
		if me.preserve {
			j.emit(j.rows.padded(s, c.Row), int64(c.Diff), outWm)
		}
		return nil
	}
	return j.keep(me, c.Row, t, int64(c.Diff), matched)
}

// keep stores m copies of row (time t) on side me until it expires.
func (j *IntervalJoin) keep(me *intervalSide, row types.Row, t, m int64, matched bool) error {
	j.key = state.AppendKey(append(j.key[:0], me.jk...), types.NewTimestamp(t))
	j.key = state.AppendTupleKey(j.key, row)
	var ok bool
	var err error
	j.buf, ok, err = me.rows.GetAppend(j.buf[:0], j.key)
	if err != nil {
		return err
	}
	if ok {
		have, was, _, err := j.decode(j.buf)
		if err != nil {
			return err
		}
		m, matched = m+have, matched || was
	}
	me.rows.Put(j.key, j.encode(j.buf[:0], m, matched, row))
	// The index by time: time, then the row's key in the rows table.
	idx := state.AppendKey(nil, types.NewTimestamp(t))
	me.byTime.Put(append(idx, j.key...), nil)
	return nil
}

func (j *IntervalJoin) encode(dst []byte, m int64, matched bool, row types.Row) []byte {
	dst = binary.AppendVarint(dst, m)
	flag := byte(0)
	if matched {
		flag = 1
	}
	return state.AppendRow(append(dst, flag), row)
}

func (j *IntervalJoin) decode(val []byte) (m int64, matched bool, row types.Row, err error) {
	m, n := binary.Varint(val)
	if n <= 0 || len(val) <= n {
		return 0, false, nil, fmt.Errorf("interval join: corrupt row entry")
	}
	j.other, err = state.DecodeRow(val[n+1:], j.other)
	return m, val[n] == 1, j.other, err
}

// outWm is the watermark of rows the join emits under input watermark wm:
// lower by the interval's width, since an output row can carry a time that
// much older than the row that made it.
func (j *IntervalJoin) outWm(wm int64) int64 {
	if wm == 0 {
		return 0
	}
	return wm - max(j.bounds.Upper, -j.bounds.Lower, 0) - 1
}

// OnWatermark expires the rows no row of the other side can match any
// more, padding the unmatched ones of a preserved side.
func (j *IntervalJoin) OnWatermark(ctx context.Context, wms []int64, out Emitter) (int64, error) {
	j.wms[0], j.wms[1] = wms[0], wms[1]
	wm := min(wms[0], wms[1])
	if wm <= j.wm {
		return j.outWm(j.wm), nil
	}
	j.wm = wm
	j.out = j.out[:0]
	j.rows.renew()
	outWm := j.outWm(wm)
	// A left row can match right rows up to its time + Upper; a right row
	// left rows from its time - Upper to its time - Lower.
	for s, last := range [2]int64{wm - j.bounds.Upper, wm + j.bounds.Lower} {
		if err := j.expire(s, last, outWm); err != nil {
			return 0, err
		}
	}
	if len(j.out) > 0 {
		if err := out.Emit(ctx, j.out); err != nil {
			return 0, err
		}
	}
	return outWm, nil
}

// expire drops side s's rows with times at or before last.
func (j *IntervalJoin) expire(s int, last int64, outWm int64) error {
	me := &j.sides[s]
	upper := state.AppendKey(nil, types.NewTimestamp(last+1))
	it, err := me.byTime.Iter(nil, upper)
	if err != nil {
		return err
	}
	var idx [][]byte
	for ok := it.First(); ok; ok = it.Next() {
		idx = append(idx, bytes.Clone(it.Key()))
	}
	if err := it.Close(); err != nil {
		return err
	}
	for _, k := range idx {
		_, rest, err := state.DecodeKey(k)
		if err != nil {
			return fmt.Errorf("interval join: corrupt index entry")
		}
		if me.preserve {
			val, ok, err := me.rows.Get(rest)
			if err != nil {
				return err
			}
			if ok {
				m, matched, row, err := j.decode(val)
				if err != nil {
					return err
				}
				if !matched {
					j.emit(j.rows.padded(s, row), m, outWm)
				}
			}
		}
		me.rows.Delete(rest)
		me.byTime.Delete(k)
	}
	return nil
}

func (j *IntervalJoin) joinKey(side *intervalSide, row types.Row) (bool, error) {
	var null bool
	var err error
	side.jk, null, err = appendJoinKey(side.jk[:0], side.keys, nil, row)
	return null, err
}

func (j *IntervalJoin) emit(row types.Row, d, wm int64) {
	j.out = append(j.out, types.Change{Row: row, Diff: types.Diff(d), Wm: wm})
}

func (j *IntervalJoin) OnBarrier(context.Context) error { return nil }
func (j *IntervalJoin) Close() error                    { return nil }
