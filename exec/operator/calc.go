package operator

import (
	"context"
	"fmt"
	"strings"
	"unsafe"

	"riffle/exec/expr"
	"riffle/planner/logical"
	"riffle/planner/scalar"
	"riffle/sql/types"
)

// Calc runs a chain of filters and projections as one operator, as
// Flink's Calc does: views stack them (Nexmark's bid view is a filter on
// event_type under a projection of the bid's fields, over the table's
// projection of its computed column, under the query's own projection), and
// run one by one each would copy every row into a row of its own.
//
// The chain is fused before it runs (addProject, addFilter): a projection
// over a projection becomes one by substituting the lower one's
// expressions into the upper one; a filter moves below a projection by
// substituting into its predicate. Substitution never makes an expression run more often than
// the chain ran it: an expression is copied into more than one place only
// when it is a column, a constant or a field of one (cheap, and the same
// every time), and otherwise only into its one use. An expression no use
// needs is not evaluated at all, as in PostgreSQL, which flattens
// subqueries in FROM the same way (so a division by zero in a column
// nobody reads fails neither). What cannot be fused runs as the chain
// did, in order, each intermediate row in a scratch row reused from row
// to row.
//
// For Nexmark's q0 the whole chain — the table's CASE for `dateTime`, the
// view's filter and projection, the query's projection — becomes one
// filter on event_type over the input, then one projection of the bid's
// fields and the CASE, evaluated only for the rows that pass.
//
// Calc is linear: each output change carries its input's diff and
// watermark. The filters that lead the fused chain run over the whole batch
// first, leaving a selection; the output rows are then carved from slabs
// sized for it, so a batch costs an allocation per 32 KiB of output, not
// one per row.
type Calc struct {
	pre     []expr.Predicate // filters over the input rows, in order
	stages  []calcStage      // then these, on each row that passed
	proj    bool             // the chain projects (else rows pass through)
	width   int              // the last projection's width
	filters bool             // the chain filters: an empty output is not emitted
	scratch [][]types.Value  // per stage, the row a projection that is not the last computes into
	sel     []int32
	buf     types.Batch
	wm      int64    // the current row's watermark, for CURRENT_WATERMARK
	plan    []string // the fused steps, for String
	copies  bool     // see CopiesOut
}

var _ Operator = (*Calc)(nil)

// calcStage is one step of a fused chain: a filter when pred is set, a
// projection otherwise.
type calcStage struct {
	pred  expr.Predicate
	exprs []expr.Func
}

// step is a stage before compilation.
type step struct {
	pred  scalar.Expr   // a filter's predicate
	exprs []scalar.Expr // a projection's expressions
}

// NewCalc fuses a chain of *logical.Filter and *logical.Project nodes,
// listed from the top (the node whose output the operator emits) down to
// the one whose input the operator reads, and compiles it in env (its Zone:
// the session time zone).
func NewCalc(chain []logical.Node, env expr.Env) (*Calc, error) {
	if len(chain) == 0 {
		return nil, fmt.Errorf("a calc needs a filter or a projection")
	}
	var steps []step
	for i := len(chain) - 1; i >= 0; i-- {
		switch n := chain[i].(type) {
		case *logical.Filter:
			steps = addFilter(steps, n.Pred)
		case *logical.Project:
			steps = addProject(steps, n.Exprs)
		default:
			return nil, fmt.Errorf("a calc fuses filters and projections, not %s", n.Describe())
		}
	}
	steps = dropIdentity(steps, chain[len(chain)-1].Inputs()[0].Schema().Len())
	c := &Calc{}
	for _, s := range steps {
		c.plan = append(c.plan, s.String())
	}
	return c, c.compile(steps, env)
}

