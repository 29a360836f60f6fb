package operator

import (
	"fmt"

	"riffle/planner/logical"
	"riffle/sql/types"
)

// Running is one COUNT, SUM or AVG call's running value outside a grouped
// operator: a window frame, which rows enter and leave as it slides. It
// keeps the operators' arithmetic (BIGINT sums that refuse overflow, exact
// decimals, AVG's rounding), so a window SUM equals the GROUP BY SUM over
// the same rows. MIN and MAX run too, over frames rows only enter (an
// event-time OVER from UNBOUNDED PRECEDING).
type Running struct {
	call *logical.AggCall
	acc  [accWidth]types.Value
}

// NewRunning returns an empty running value of call c.
func NewRunning(c *logical.AggCall) *Running {
	r := &Running{call: c}
	initAcc(c, r.acc[:])
	return r
}

// Add applies v with multiplicity d (-1: the row left the frame). NULL
// counts only for COUNT(*).
func (r *Running) Add(v types.Value, d int64) error {
	if v.IsNull() && r.call.Func != "count_star" {
		return nil
	}
	switch r.call.Func {
	case "min", "max":
		if d < 0 {
			return fmt.Errorf("%s over a window frame cannot take a row out", r.call.Func)
		}
		c := 0
		if !r.acc[0].IsNull() {
			c = types.Compare(v, r.acc[0])
		}
		if r.acc[0].IsNull() || (c < 0) == (r.call.Func == "min") && c != 0 {
			r.acc[0] = v
		}
		return nil
	}
	return addAcc(r.call, r.acc[:], v, d)
}

// Value is the call's result over the values added so far.
func (r *Running) Value() (types.Value, error) {
	if r.call.Func == "min" || r.call.Func == "max" {
		return r.acc[0], nil
	}
	return result(r.call, r.acc[:])
}

// State is the running value's state, to keep in a state table; Restore
// takes it back.
func (r *Running) State() []types.Value { return r.acc[:] }

// Restore sets the running value's state to one State returned.
func (r *Running) Restore(acc []types.Value) { copy(r.acc[:], acc) }
