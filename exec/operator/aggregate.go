package operator

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strings"
	"time"
	"unsafe"

	"riffle/exec/expr"
	"riffle/exec/state"
	"riffle/planner/logical"
	"riffle/planner/scalar"
	"riffle/sql/types"
)

// Aggregate maintains GROUP BY results incrementally. For every group it
// keeps one state row in table 0: the group's row count, then accWidth
// values per aggregate call (see accumulate.go), then the time of its last
// update and the group's values. For MIN, MAX and DISTINCT
// calls it also keeps, in table 1, how many times each value occurs in the
// group, so that retracting the current minimum finds the next one and a
// DISTINCT call sees a value only while at least one copy is present (at
// state layout 3 the DISTINCT calls of one argument share those entries:
// see aggregate_distinct.go).
//
// A batch is applied group by group; at its end each group that changed
// emits one retraction of its old row and one insertion of its new row
// (nothing when the row did not change, only the retraction when the group
// became empty). The only Go memory that grows is the map of groups touched
// by the current batch, cleared after each batch.
//
// A global aggregate (no GROUP BY) has exactly one row, even over empty
// input: it is emitted on the first batch the operator sees (the runtime
// opens every query with an empty batch) and then only updated.
//
// With a state TTL, a group not updated for the TTL expires: its row is
// retracted from the result and its state deleted, so the result stays what
// the state says; a row for the group that comes later starts it afresh.
// Expiry happens when the group is next touched, or when the sweep that each
// batch runs over a slice of the state finds it. The global group never
// expires.
type Aggregate struct {
	node   *logical.Aggregate
	groups []expr.Func
	args   [][]expr.Func
	// filters are the distinct FILTERs of the calls (q16's three price
	// ranges serve twelve calls), filterOf each call's (-1: none), and
	// fres what each said of the current row (0: not asked yet).
	filters     []expr.Predicate
	filterOf    []int
	fres        []int8
	orders      [][]expr.Func // per call: its ORDER BY keys (string_agg, array_agg)
	groupT      *state.Table
	values      *state.Table
	valueCounts counts // values, as a multiset per group and call
	// dsets are the DISTINCT calls sharing a value state per argument, at
	// layout 3 (aggregate_distinct.go); dsetOf is each call's set (-1:
	// none), dbit its bit in the set, dpend the calls of each set the
	// current row passes. seenBits caches entries of an append-only
	// aggregate's sets, as counts.seen does for layouts 1 and 2.
	dsets    []distinctSet
	dsetOf   []int
	dbit     []uint8
	dpend    []uint64
	seenBits *boundedCache[uint64]
	// present filters the keys of the value table (key_filter.go): a
	// value it does not hold is new to its group, and costs no read.
	// Kept for an append-only aggregate's sets, which never delete a
	// value but with its group.
	present *keyFilter
	dbuf    []byte
	dcounts []int64
	// gids: the sets' entries are keyed by a short id per group, kept as
	// the last accumulator slot (layout 4; aggregate_gid.go); nextGID is
	// the next, gidsMoved set when the batch took ids.
	gids      bool
	nextGID   uint64
	gidsMoved bool
	// appendOnly is set when no change the aggregate sees is a retraction:
	// its input is append-only and no operator below it (nor itself)
	// expires state, which would retract. MIN and MAX then keep only their
	// running value, and a DISTINCT call only whether it has seen a value
	// (see applyCall). keepsValues is whether any call still keeps values.
	appendOnly  bool
	keepsValues bool
	// cache holds the state rows of recently touched groups, encoded as
	// written to table 0 (write-through: putGroup caches what it writes,
	// deletes drop it), so that a group a later batch touches again is not
	// read back from Pebble.
	cache boundedCache[[]byte]

	exp expiry
	// Event-time windows (nil: an ordinary aggregate). A window's groups
	// are keyed by the window's end first, so the watermark finds the
	// windows it closes in key order.
	win  *logical.Window
	emit logical.Emit
	// early holds, for periodic early firing, the windows changed since
	// the last tick (dirtyKey) and the row last emitted for each
	// (emittedKey).
	early   *state.Table
	wm      int64 // the operator's watermark (µs; 0 none)
	late    func(LateRow)
	touched map[string]*group
	order   []*group
	vals    types.Row // scratch: the current change's group values
	key     []byte
	buf     []byte
	out     types.Batch
}