// compile compiles the fused steps: the filters that lead them into pre,
// the rest into stages.
func (c *Calc) compile(steps []step, env expr.Env) error {
	env.Watermark = &c.wm
	for len(steps) > 0 && steps[0].pred != nil {
		p, err := env.CompilePredicate(steps[0].pred)
		if err != nil {
			return err
		}
		c.pre, c.filters, steps = append(c.pre, p), true, steps[1:]
	}
	c.copies = copiesOut(steps)
	c.scratch = make([][]types.Value, len(steps))
	last := -1
	for i, s := range steps {
		if s.pred == nil {
			last = i
		}
	}
	for i, s := range steps {
		if s.pred != nil {
			p, err := env.CompilePredicate(s.pred)
			if err != nil {
				return err
			}
			c.stages, c.filters = append(c.stages, calcStage{pred: p}), true
			continue
		}
		fs := make([]expr.Func, len(s.exprs))
		for j, e := range s.exprs {
			f, err := expr.CompileEnv(e, env)
			if err != nil {
				return err
			}
			fs[j] = f
		}
		c.stages = append(c.stages, calcStage{exprs: fs})
		if i == last {
			c.proj, c.width = true, len(fs)
		} else {
			c.scratch[i] = make([]types.Value, len(fs))
		}
	}
	return nil
}

func (s step) String() string {
	if s.pred != nil {
		return "filter " + s.pred.String()
	}
	es := make([]string, len(s.exprs))
	for i, e := range s.exprs {
		es[i] = e.String()
	}
	return "project " + strings.Join(es, ", ")
}

// String lists the steps the chain was fused into, in the order they run.
func (c *Calc) String() string { return "Calc: " + strings.Join(c.plan, "; ") }

// CopiesOut reports whether the rows the Calc emits share no memory with
// the rows it is given that anyone could change: it projects (a filter
// alone passes its input rows on), and no column it emits is of a nested
// type (a ROW, ARRAY or MAP value holds its elements by reference, and
// could be its input's). Strings and decimals are never changed once
// made. The caller may then reuse its input rows' memory, nested values
// included, once OnBatch has returned.
func (c *Calc) CopiesOut() bool { return c.copies }

func copiesOut(steps []step) bool {
	last := -1
	for i, s := range steps {
		if s.pred == nil {
			last = i
		}
	}
	if last < 0 {
		return false
	}
	for _, e := range steps[last].exprs {
		switch e.Type().ID {
		case types.RowType, types.Array, types.Map, types.Unknown:
			return false
		}
	}
	return true
}

// cheap reports whether e may be evaluated more often than the chain
// evaluated it: it costs about as much as reading a column, cannot fail,
// and gives the same value every time.
func cheap(e scalar.Expr) bool {
	switch e := e.(type) {
	case *scalar.ColRef, *scalar.Const:
		return true
	case *scalar.Call:
		return e.Fn == "field" && len(e.Args) == 2 && cheap(e.Args[0])
	}
	return false
}

// substitute rewrites es, which read the output of the projection below,
// to read that projection's input instead, when that makes no expression
// of below run more often than before: each column es read is cheap, or
// read once.
func substitute(es []scalar.Expr, below []scalar.Expr) ([]scalar.Expr, bool) {
	uses := make([]int, len(below))
	for _, e := range es {
		scalar.WalkCols(e, func(r *scalar.ColRef) {
			if r.Idx < len(uses) {
				uses[r.Idx]++
			}
		})
	}
	for i, n := range uses {
		if n > 1 && !cheap(below[i]) {
			return nil, false
		}
	}
	out := make([]scalar.Expr, len(es))
	ok := true
	for i, e := range es {
		out[i] = scalar.SubstCols(e, func(r *scalar.ColRef) scalar.Expr {
			if r.Idx >= len(below) {
				ok = false
				return r
			}
			return below[r.Idx]
		})
	}
	return out, ok
}

// addFilter puts a filter on top of steps, moved below the projections
// under it as far as each reads only cheap expressions of them: then the
// rows it drops are not projected at all. It stays above any filter (the
// order filters run in decides which of their errors happen).
func addFilter(steps []step, pred scalar.Expr) []step {
	at := len(steps)
	for at > 0 && steps[at-1].pred == nil {
		below := steps[at-1].exprs
		onlyCheap := true
		scalar.WalkCols(pred, func(r *scalar.ColRef) {
			if r.Idx >= len(below) || !cheap(below[r.Idx]) {
				onlyCheap = false
			}
		})
		if !onlyCheap {
			break
		}
		p, _ := substitute([]scalar.Expr{pred}, below)
		pred = p[0]
		at--
	}
	return append(steps[:at:at], append([]step{{pred: pred}}, steps[at:]...)...)
}

