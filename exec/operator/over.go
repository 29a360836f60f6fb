package operator

import (
	"bytes"
	"context"
	"fmt"

	"riffle/exec/expr"
	"riffle/exec/state"
	"riffle/planner/logical"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// Over is the general, updating over window (RisingWave's): window
// functions over a retracting input, or ordered by something other than an
// event-time attribute. Every row goes out at once with its values; when a
// row comes or goes, every row of its partition whose values change (later
// ranks, frames that include it, LAG/LEAD neighbours) is retracted and
// emitted again. Its calls share one PARTITION BY and ORDER BY (the binder
// chains one Over per window).
//
// State: table 0 holds every row, keyed by the partition's values, then the
// order keys (NULLs placed as the query asks), then the whole row, so that
// a partition is one ordered prefix; the value is the row's multiplicity
// and the row. A batch reads each partition it touches before and after
// applying its changes, computes both partitions' values (OverValues) and
// emits the difference: the work is linear in the size of the touched
// partitions. Only the partitions of the current batch are held in memory.
type Over struct {
	n     *logical.Over
	part  []expr.Func
	order []expr.Func
	args  [][]expr.Func
	table *state.Table
	rows  counts
	parts map[string]*overPart
	seq   []*overPart
	key   []byte
	out   types.Batch
}

// overPart is one partition touched by the current batch: its rows and
// their output before the batch.
type overPart struct {
	prefix []byte
	old    []overRow
}

// overRow is one stored row of a partition, and its output rows (one per
// copy).
type overRow struct {
	key  []byte
	n    int64 // multiplicity
	outs []types.Row
}

var _ Operator = (*Over)(nil)

// OverTables is how many state tables an Over uses.
const OverTables = 1

// NewOver returns the operator for an Over node.
func NewOver(n *logical.Over, env expr.Env) (*Over, error) {
	o := &Over{n: n, parts: map[string]*overPart{}}
	var err error
	if o.part, o.order, o.args, err = compileOver(n, env); err != nil {
		return nil, err
	}
	return o, nil
}

// compileOver compiles the partition, order and argument expressions of an
// Over's calls, which share the partition and order.
func compileOver(n *logical.Over, env expr.Env) (part, order []expr.Func, args [][]expr.Func, err error) {
	if len(n.Calls) == 0 {
		return nil, nil, nil, fmt.Errorf("over: no window function")
	}
	c0 := n.Calls[0]
	for _, e := range c0.Partition {
		f, err := expr.CompileEnv(e, env)
		if err != nil {
			return nil, nil, nil, err
		}
		part = append(part, f)
	}
	for _, k := range c0.Order {
		f, err := expr.CompileEnv(k.Expr, env)
		if err != nil {
			return nil, nil, nil, err
		}
		order = append(order, f)
	}
	for _, c := range n.Calls {
		if c.Distinct {
			return nil, nil, nil, sqlerr.New(sqlerr.FeatureNotSupported, "DISTINCT in a window function is not supported")
		}
		var fs []expr.Func
		for _, a := range c.Args {
			f, err := expr.CompileEnv(a, env)
			if err != nil {
				return nil, nil, nil, err
			}
			fs = append(fs, f)
		}
		args = append(args, fs)
	}
	return part, order, args, nil
}

// evalAll evaluates fs over row.
func evalAll(fs []expr.Func, row types.Row) (types.Row, error) {
	out := make(types.Row, len(fs))
	for i, f := range fs {
		v, err := f(row)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (o *Over) Open(_ context.Context, env *Env) error {
	o.table = env.Table(0)
	o.rows.table = o.table
	return nil
}

func (o *Over) OnBatch(ctx context.Context, _ int, b types.Batch, out Emitter) error {
	o.out = o.out[:0]
	for _, c := range b {
		pv, err := evalAll(o.part, c.Row)
		if err != nil {
			return err
		}
		o.key = state.AppendTupleKey(o.key[:0], pv)
		p, ok := o.parts[string(o.key)]
		if !ok {
			p = &overPart{prefix: bytes.Clone(o.key)}
			if p.old, err = o.partition(p.prefix); err != nil {
				return err
			}
			o.parts[string(p.prefix)] = p
			o.seq = append(o.seq, p)
		}
		kv, err := evalAll(o.order, c.Row)
		if err != nil {
			return err
		}
		o.key = append(o.key[:0], p.prefix...)
		for i, v := range kv {
			o.key = appendOrdered(o.key, v, o.n.Calls[0].Order[i])
		}
		o.key = state.AppendTupleKey(o.key, c.Row)
		if _, _, err := o.rows.add(o.key, c.Row, int64(c.Diff)); err != nil {
			return fmt.Errorf("over: %w", err)
		}
	}
	for _, p := range o.seq {
		now, err := o.partition(p.prefix)
		if err != nil {
			return err
		}
		o.out = diffPartition(o.out, p.old, now)
	}
	clear(o.parts)
	o.seq = o.seq[:0]
	if len(o.out) == 0 {
		return nil
	}
	return out.Emit(ctx, o.out)
}

// partition reads a partition's rows in order and computes their output.
func (o *Over) partition(prefix []byte) ([]overRow, error) {
	it, err := o.table.Scan(prefix)
	if err != nil {
		return nil, err
	}
	var stored []overRow
	var rows, keys []types.Row
	args := make([][]types.Row, len(o.n.Calls)) // args[call][copy]
	for ok := it.First(); ok; ok = it.Next() {
		row, n, err := DecodeEntry(it.Value())
		if err != nil {
			it.Close()
			return nil, fmt.Errorf("over: %w", err)
		}
		kv, err := evalAll(o.order, row)
		if err != nil {
			it.Close()
			return nil, err
		}
		var av []types.Row
		for _, fs := range o.args {
			a, err := evalAll(fs, row)
			if err != nil {
				it.Close()
				return nil, err
			}
			av = append(av, a)
		}
		stored = append(stored, overRow{key: bytes.Clone(it.Key()), n: n})
		for range n {
			rows, keys = append(rows, row), append(keys, kv)
			for ci := range o.args {
				args[ci] = append(args[ci], av[ci])
			}
		}
	}
	if err := it.Close(); err != nil {
		return nil, err
	}
	width := len(o.n.Input.Schema().Columns)
	outs := make([]types.Row, len(rows))
	for i, r := range rows {
		outs[i] = append(append(make(types.Row, 0, width+len(o.n.Calls)), r...), make(types.Row, len(o.n.Calls))...)
	}
	for ci := range o.n.Calls {
		vals, err := OverValues(&o.n.Calls[ci], len(rows), func(j int) types.Row { return keys[j] },
			func(j int) types.Row { return args[ci][j] })
		if err != nil {
			return nil, err
		}
		for j, v := range vals {
			outs[j][width+ci] = v
		}
	}
	// Hand each stored row its copies' outputs, in order.
	at := int64(0)
	for i := range stored {
		stored[i].outs = outs[at : at+stored[i].n]
		at += stored[i].n
	}
	return stored, nil
}

// diffPartition appends the changes that turn a partition's output from
// old to now: both are in key order, so a merge pairs each stored row's
// outputs before and after, and only those that differ go out.
func diffPartition(b types.Batch, old, now []overRow) types.Batch {
	i, j := 0, 0
	for i < len(old) || j < len(now) {
		c := 0
		switch {
		case i == len(old):
			c = 1
		case j == len(now):
			c = -1
		default:
			c = bytes.Compare(old[i].key, now[j].key)
		}
		switch {
		case c < 0:
			for _, r := range old[i].outs {
				b = append(b, types.Change{Row: r, Diff: -1})
			}
			i++
		case c > 0:
			for _, r := range now[j].outs {
				b = append(b, types.Change{Row: r, Diff: 1})
			}
			j++
		default:
			b = appendDiff(b, old[i].outs, now[j].outs)
			i, j = i+1, j+1
		}
	}
	return b
}

func (o *Over) OnBarrier(context.Context) error { return nil }
func (o *Over) Close() error                    { return nil }