// group is one group's state while a batch is applied.
type group struct {
	key    []byte
	vals   types.Row // the group's values
	acc    types.Row // [row count, acc of call 0…, acc of call 1…]
	old    types.Row // the output row before the batch, nil if the group did not exist
	recalc []bool    // MIN/MAX calls whose value changed
	fired  bool      // a window whose row has been emitted (kept for its allowed lateness)
	seenWm int64     // the latest watermark a row of this batch was read under
	// fresh: the group had no state before this batch, so none of its
	// values is in the value table but those this batch put there, which
	// added lists (append-only DISTINCT: no read for them).
	fresh bool
	added map[string]uint64
}

var _ Operator = (*Aggregate)(nil)

// NewAggregate compiles the grouping and argument expressions.
func NewAggregate(n *logical.Aggregate, env expr.Env) (*Aggregate, error) {
	a := &Aggregate{node: n, touched: map[string]*group{}, win: logical.WindowOf(n)}
	var filterExprs []scalar.Expr
	if a.win != nil {
		a.emit = n.Emit
	}
	for _, g := range n.Groups {
		f, err := expr.CompileEnv(g, env)
		if err != nil {
			return nil, err
		}
		a.groups = append(a.groups, f)
	}
	for _, c := range n.Aggs {
		var fs []expr.Func
		for _, arg := range c.Args {
			f, err := expr.CompileEnv(arg, env)
			if err != nil {
				return nil, err
			}
			fs = append(fs, f)
		}
		a.args = append(a.args, fs)
		f, err := a.compileFilter(c.Filter, &filterExprs)
		if err != nil {
			return nil, err
		}
		a.filterOf = append(a.filterOf, f)
		var os []expr.Func
		for _, k := range c.OrderBy {
			f, err := expr.CompileEnv(k.Expr, env)
			if err != nil {
				return nil, err
			}
			os = append(os, f)
		}
		a.orders = append(a.orders, os)
	}
	a.fres = make([]int8, len(a.filters))
	a.planDistinct(n)
	return a, nil
}

// AggregateTables is how many state tables an Aggregate uses, but see
// AggregateTablesFor.
const AggregateTables = 2

// clock is the processing time (µs) a processing-time window fires by.
func (a *Aggregate) clock() int64 { return a.exp.now() * 1000 }

// AggregateTablesFor is how many state tables the Aggregate for n uses: one
// more for a window aggregate that fires early every interval.
func AggregateTablesFor(n *logical.Aggregate) int {
	if logical.WindowOf(n) != nil && n.Emit.Early && n.Emit.EarlyEvery > 0 {
		return AggregateTables + 1
	}
	return AggregateTables
}

// periodic reports whether the aggregate fires its windows early every
// interval of processing time.
func (a *Aggregate) periodic() bool {
	return a.win != nil && a.emit.Early && a.emit.EarlyEvery > 0
}

func dirtyKey(gkey []byte) []byte   { return append([]byte{0}, gkey...) }
func emittedKey(gkey []byte) []byte { return append([]byte{1}, gkey...) }

// procTick is how often a processing-time window aggregate looks at the
// clock: a window fires at most this long after its end.
const procTick = 100 * time.Millisecond

// TickEvery is how often OnTick wants to run (0: never).
func (a *Aggregate) TickEvery() time.Duration {
	switch {
	case a.win != nil && a.win.ProcTime:
		return procTick
	case a.periodic():
		return time.Duration(a.emit.EarlyEvery) * time.Microsecond
	}
	return 0
}

// OnTick emits, for each window changed since the last tick, its current
// row in place of the one emitted before (early firing every interval); a
// window over processing time fires the windows the wall clock has passed.
func (a *Aggregate) OnTick(ctx context.Context, out Emitter) error {
	if a.win != nil && a.win.ProcTime {
		_, err := a.fire(ctx, a.clock(), out)
		return err
	}
	if !a.periodic() {
		return nil
	}
	it, err := a.early.Scan([]byte{0})
	if err != nil {
		return err
	}
	var dirty [][]byte
	for ok := it.First(); ok; ok = it.Next() {
		dirty = append(dirty, bytes.Clone(it.Key()[1:]))
	}
	if err := it.Close(); err != nil {
		return err
	}
	a.out = a.out[:0]
	for _, gkey := range dirty {
		var current types.Row
		stored, ok, err := a.groupT.GetRow(gkey, nil)
		if err != nil {
			return err
		}
		if ok && len(stored) > a.accLen() {
			current = a.output(&group{acc: stored[:a.accLen()], vals: stored[a.accLen()+1:]})
		}
		if err := a.reconcile(gkey, current); err != nil {
			return err
		}
		a.early.Delete(dirtyKey(gkey))
	}
	if len(a.out) == 0 {
		return nil
	}
	return out.Emit(ctx, a.out)
}

