package operator

import (
	"encoding/binary"
	"fmt"
	"math/bits"

	"riffle/exec/expr"
	"riffle/exec/state"
	"riffle/planner/logical"
	"riffle/sql/types"
)

// DISTINCT calls that differ only in their FILTER share one value state
// (state layout 3; logical.StampLayout). Nexmark q16 counts
// count(DISTINCT bidder) under four FILTERs: kept per call, a bid costs a
// point read per call (four for the same bidder) and, for a bidder new to
// the group, a write per call, which Pebble then compacts. Shared, it costs
// one read of the bidder's entry and at most one write, as Flink's
// DistinctInfo does with its filter bitmask.
//
// A distinctSet's entries sit in table 1 under the group's key, the set's
// prefix byte (the index of its first call, whose own prefix nothing else
// uses) and the value's key. Over an append-only input an entry is a
// bitmask (a uvarint): bit k is set once call k of the set has seen the
// value, and no copy will ever leave. Over a retracting input it is, per
// call of the set, how many copies of the value that call counts (varints):
// a call sees the value while its count is above zero.
//
// Layouts 1 and 2 keep, per DISTINCT call, the value's multiset under the
// call's own prefix (countValue).
type distinctSet struct {
	prefix byte
	arg    expr.Func
	calls  []int // the calls of the set: bit k of an entry is calls[k]
}

// maxSetCalls is how many calls one set holds: the bits of its mask.
const maxSetCalls = 64

// sharesValues reports whether call c can share a value state with the other
// DISTINCT calls of its argument: its accumulator changes only when a
// value's first copy arrives or its last leaves (MIN, MAX, string_agg and
// array_agg scan their values and keep them per call).
func sharesValues(c *logical.AggCall) bool {
	return c.Distinct && !c.KeepsValues() && len(c.Args) == 1 && len(c.OrderBy) == 0
}

// planDistinct groups the DISTINCT calls of a node at layout 3 or later by
// their argument into a.dsets.
func (a *Aggregate) planDistinct(n *logical.Aggregate) {
	a.dsetOf = make([]int, len(n.Aggs))
	a.dbit = make([]uint8, len(n.Aggs))
	for i := range a.dsetOf {
		a.dsetOf[i] = -1
	}
	if n.Layout != 0 && n.Layout < 3 {
		return
	}
	for i := range n.Aggs {
		c := &n.Aggs[i]
		if !sharesValues(c) || i > 255 {
			continue
		}
		s := -1 // the set of c's argument still taking calls
		for k := range a.dsets {
			if j := a.dsets[k].calls[0]; sameExpr(n.Aggs[j].Args[0], c.Args[0]) && len(a.dsets[k].calls) < maxSetCalls {
				s = k
			}
		}
		if s < 0 {
			s = len(a.dsets)
			a.dsets = append(a.dsets, distinctSet{prefix: byte(i), arg: a.args[i][0]})
		}
		a.dsetOf[i] = s
		a.dbit[i] = uint8(len(a.dsets[s].calls))
		a.dsets[s].calls = append(a.dsets[s].calls, i)
	}
	a.dpend = make([]uint64, len(a.dsets))
	a.gids = len(a.dsets) > 0 && (n.Layout == 0 || n.Layout >= 4)
}

// applyDistinct applies the row to the calls of set s whose FILTER let it
// in (a.dpend[s]): each call counts the row's value if it is new to it, or
// stops counting it when its last copy left.
func (a *Aggregate) applyDistinct(g *group, s int, row types.Row, d int64) error {
	ds := &a.dsets[s]
	v, err := ds.arg(row)
	if err != nil || v.IsNull() {
		return err // aggregates skip NULL inputs
	}
	a.key = a.setKey(a.key[:0], g, ds.prefix)
	a.key = state.AppendKey(a.key, v)
	if a.appendOnly {
		added, err := a.firstSeen(g, a.dpend[s])
		for ; err == nil && added != 0; added &= added - 1 {
			i := ds.calls[bits.TrailingZeros64(added)]
			err = addAcc(&a.node.Aggs[i], g.acc[1+i*accWidth:1+(i+1)*accWidth], v, 1)
		}
		return err
	}
	return a.countShared(g, ds, a.dpend[s], v, d)
}

