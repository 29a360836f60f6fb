package logical

import (
	"slices"
	"strings"

	"riffle/planner/scalar"
	"riffle/sql/types"
)

// TemporalJoin joins each row of Left (the probe side) with the version of
// Right (a versioned table: an upsert table or a table with a primary key)
// valid at the row's time: JOIN r FOR SYSTEM_TIME AS OF l.t ON …. Time is
// over the left columns; an event-time column makes it an event-time join,
// PROCTIME() a lookup of the latest version. Kind is InnerJoin or LeftJoin.
// On, LeftKeys and RightKeys are as in Join; Out is left ++ right.
type TemporalJoin struct {
	Kind                JoinKind
	Left, Right         Node
	Time                scalar.Expr
	On                  scalar.Expr
	LeftKeys, RightKeys []scalar.Expr
	Out                 types.Schema
}

func (t *TemporalJoin) Schema() types.Schema { return t.Out }
func (t *TemporalJoin) Inputs() []Node       { return []Node{t.Left, t.Right} }

// Props: each probe row is joined once, with the version of its time, and
// a later version never changes an earlier result; so the output is
// append-only when the probe side is, and keyed as the probe side. The
// operator keeps the versions of the right side (the latest per key for a
// processing-time join, versions until the watermark passes for an
// event-time one).
func (t *TemporalJoin) Props() Props {
	l := t.Left.Props()
	p := Props{Changelog: l.Changelog, Key: l.Key, Bounded: l.Bounded}
	if p.Changelog == Upsert {
		p.Changelog = Retract
	}
	switch {
	case EventTimeJoin(t):
		p.State = "the versioned table's rows per key (unbounded), probe rows until the watermark passes"
	case l.Changelog != AppendOnly:
		// A retraction takes back what its probe row was joined with.
		p.State = "the versioned table's latest row per key, and each live probe row's result (unbounded)"
	default:
		p.State = "the versioned table's latest row per key (unbounded)"
	}
	return p
}

func (t *TemporalJoin) Describe() string {
	s := "TemporalJoin " + t.Kind.String() + " asof=" + t.Time.String()
	if len(t.LeftKeys) > 0 {
		var ks []string
		for i := range t.LeftKeys {
			ks = append(ks, t.LeftKeys[i].String()+" = "+t.RightKeys[i].String())
		}
		s += " keys=(" + strings.Join(ks, ", ") + ")"
	}
	if t.On != nil {
		s += " on=" + t.On.String()
	}
	return s
}

// EventTimeJoin reports whether t joins at event time: AS OF an event-time
// attribute of its probe side. Otherwise (AS OF a PROCTIME() column) it
// looks up the version current when each row is processed.
func EventTimeJoin(t *TemporalJoin) bool {
	c, ok := t.Time.(*scalar.ColRef)
	return ok && slices.Contains(TimeAttrs(t.Left), c.Idx)
}