// reconcile queues the change from the row last emitted for a window to
// current (nil: none), and records current as emitted.
func (a *Aggregate) reconcile(gkey []byte, current types.Row) error {
	before, had, err := a.early.GetRow(emittedKey(gkey), nil)
	if err != nil {
		return err
	}
	if had && current != nil && types.CompareRows(before, current) == 0 {
		return nil
	}
	if had {
		a.out = append(a.out, types.Change{Row: before, Diff: -1, Wm: a.wm})
	}
	if current != nil {
		a.out = append(a.out, types.Change{Row: current, Diff: 1, Wm: a.wm})
		a.early.Put(emittedKey(gkey), state.AppendRow(nil, current))
	} else {
		a.early.Delete(emittedKey(gkey))
	}
	return nil
}

func (a *Aggregate) Open(_ context.Context, env *Env) error {
	a.groupT, a.values = env.Table(0), env.Table(1)
	if a.periodic() {
		a.early = env.Table(2)
	}
	a.valueCounts.table = a.values
	a.exp = newExpiry(env)
	a.late = env.Late
	// A TTL on this operator is the only way one below it has one too (a
	// node's TTL is the plan's, or the smallest hint of the scans below
	// it), and expiry below retracts rows an append-only plan promised
	// never to retract: the aggregate then keeps every value.
	a.appendOnly = a.node.Input.Props().Changelog == logical.AppendOnly && env.TTL <= 0
	for i := range a.node.Aggs {
		if a.keeps(&a.node.Aggs[i]) {
			a.keepsValues = true
		}
	}
	if a.appendOnly {
		seen := newBoundedCache[struct{}](seenCacheBytes)
		a.valueCounts.seen = &seen
		bits := newBoundedCache[uint64](seenCacheBytes)
		a.seenBits = &bits
	}
	if err := a.openGIDs(); err != nil {
		return err
	}
	a.present = nil
	if a.appendOnly && len(a.dsets) > 0 {
		f, err := fillKeyFilter(a.values, minFilterKeys)
		if err != nil {
			return err
		}
		a.present = f
	}
	a.cache = newBoundedCache[[]byte](groupCacheBytes)
	return nil
}

// groupCacheBytes bounds the cache of groups' state rows.
var groupCacheBytes int64 = 8 << 20

// stored returns a group's state row, from the cache or from table 0.
func (a *Aggregate) stored(key []byte) (types.Row, bool, error) {
	if b, ok := a.cache.get(key); ok {
		// Sized up front: decoding into a growing row allocated it
		// five times over (a q16 group has 34 values).
		row, err := state.DecodeRow(b, make(types.Row, 0, a.accLen()+1+len(a.groups)))
		if err != nil {
			return nil, false, fmt.Errorf("aggregate: corrupt cached group: %w", err)
		}
		return row, true, nil
	}
	return a.groupT.GetRow(key, nil)
}

// rowBytes estimates what a row holds in memory.
func rowBytes(row types.Row) int64 {
	n := int64(len(row)) * int64(unsafe.Sizeof(types.Value{}))
	for _, v := range row {
		n += int64(len(v.S))
	}
	return n
}

// seenCacheBytes bounds the cache of the values an append-only aggregate's
// DISTINCT calls have seen.
var seenCacheBytes int64 = 8 << 20

// keeps reports whether call c keeps its values in the value table.
func (a *Aggregate) keeps(c *logical.AggCall) bool {
	if a.appendOnly && (c.Func == "min" || c.Func == "max") {
		return false
	}
	return valued(c)
}

// accLen is the length of the accumulator part of a group's state row.
func (a *Aggregate) accLen() int {
	if a.gids {
		return 2 + len(a.node.Aggs)*accWidth // and the group's id
	}
	return 1 + len(a.node.Aggs)*accWidth
}

func (a *Aggregate) OnBatch(ctx context.Context, _ int, b types.Batch, out Emitter) error {
	a.out = a.out[:0]
	if len(a.groups) > 0 && a.win == nil {
		if err := a.exp.sweep(a.groupT, a.sweepOne); err != nil {
			return err
		}
	}
	if len(a.groups) == 0 {
		// The global group exists from the start, input or not.
		if _, err := a.load(types.Row{}); err != nil {
			return err
		}
	}
	for _, c := range b {
		if err := a.apply(c); err != nil {
			return err
		}
	}
	return a.flush(ctx, out)
}

