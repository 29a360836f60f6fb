package logical

import (
	"fmt"
	"strings"

	"riffle/planner/scalar"
	"riffle/sql/types"
)

// JoinKind is the kind of a join.
type JoinKind uint8

// Join kinds. Semi and Anti come from IN / EXISTS subqueries: they output
// the left row (once) when some right row matches, or when none does.
const (
	InnerJoin JoinKind = iota
	LeftJoin
	RightJoin
	FullJoin
	SemiJoin
	AntiJoin
)

func (k JoinKind) String() string {
	return [...]string{"inner", "left", "right", "full", "semi", "anti"}[k]
}

// Join combines two inputs. On is the condition over the left columns
// followed by the right columns (nil: every pair, a cross join). The
// equi-join keys are the conjuncts of On of the form l = r: LeftKeys[i] is
// over the left input's columns and RightKeys[i] over the right input's,
// so an operator can hash or index each side by them. Out is left ++ right
// for inner and outer joins, the left columns alone for semi and anti joins.
type Join struct {
	Kind                JoinKind
	Left, Right         Node
	On                  scalar.Expr
	LeftKeys, RightKeys []scalar.Expr
	// NullSafe[i] is set when key i came from IS NOT DISTINCT FROM
	// (INTERSECT, EXCEPT): NULL matches NULL under it.
	NullSafe []bool
	// Residual is the part of On that is not a key equality (nil: none);
	// a pair whose keys are equal matches when it holds.
	Residual scalar.Expr
	// NullAware marks the anti join of x NOT IN (SELECT y …), which keeps
	// SQL's rule: a NULL y, or a NULL x against a non-empty subquery, makes
	// the predicate unknown, so the row is left out.
	NullAware bool
	// Interval is set for an interval join: On bounds the right row's time
	// by the left row's, so rows can be dropped once the watermark passes.
	Interval *IntervalBounds
	Out      types.Schema
	// Layout is the layout of its state (see StampLayout).
	Layout int
}

// IntervalBounds are the time bounds of an interval join:
// left[LeftTime] + Lower <= right[RightTime] <= left[LeftTime] + Upper,
// in microseconds (a strict bound is one microsecond tighter).
type IntervalBounds struct {
	LeftTime, RightTime int
	Lower, Upper        int64
}

func (j *Join) Schema() types.Schema { return j.Out }
func (j *Join) Inputs() []Node       { return []Node{j.Left, j.Right} }

// Props: an inner join of two append-only inputs only ever adds pairs, so
// it is append-only; an interval join stays append-only even when outer,
// because it emits a padded row only once the watermark closes the row's
// interval. A regular outer join emits the padded row at once and
// retracts it when a match arrives, and an updating input retracts the
// pairs it made, so those retract. A pair is identified by the two rows'
// keys, when both sides have one; a semi or anti join outputs left rows,
// keyed as the left input.
func (j *Join) Props() Props {
	l, r := j.Left.Props(), j.Right.Props()
	p := Props{Changelog: Retract, Bounded: l.Bounded && r.Bounded}
	appendOnly := l.Changelog == AppendOnly && r.Changelog == AppendOnly
	switch {
	case appendOnly && (j.Kind == InnerJoin || j.Interval != nil):
		p.Changelog = AppendOnly
	case appendOnly && j.Kind == SemiJoin:
		p.Changelog = AppendOnly
	}
	switch {
	case j.Kind == SemiJoin || j.Kind == AntiJoin:
		p.Key = l.Key
	case l.Key != nil && (j.Kind == InnerJoin || j.Kind == LeftJoin) && covers(j.RightKeys, r.Key):
		// The join keys hold the right side's whole key, so a left row
		// matches at most one right row: the left key identifies the pair
		// (a foreign-key join is keyed as its many side).
		p.Key = l.Key
	case r.Key != nil && (j.Kind == InnerJoin || j.Kind == RightJoin) && covers(j.LeftKeys, l.Key):
		w := j.Left.Schema().Len()
		for _, k := range r.Key {
			p.Key = append(p.Key, w+k)
		}
	case l.Key != nil && r.Key != nil:
		p.Key = append([]int{}, l.Key...)
		w := j.Left.Schema().Len()
		for _, k := range r.Key {
			p.Key = append(p.Key, w+k)
		}
	}
	if isWindow, _, _ := WindowJoin(j); isWindow {
		p.State = "each side's rows by window and join key, until the watermark passes the window's end"
	} else if j.Interval != nil {
		p.State = "each side's rows until the watermark passes their interval"
	} else {
		p.State = "every row of both inputs, by join key"
		p.Unbounded, p.Expires = true, true
	}
	return p
}

func (j *Join) Describe() string {
	s := "Join " + j.Kind.String()
	if j.Interval != nil {
		s = "IntervalJoin " + j.Kind.String()
	}
	if len(j.LeftKeys) > 0 {
		var ks []string
		for i := range j.LeftKeys {
			op := " = "
			if j.NullSafe[i] {
				op = " IS NOT DISTINCT FROM "
			}
			ks = append(ks, j.LeftKeys[i].String()+op+j.RightKeys[i].String())
		}
		s += " keys=(" + strings.Join(ks, ", ") + ")"
	}
	if j.NullAware {
		s += " null-aware"
	}
	if j.Interval != nil {
		ln, rn := j.Left.Schema().Names(), j.Right.Schema().Names()
		l, r := "left."+ln[j.Interval.LeftTime], "right."+rn[j.Interval.RightTime]
		s += fmt.Sprintf(" time=(%s %s <= %s <= %s %s)", l, signed(j.Interval.Lower), r, l, signed(j.Interval.Upper))
	}
	if j.On != nil {
		s += " on=" + j.On.String()
	}
	return s
}

// signed renders an offset in microseconds as "+ 1h" or "- 10s".
func signed(us int64) string {
	if us < 0 {
		return "- " + duration(-us)
	}
	return "+ " + duration(us)
}

// covers reports whether the key expressions include every column of key
// as a plain column (or an integer widening of one, which keeps equality),
// so that equal join keys mean equal key values.
func covers(exprs []scalar.Expr, key []int) bool {
	if key == nil {
		return false
	}
	for _, k := range key {
		found := false
		for _, e := range exprs {
			if c, ok := e.(*scalar.Cast); ok && c.T.IsInteger() && c.Arg.Type().IsInteger() {
				e = c.Arg
			}
			if c, ok := e.(*scalar.ColRef); ok && c.Idx == k {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// WindowJoin reports whether j joins two inputs of event-time windows on
// the same window (their window_end columns are a key pair, index key),
// and the larger allowed lateness of the two: such a join can drop a
// window's rows once the watermark has passed the window's end.
func WindowJoin(j *Join) (ok bool, key int, lateness int64) {
	if j.Kind == SemiJoin || j.Kind == AntiJoin {
		return false, 0, 0
	}
	lcol, ll, lok := WindowEnd(j.Left)
	rcol, rl, rok := WindowEnd(j.Right)
	if !lok || !rok {
		return false, 0, 0
	}
	for i := range j.LeftKeys {
		l, lisCol := j.LeftKeys[i].(*scalar.ColRef)
		r, risCol := j.RightKeys[i].(*scalar.ColRef)
		if lisCol && risCol && l.Idx == lcol && r.Idx == rcol {
			return true, i, max(ll, rl)
		}
	}
	return false, 0, 0
}
