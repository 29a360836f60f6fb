package operator

import (
	"riffle/planner/logical"
	"riffle/sql/types"
)

// Running is one COUNT, SUM or AVG call's running value outside a grouped
// operator: a one-shot query's window frame, which rows enter and leave as
// it slides. It keeps the operators' arithmetic (BIGINT sums that refuse
// overflow, exact decimals, AVG's rounding), so a window SUM equals the
// GROUP BY SUM over the same rows.
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
	return addAcc(r.call, r.acc[:], v, d)
}

// Value is the call's result over the values added so far.
func (r *Running) Value() (types.Value, error) { return result(r.call, r.acc[:]) }