// apply adds one change to its group.
func (a *Aggregate) apply(c types.Change) error {
	// The group's values go to a scratch row; load copies them only for a
	// group the batch has not touched yet.
	a.vals = a.vals[:0]
	for _, f := range a.groups {
		v, err := f(c.Row)
		if err != nil {
			return err
		}
		a.vals = append(a.vals, v)
	}
	if a.win != nil {
		if end := a.windowEnd(a.vals); windowClosed(end+a.emit.Lateness, max(c.Wm, a.wm)) {
			if !a.procCatchUp(end, max(c.Wm, a.wm)) {
				return nil // it counts in the windows of the row's other copies
			}
		}
		if end := a.windowEnd(a.vals); windowClosed(end+a.emit.Lateness, max(c.Wm, a.wm)) {
			// Its window has fired and its allowed lateness has passed:
			// the row is late (semantics.md, rule 2).
			var t int64
			if tc := a.win.TimeCol; tc >= 0 && !c.Row[tc].IsNull() {
				t = c.Row[tc].I
			}
			reportLate(a.late, "its window had closed", c, t, max(c.Wm, a.wm))
			return nil
		}
	}
	if a.appendOnly && c.Diff < 0 {
		// The plan said no retraction comes, and the state kept relies on it.
		return fmt.Errorf("aggregate: a retraction in an input planned as append-only")
	}
	g, err := a.load(a.vals)
	if err != nil {
		return err
	}
	g.seenWm = max(g.seenWm, c.Wm)
	d := int64(c.Diff)
	g.acc[0] = types.NewInt(g.acc[0].I + d)
	clear(a.fres)
	clear(a.dpend)
	for i := range a.node.Aggs {
		if err := a.applyCall(g, i, c.Row, d); err != nil {
			return err
		}
	}
	for s, want := range a.dpend {
		if want == 0 {
			continue
		}
		if err := a.applyDistinct(g, s, c.Row, d); err != nil {
			return err
		}
	}
	return nil
}

func (a *Aggregate) applyCall(g *group, i int, row types.Row, d int64) error {
	call := &a.node.Aggs[i]
	acc := g.acc[1+i*accWidth : 1+(i+1)*accWidth]
	// FILTER (WHERE …) sees the same row on insert and retraction, so
	// what it let in is exactly what it lets out.
	if ok, err := a.passes(i, row); err != nil || !ok {
		return err
	}
	if call.Func == "count_star" {
		return addAcc(call, acc, types.Null, d)
	}
	if s := a.dsetOf[i]; s >= 0 {
		a.dpend[s] |= 1 << a.dbit[i] // applied with the set's other calls
		return nil
	}
	v, err := a.args[i][0](row)
	if err != nil || (v.IsNull() && call.Func != "array_agg") {
		return err // aggregates skip NULL inputs; array_agg keeps them, as in PostgreSQL
	}
	if !a.keeps(call) {
		if call.Func == "min" || call.Func == "max" {
			// Over an append-only input the extreme only ever moves one
			// way: no value counts, no rescan.
			runningExtreme(acc, v, call.Func == "max")
			return nil
		}
		return addAcc(call, acc, v, d)
	}
	before, after, err := a.countValue(g, i, row, v, d)
	if err != nil {
		return err
	}
	switch {
	case call.KeepsValues() && (before == 0 || after == 0 || !call.Distinct):
		g.recalc[i] = true
	case before == 0 && after > 0: // DISTINCT: the value's first copy arrived
		return addAcc(call, acc, v, 1)
	case before > 0 && after == 0: // … or its last copy left
		return addAcc(call, acc, v, -1)
	}
	return nil
}

// appendSortKey encodes v as ORDER BY key k orders it: a byte that puts
// NULL first or last, then the value ascending or descending.
func appendSortKey(dst []byte, v types.Value, k logical.SortKey) []byte {
	switch {
	case !v.IsNull():
		dst = append(dst, 1)
	case k.NullsFirst:
		return append(dst, 0)
	default:
		return append(dst, 2)
	}
	if k.Desc {
		return state.AppendKeyDesc(dst, v)
	}
	return state.AppendKey(dst, v)
}