// dropIdentity drops the projection of steps when it is their only one
// and gives back its input row as it is (SELECT * of a view that filters):
// the rows that pass then go on without a copy.
func dropIdentity(steps []step, width int) []step {
	at := -1
	for i, s := range steps {
		if s.pred == nil {
			if at >= 0 {
				return steps
			}
			at = i
		}
	}
	if at < 0 || len(steps[at].exprs) != width {
		return steps
	}
	for i, e := range steps[at].exprs {
		if r, ok := e.(*scalar.ColRef); !ok || r.Idx != i {
			return steps
		}
	}
	return append(steps[:at:at], steps[at+1:]...)
}

// addProject puts a projection on top of steps, merged into the
// projection under it when substitute allows.
func addProject(steps []step, exprs []scalar.Expr) []step {
	if n := len(steps); n > 0 && steps[n-1].pred == nil {
		if merged, ok := substitute(exprs, steps[n-1].exprs); ok {
			steps[n-1] = step{exprs: merged}
			return steps
		}
	}
	return append(steps, step{exprs: exprs})
}

func (c *Calc) Open(context.Context, *Env) error { return nil }

func (c *Calc) OnBatch(ctx context.Context, _ int, b types.Batch, out Emitter) error {
	c.sel = c.sel[:0]
	for i := range b {
		c.wm = b[i].Wm
		keep := true
		for _, p := range c.pre {
			ok, err := p(b[i].Row)
			if err != nil {
				return err
			}
			if !ok {
				keep = false
				break
			}
		}
		if keep {
			c.sel = append(c.sel, int32(i))
		}
	}
	c.buf = c.buf[:0]
	if !c.proj {
		for _, i := range c.sel {
			c.buf = append(c.buf, b[i])
		}
	} else if err := c.project(b); err != nil {
		return err
	}
	if len(c.buf) == 0 && c.filters {
		return nil
	}
	return out.Emit(ctx, c.buf)
}

// slabBytes is the most one slab of output rows takes: the largest object
// Go allocates from its per-size caches. A larger one is allocated, zeroed
// and given back to the system page by page at every batch, which costs
// more than the rows in it.
const slabBytes = 32 << 10

// valueBytes is the size of a types.Value.
const valueBytes = int(unsafe.Sizeof(types.Value{}))

// project runs the stages on each selected row of b, appending the rows
// that come out to c.buf.
func (c *Calc) project(b types.Batch) error {
	// Fresh slabs each batch: downstream operators may keep the rows.
	var slab []types.Value
	next := 0 // the slab's next free row
	chunk := max(slabBytes/(valueBytes*max(c.width, 1)), 1)
rows:
	for k, i := range c.sel {
		if (next+1)*c.width > len(slab) {
			slab, next = make([]types.Value, min(chunk, len(c.sel)-k)*c.width), 0
		}
		ch := &b[i]
		c.wm = ch.Wm
		row := ch.Row
		for si := range c.stages {
			s := &c.stages[si]
			if s.pred != nil {
				ok, err := s.pred(row)
				if err != nil {
					return err
				}
				if !ok {
					continue rows
				}
				continue
			}
			dst := c.scratch[si]
			switch {
			case dst != nil:
			case c.width == 0:
				dst = types.Row{} // a row of no columns (under COUNT(*)), not nil
			default:
				dst = slab[next*c.width : (next+1)*c.width : (next+1)*c.width]
			}
			for j, f := range s.exprs {
				v, err := f(row)
				if err != nil {
					return err
				}
				dst[j] = v
			}
			row = dst
		}
		next++
		c.buf = append(c.buf, types.Change{Row: row, Diff: ch.Diff, Wm: ch.Wm})
	}
	return nil
}

func (c *Calc) OnBarrier(context.Context) error { return nil }
func (c *Calc) Close() error                    { return nil }
