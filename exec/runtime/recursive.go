package runtime

import (
	"context"

	"riffle/exec/state"
	"riffle/planner/logical"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// recursiveUnion evaluates WITH RECURSIVE: the base, then the step over
// the rows the last round added until a round adds none. Rows are
// counted against the one-shot limit, so a query that never reaches a
// fixed point (UNION ALL over a cycle) fails with 54000 rather than
// running on.
// maxRecursion bounds the rounds of a recursive query, whose rows may
// stay few while it runs on forever (UNION ALL over a cycle).
const maxRecursion = 1_000_000

func recursiveUnion(ctx context.Context, deps Deps, n *logical.RecursiveUnion) (types.Batch, error) {
	base, err := snapshot(ctx, deps, n.Base)
	if err != nil {
		return nil, err
	}
	var seen map[string]bool
	var key []byte
	// fresh keeps the rows of b a round adds: one change per row, and
	// under UNION only rows never seen before.
	fresh := func(b types.Batch) types.Batch {
		var out types.Batch
		for _, c := range b {
			for range c.Diff {
				if seen != nil {
					key = state.AppendTupleKey(key[:0], c.Row)
					if seen[string(key)] {
						break
					}
					seen[string(key)] = true
				}
				out = append(out, types.Change{Row: c.Row, Diff: 1})
			}
		}
		return out
	}
	if n.Distinct {
		seen = map[string]bool{}
	}
	work := fresh(base)
	out := append(types.Batch{}, work...)
	values := 0
	for round := 1; len(work) > 0; round++ {
		if round > maxRecursion {
			return nil, sqlerr.New(sqlerr.ProgramLimitExceeded, "recursive query %q ran %d rounds without reaching a round that adds no rows", n.Work.Name, maxRecursion).
				WithHint("UNION instead of UNION ALL stops at rows seen before")
		}
		if ctx.Err() != nil {
			return nil, canceled()
		}
		n.Work.Rows = work
		next, err := snapshot(ctx, deps, n.Step)
		if err != nil {
			return nil, err
		}
		work = fresh(next)
		out = append(out, work...)
		for _, c := range work {
			values += len(c.Row)
		}
		if values > maxSnapshotValues {
			return nil, tooLarge().WithHint("a recursive query must reach a point where a round adds no rows; UNION instead of UNION ALL stops at rows seen before")
		}
	}
	n.Work.Rows = nil
	return out, nil
}