// countValue adds d to the count of value v for call i of group g, and
// returns the count before and after.
func (a *Aggregate) countValue(g *group, i int, row types.Row, v types.Value, d int64) (before, after int64, err error) {
	a.key = valueKey(a.key[:0], g.key, i)
	// A call's ORDER BY keys come before the value, so a scan of the
	// group's values meets them in that order (ties in value order).
	for k, f := range a.orders[i] {
		ov, err := f(row)
		if err != nil {
			return 0, 0, err
		}
		a.key = appendSortKey(a.key, ov, a.node.Aggs[i].OrderBy[k])
	}
	if v.IsNull() {
		// Only array_agg counts NULLs: after every value, as PostgreSQL
		// sorts them (0xFF is above every value's first byte).
		a.key = append(a.key, 0xFF)
	} else {
		a.key = state.AppendKey(a.key, v)
	}
	if a.appendOnly && a.node.Aggs[i].Distinct {
		// Only whether the value is new matters, as no copy of it will
		// ever leave: a value seen before costs a read, not a write.
		if g.fresh {
			// Nothing to read: a new group's values are those it added.
			if _, ok := g.added[string(a.key)]; ok {
				return 1, 2, nil
			}
			if g.added == nil {
				g.added = map[string]uint64{}
			}
			g.added[string(a.key)] = 1
			a.valueCounts.put(a.key, types.Row{v}, 1)
			return 0, 1, nil
		}
		if before, after, err = a.valueCounts.addFirst(a.key, types.Row{v}); err != nil {
			return 0, 0, fmt.Errorf("aggregate: %w", err)
		}
		return before, after, nil
	}
	if before, after, err = a.valueCounts.add(a.key, types.Row{v}, d); err != nil {
		return 0, 0, fmt.Errorf("aggregate: %w", err)
	}
	return before, after, nil
}

// runningExtreme makes acc's running value the larger (max) or smaller of
// itself and v.
func runningExtreme(acc []types.Value, v types.Value, max bool) {
	acc[1] = types.NewInt(acc[1].I + 1)
	if acc[0].IsNull() {
		acc[0] = v
		return
	}
	if c := types.Compare(v, acc[0]); (max && c > 0) || (!max && c < 0) {
		acc[0] = v
	}
}

// valueKey is the prefix of call i's values in group gkey.
func valueKey(dst, gkey []byte, i int) []byte {
	dst = append(dst, gkey...)
	return append(dst, byte(i))
}

// load returns the group's state for this batch, reading it from the state
// table the first time the batch touches it.
func (a *Aggregate) load(vals types.Row) (*group, error) {
	a.key = a.key[:0]
	if a.win != nil {
		a.key = state.AppendKey(a.key, types.NewTimestamp(a.windowEnd(vals)))
	}
	a.key = state.AppendTupleKey(a.key, vals)
	if g, ok := a.touched[string(a.key)]; ok {
		return g, nil
	}
	g := &group{key: bytes.Clone(a.key), vals: vals.Clone(), recalc: make([]bool, len(a.node.Aggs))}
	stored, ok, err := a.stored(g.key)
	if err != nil {
		return nil, err
	}
	if ok && len(stored) <= a.accLen() {
		return nil, fmt.Errorf("aggregate: corrupt group entry")
	}
	if ok {
		g.acc = stored[:a.accLen()]
		g.old = a.output(g)
		if a.win != nil {
			g.fired = stored[a.accLen()].I == 1
		} else if len(a.groups) > 0 && a.exp.expired(stored[a.accLen()].I) {
			// The group expired: its old row goes, and it starts afresh.
			if err := a.forget(g.key, g.acc); err != nil {
				return nil, err
			}
			ok = false
		}
	}
	if !ok {
		g.fresh = true
		g.acc = make(types.Row, a.accLen())
		g.acc[0] = types.NewInt(0)
		for i := range a.node.Aggs {
			initAcc(&a.node.Aggs[i], g.acc[1+i*accWidth:1+(i+1)*accWidth])
		}
		if a.gids {
			a.newGID(g.acc)
		}
	}
	a.touched[string(g.key)] = g
	a.order = append(a.order, g)
	return g, nil
}

// output is the group's result row: its values, then each call's result.
func (a *Aggregate) output(g *group) types.Row {
	row := make(types.Row, 0, len(g.vals)+len(a.node.Aggs))
	row = append(row, g.vals...)
	for i := range a.node.Aggs {
		v, err := result(&a.node.Aggs[i], g.acc[1+i*accWidth:1+(i+1)*accWidth])
		if err != nil {
			v = types.Null
		}
		row = append(row, v)
	}
	return row
}

