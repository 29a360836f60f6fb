package operator

import (
	"context"

	"riffle/exec/expr"
	"riffle/planner/logical"
	"riffle/sql/types"
)

// GroupingSets repeats each change once per grouping set (see
// logical.GroupingSets): the row, then each group expression's value, or
// NULL where the set rolls it up, the set's number, and each GROUPING()
// call's value for the set. It is linear and keeps no state: each output
// change carries its input's diff.
type GroupingSets struct {
	n      *logical.GroupingSets
	groups []expr.Func
	// consts[s] are set s's columns after the group values: its number and
	// its GROUPING() values.
	consts []types.Row
	in     []bool // in[s*len(groups)+g]: set s groups by expression g
	vals   types.Row
	buf    types.Batch
}

var _ Operator = (*GroupingSets)(nil)

// NewGroupingSets compiles the group expressions.
func NewGroupingSets(n *logical.GroupingSets, env expr.Env) (*GroupingSets, error) {
	g := &GroupingSets{n: n, vals: make(types.Row, len(n.Groups))}
	for _, e := range n.Groups {
		f, err := expr.CompileEnv(e, env)
		if err != nil {
			return nil, err
		}
		g.groups = append(g.groups, f)
	}
	g.in = make([]bool, len(n.Sets)*len(n.Groups))
	for s, set := range n.Sets {
		for _, i := range set {
			g.in[s*len(n.Groups)+i] = true
		}
		c := types.Row{types.NewInt(int64(s))}
		for _, args := range n.Grouping {
			c = append(c, types.NewInt(logical.GroupingValue(args, set)))
		}
		g.consts = append(g.consts, c)
	}
	return g, nil
}

func (g *GroupingSets) Open(context.Context, *Env) error { return nil }

func (g *GroupingSets) OnBatch(ctx context.Context, _ int, b types.Batch, out Emitter) error {
	width := len(g.n.Out.Columns)
	ng := len(g.groups)
	// One slab per batch, as Project: rows are not reused after the call.
	slab := make([]types.Value, 0, len(b)*len(g.consts)*width)
	g.buf = g.buf[:0]
	for _, c := range b {
		for i, f := range g.groups {
			v, err := f(c.Row)
			if err != nil {
				return err
			}
			g.vals[i] = v
		}
		for s, consts := range g.consts {
			at := len(slab)
			slab = append(slab, c.Row...)
			for i := range ng {
				if g.in[s*ng+i] {
					slab = append(slab, g.vals[i])
				} else {
					slab = append(slab, types.Null)
				}
			}
			slab = append(slab, consts...)
			g.buf = append(g.buf, types.Change{Row: slab[at:len(slab):len(slab)], Diff: c.Diff, Wm: c.Wm})
		}
	}
	if len(g.buf) == 0 {
		return nil
	}
	return out.Emit(ctx, g.buf)
}

func (g *GroupingSets) OnBarrier(context.Context) error { return nil }
func (g *GroupingSets) Close() error                    { return nil }
