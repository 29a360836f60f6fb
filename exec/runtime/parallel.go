package runtime

import (
	"strconv"

	"riffle/sql/sqlerr"
)

// A query's keyed state is split between its tasks: each task keeps the
// state of the keys it owns in its own part of the operators' tables
// (state.Txn.Part), the part named by the task's index. Which task owns a
// key depends on the number of tasks, so the state can only be read by as
// many tasks as wrote it: the query records that number with its state,
// and refuses to start with another one rather than lose or misread
// state. (Queries whose only state is in one task — a global aggregate, a
// Top-N without partition, a view's rows — and stateless queries record 1
// and can change their parallelism freely.) RESET QUERY empties the state
// and records 0: any number of parts.

// parallelismKey is where a query records how many parts its keyed state
// is in.
func parallelismKey(id string) string { return "runtime/parallelism/" + id }

// stateParts is how many parts the query's keyed state is in: the tasks
// of the fragments whose stateful operators run in several tasks, or 1.
func (q *Query) stateParts() int {
	n := 1
	for _, f := range q.frags {
		if f.keyed {
			n = max(n, f.n)
		}
	}
	return n
}

// checkParallelism refuses to run the query's keyed state in another
// number of parts than it was written in. State written before queries
// recorded it (a query with positions but no record) is in one part.
func (q *Query) checkParallelism() error {
	was := 0
	b, ok, err := q.deps.Store.GetMeta(parallelismKey(q.ID))
	switch {
	case err != nil:
		return err
	case ok:
		if was, err = strconv.Atoi(string(b)); err != nil {
			return err
		}
	default:
		if _, had, err := q.deps.Store.GetMeta(positionKey(q.ID)); err != nil {
			return err
		} else if had {
			was = 1
		}
	}
	now := q.stateParts()
	if was == 0 || was == now {
		return nil
	}
	return sqlerr.New(sqlerr.ObjectNotInState,
		"query %s keeps its keyed state in %d parts, one per task, and cannot run it in %d: changing the parallelism of a query with keyed state is not supported yet",
		q.ID, was, now).
		WithHint("run it with SET 'parallelism.default' = '%d', or RESET QUERY %s to rebuild its state from its inputs", was, q.ID)
}

// saveParallelism records the number of parts with the epoch's commit.
func (q *Query) saveParallelism() {
	q.txn.PutMeta(parallelismKey(q.ID), []byte(strconv.Itoa(q.stateParts())))
}

// taskCounts are how many tasks run each of the query's fragments, the
// sink's first.
func (q *Query) taskCounts() []int {
	out := make([]int, len(q.frags))
	for i, f := range q.frags {
		out[i] = f.n
	}
	return out
}