// flush ends the batch: recompute MIN/MAX where needed, emit each changed
// group's retraction and insertion, and write the state back.
func (a *Aggregate) flush(ctx context.Context, out Emitter) error {
	global := len(a.groups) == 0
	now := a.exp.now()
	for _, g := range a.order {
		count := g.acc[0].I
		if count < 0 {
			return fmt.Errorf("aggregate: group retracted more often than inserted")
		}
		if err := a.recompute(g); err != nil {
			return err
		}
		exists := count > 0 || global
		var row types.Row
		if exists {
			row = a.output(g)
		}
		changed := g.old == nil || !exists || types.CompareRows(g.old, row) != 0
		if a.win != nil && !g.fired && windowClosed(a.windowEnd(g.vals), max(a.wm, g.seenWm)) {
			// A row read under a watermark that has passed its window's
			// end (within the allowed lateness): the window fires at once.
			g.fired = true
			if !a.emit.Early && g.old != nil {
				// Its row before the batch was held for the firing, never
				// emitted: the firing emits the row as it is now, and
				// retracts nothing.
				g.old, changed = nil, exists
			}
		}
		if a.win != nil && !g.fired && (!a.emit.Early || a.periodic()) {
			if changed && a.periodic() {
				a.early.Put(dirtyKey(g.key), nil) // emitted at the next tick
			}
			changed = false // a window's row is emitted when it fires
		}
		if g.old != nil && changed {
			a.out = append(a.out, types.Change{Row: g.old, Diff: -1})
		}
		if exists && changed {
			a.out = append(a.out, types.Change{Row: row, Diff: 1})
		}
		if exists {
			a.putGroup(g.key, g.acc, now, g.vals, g.fired)
		} else {
			a.groupT.Delete(g.key)
			a.cache.drop(g.key)
		}
	}
	clear(a.touched)
	a.order = a.order[:0]
	a.saveGIDs()
	if len(a.out) == 0 {
		return nil
	}
	return out.Emit(ctx, a.out)
}

// recompute sets the current value of every value-keeping call that
// changed: the first or last value still counted in the group for MIN and
// MAX, every value (each as often as it is counted, in value order) for
// string_agg and array_agg.
func (a *Aggregate) recompute(g *group) error {
	for i, need := range g.recalc {
		if !need {
			continue
		}
		call := &a.node.Aggs[i]
		prefix := valueKey(nil, g.key, i)
		it, err := a.values.Scan(prefix)
		if err != nil {
			return err
		}
		var v types.Value
		switch call.Func {
		case "string_agg", "array_agg":
			v, err = a.collect(call, i, it)
		default:
			v, err = extreme(it, call.Func == "max")
		}
		if cerr := it.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		acc := g.acc[1+i*accWidth : 1+(i+1)*accWidth]
		acc[0] = v
		g.recalc[i] = false
	}
	return nil
}

// extreme is the first (or last) value a scan of a group's values finds.
func extreme(it *state.Iter, last bool) (types.Value, error) {
	found := it.First()
	if last {
		found = it.Last()
	}
	if !found {
		return types.Null, nil
	}
	row, _, err := DecodeEntry(it.Value())
	if err != nil || len(row) != 1 {
		return types.Null, fmt.Errorf("aggregate: corrupt value entry")
	}
	return row[0], nil
}

// collect is string_agg's or array_agg's result: every counted value.
func (a *Aggregate) collect(call *logical.AggCall, i int, it *state.Iter) (types.Value, error) {
	var vals []types.Value
	for ok := it.First(); ok; ok = it.Next() {
		row, n, err := DecodeEntry(it.Value())
		if err != nil || len(row) != 1 {
			return types.Null, fmt.Errorf("aggregate: corrupt value entry")
		}
		if call.Distinct {
			n = 1
		}
		for range n {
			vals = append(vals, row[0])
		}
	}
	if len(vals) == 0 {
		return types.Null, nil
	}
	if call.Func == "array_agg" {
		return types.Value{K: types.KArray, X: vals}, nil
	}
	sep, err := a.args[i][1](nil)
	if err != nil {
		return types.Null, err
	}
	var b strings.Builder
	for k, v := range vals {
		if k > 0 && !sep.IsNull() {
			b.WriteString(sep.S)
		}
		b.WriteString(v.S)
	}
	return types.NewString(b.String()), nil
}