// firstSeen marks value a.key as seen by the calls in mask want, and returns
// those that had not seen it before. A value seen before costs a read (none
// when cached), and a write only when a call sees it for the first time.
func (a *Aggregate) firstSeen(g *group, want uint64) (uint64, error) {
	var have uint64
	cached := false
	switch {
	case g.fresh:
		// Nothing to read: a new group's values are those it added.
		have = g.added[string(a.key)]
	default:
		var ok bool
		if have, cached = a.seenBits.get(a.key); cached {
			break
		}
		if !a.present.mayHave(a.key) {
			break // a value new to the group, as most are: nothing to read
		}
		var err error
		if a.dbuf, ok, err = a.values.GetAppend(a.dbuf[:0], a.key); err != nil {
			return 0, err
		}
		if ok {
			var w int
			if have, w = binary.Uvarint(a.dbuf); w <= 0 {
				return 0, fmt.Errorf("aggregate: corrupt distinct entry")
			}
		}
	}
	added := want &^ have
	if added != 0 {
		if have == 0 {
			if err := a.notePresent(); err != nil {
				return 0, err
			}
		}
		have |= want
		a.dbuf = binary.AppendUvarint(a.dbuf[:0], have)
		a.values.Put(a.key, a.dbuf)
		if g.fresh {
			if g.added == nil {
				g.added = map[string]uint64{}
			}
			g.added[string(a.key)] = have
		}
	}
	if !g.fresh && (!cached || added != 0) {
		a.seenBits.put(a.key, have, 8)
	}
	return added, nil
}

// notePresent adds a.key, about to be written to the value table, to the
// filter of its keys, filling a larger filter from the table when the
// keys outgrow it.
func (a *Aggregate) notePresent() error {
	if a.present.add(a.key); !a.present.full() {
		return nil
	}
	f, err := fillKeyFilter(a.values, a.present.n*filterGrowth)
	if err != nil {
		return err
	}
	f.add(a.key) // written after the scan
	a.present = f
	return nil
}

// countShared adds d to the count of value v of each call of ds in mask
// want, over a retracting input: a call counts v when its first copy
// arrives and stops when its last leaves. The entry goes when no call of
// the set holds a copy.
func (a *Aggregate) countShared(g *group, ds *distinctSet, want uint64, v types.Value, d int64) error {
	var ok bool
	var err error
	if a.dbuf, ok, err = a.values.GetAppend(a.dbuf[:0], a.key); err != nil {
		return err
	}
	n := len(ds.calls)
	a.dcounts = append(a.dcounts[:0], make([]int64, n)...)
	if ok {
		b := a.dbuf
		for k := range n {
			c, w := binary.Varint(b)
			if w <= 0 {
				return fmt.Errorf("aggregate: corrupt distinct entry")
			}
			a.dcounts[k], b = c, b[w:]
		}
	}
	live := false
	for k, i := range ds.calls {
		before := a.dcounts[k]
		if want&(1<<k) != 0 {
			after := before + d
			acc := g.acc[1+i*accWidth : 1+(i+1)*accWidth]
			switch {
			case after < 0:
				return fmt.Errorf("aggregate: row retracted more often than inserted (multiplicity %d)", after)
			case before == 0 && after > 0:
				err = addAcc(&a.node.Aggs[i], acc, v, 1)
			case before > 0 && after == 0:
				err = addAcc(&a.node.Aggs[i], acc, v, -1)
			}
			if err != nil {
				return err
			}
			a.dcounts[k] = after
		}
		live = live || a.dcounts[k] != 0
	}
	if !live {
		a.values.Delete(a.key)
		return nil
	}
	a.dbuf = a.dbuf[:0]
	for _, c := range a.dcounts {
		a.dbuf = binary.AppendVarint(a.dbuf, c)
	}
	a.values.Put(a.key, a.dbuf)
	return nil
}