// sweepOne expires one group the sweep found, if it is idle: its row is
// retracted and its state deleted.
func (a *Aggregate) sweepOne(key, val []byte) error {
	stored, err := state.DecodeRow(val, nil)
	if err != nil || len(stored) <= a.accLen() {
		return fmt.Errorf("aggregate: corrupt group entry")
	}
	if !a.exp.expired(stored[a.accLen()].I) {
		return nil
	}
	g := &group{acc: stored[:a.accLen()], vals: stored[a.accLen()+1:]}
	a.out = append(a.out, types.Change{Row: a.output(g), Diff: -1})
	return a.forget(key, g.acc)
}

// forget deletes a group's state (key, accumulators acc): its row and its
// value counts, if its calls keep any (a scan for none costs more than the
// delete).
func (a *Aggregate) forget(key []byte, acc types.Row) error {
	a.groupT.Delete(key)
	a.cache.drop(key)
	if !a.keepsValues {
		return nil
	}
	if a.valueCounts.seen != nil {
		a.valueCounts.seen.clear()
		a.seenBits.clear()
	}
	if a.gids {
		if err := a.values.DeletePrefix(gidPrefix(nil, acc)); err != nil {
			return err
		}
	}
	return a.values.DeletePrefix(key)
}

// putGroup writes a group's state row: its accumulators, then the time of
// its last update (for the state TTL) or, for a window, whether it has
// fired, then its values.
func (a *Aggregate) putGroup(key []byte, acc types.Row, now int64, vals types.Row, fired bool) {
	if a.win != nil {
		now = 0
		if fired {
			now = 1
		}
	}
	row := append(append(acc, types.NewInt(now)), vals...)
	a.buf = state.AppendRow(a.buf[:0], row)
	a.groupT.Put(key, a.buf)
	// The cache keeps the encoded row, several times smaller than the
	// decoded one for a row of counts (a Value is 48 bytes): q16's 10,000
	// groups of 34 values each fit in it, where decoded half of them did,
	// and a decode costs much less than a read from Pebble.
	// The cached copy's bytes are reused when they are enough: every
	// touched group is written back at every batch.
	old, _ := a.cache.get(key)
	if cap(old) < len(a.buf) {
		old = make([]byte, 0, len(a.buf)+len(a.buf)/4)
	}
	a.cache.put(key, append(old[:0], a.buf...), int64(len(a.buf)))
}

// procCatchUp moves a row of a processing-time window that the clock has
// already fired (ending at end) to a window the clock is in now: its
// processing time was read at the scan, and a slow epoch can bring it here
// after the clock passed that window. A row has no lateness in processing
// time, so it counts now, as Flink's processing-time windows, which read
// the clock at the window operator, count it. wm is what closed the window.
//
// The row arrives once per window that held its scan time (a copy per
// window, from the window TVF). TUMBLE and HOP shift a fired copy by whole
// window sizes to the first window not fired: the fired windows of the row
// and the windows holding the clock that do not hold the row's time are
// the same in number, and the shift pairs them one to one. A CUMULATE
// copy's fired window is a smaller step of a period whose larger windows
// the row's other copies already count in: it goes (false), unless the
// whole period has fired, when the copy moves to the same step of the
// period the clock is in, if that step is still open. (A row that a slow
// epoch carries over a whole period thus misses the new period's steps
// that end before its scan time's offset in the period.) procCatchUp
// reports whether the row still counts in a.vals's window.
func (a *Aggregate) procCatchUp(end, wm int64) bool {
	w := a.win
	if !w.ProcTime || w.TVF == nil || w.Start < 0 || w.TVF.Size <= 0 {
		return true
	}
	size := w.TVF.Size
	switch w.TVF.Kind {
	case "TUMBLE", "HOP":
	case "CUMULATE":
		if w.End < 0 {
			return true
		}
		if a.vals[w.Start].I+size > wm+windowTimeGap {
			return false // the period's larger windows are still open
		}
		end = a.vals[w.Start].I + size
	default:
		return true
	}
	shift := size * ((wm-end+windowTimeGap)/size + 1)
	if w.TVF.Kind == "CUMULATE" && a.vals[w.End].I+shift <= wm+windowTimeGap {
		return false // that step of the clock's period has fired too
	}
	a.vals[w.Start] = types.NewTimestamp(a.vals[w.Start].I + shift)
	if w.End >= 0 {
		a.vals[w.End] = types.NewTimestamp(a.vals[w.End].I + shift)
	}
	return true
}

// windowEnd is the end (µs) of the window of a group with values vals.
func (a *Aggregate) windowEnd(vals types.Row) int64 {
	var end int64
	if a.win.End >= 0 {
		end = vals[a.win.End].I
	} else {
		end = vals[a.win.Start].I + a.win.TVF.Size
	}
	// Windows aligned in a session zone have wall-clock bounds there; the
	// watermark is an instant.
	return types.FromLocal(end, a.win.TVF.Zone)
}

// windowClosed reports whether the window ending at end has fired under
// watermark wm: the watermark has reached its last instant, end − 1 ms
// (semantics.md, rule 2). Zero is no watermark.
func windowClosed(end, wm int64) bool {
	return wm != 0 && wm >= end-windowTimeGap
}

// OnWatermark fires the windows the watermark closes, in order of their
// end: each group's row is emitted (unless early firing has emitted it all
// along), and its state deleted, or kept for the allowed lateness and
// deleted when the watermark passes that too.
func (a *Aggregate) OnWatermark(ctx context.Context, wms []int64, out Emitter) (int64, error) {
	wm := wms[0]
	if a.win != nil && a.win.ProcTime && wm != math.MaxInt64 {
		// Event-time watermarks do not close processing-time windows (the
		// clock does, in OnTick); the end of a bounded input does.
		return wm, nil
	}
	return a.fire(ctx, wm, out)
}

// fire fires the windows watermark wm closes (see OnWatermark).
func (a *Aggregate) fire(ctx context.Context, wm int64, out Emitter) (int64, error) {
	if a.win == nil || wm <= a.wm {
		a.wm = max(a.wm, wm)
		return wm, nil
	}
	// The rows fired now are on time for the watermark before this one: a
	// window operator downstream (an aggregate over these windows) takes
	// them before it fires the same windows.
	prev := a.wm
	if a.periodic() {
		// Windows that changed since the last tick, or emptied, are
		// reconciled first.
		if err := a.OnTick(ctx, out); err != nil {
			return 0, err
		}
	}
	a.wm = wm
	it, err := a.groupT.Iter(nil, nil)
	if err != nil {
		return 0, err
	}
	var purge, fire [][]byte
	var purgeAccs, fireRows []types.Row
	a.out = a.out[:0]
	for ok := it.First(); ok; ok = it.Next() {
		end, _, err := state.DecodeKey(it.Key())
		if err != nil {
			it.Close()
			return 0, fmt.Errorf("aggregate: corrupt window key: %w", err)
		}
		if !windowClosed(end.I, wm) {
			break
		}
		stored, err := state.DecodeRow(it.Value(), nil)
		if err != nil || len(stored) <= a.accLen() {
			it.Close()
			return 0, fmt.Errorf("aggregate: corrupt group entry")
		}
		g := &group{acc: stored[:a.accLen()], vals: stored[a.accLen()+1:], fired: stored[a.accLen()].I == 1}
		switch {
		case !g.fired && a.periodic():
			// The final row replaces the one the last tick emitted.
			wm0 := a.wm
			a.wm = prev
			err := a.reconcile(it.Key(), a.output(g))
			a.wm = wm0
			if err != nil {
				it.Close()
				return 0, err
			}
			a.early.Delete(emittedKey(it.Key()))
			a.early.Delete(dirtyKey(it.Key()))
		case !g.fired && !a.emit.Early:
			a.out = append(a.out, types.Change{Row: a.output(g), Diff: 1, Wm: prev})
		}
		switch {
		case windowClosed(end.I+a.emit.Lateness, wm):
			purge = append(purge, bytes.Clone(it.Key()))
			purgeAccs = append(purgeAccs, g.acc)
		case !g.fired:
			fire = append(fire, bytes.Clone(it.Key()))
			fireRows = append(fireRows, stored)
		}
	}
	if err := it.Close(); err != nil {
		return 0, err
	}
	for i, k := range purge {
		if err := a.forget(k, purgeAccs[i]); err != nil {
			return 0, err
		}
	}
	for i, k := range fire {
		st := fireRows[i]
		a.putGroup(k, st[:a.accLen()], 0, st[a.accLen()+1:], true)
	}
	if len(a.out) > 0 {
		if err := out.Emit(ctx, a.out); err != nil {
			return 0, err
		}
	}
	return wm, nil
}

func (a *Aggregate) OnBarrier(context.Context) error { return nil }
func (a *Aggregate) Close() error                    { return nil }
