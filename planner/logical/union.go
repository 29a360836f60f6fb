package logical

import (
	"fmt"

	"riffle/sql/types"
)

// Union is UNION ALL: every change of every input, unchanged. Inputs have
// the same column count; the binder casts them to common types first.
type Union struct {
	Ins []Node
	Out types.Schema
}

func (u *Union) Schema() types.Schema { return u.Out }
func (u *Union) Inputs() []Node       { return u.Ins }

// Props: append-only only if every input is; no key survives, since two
// inputs may both hold a row with the same key.
func (u *Union) Props() Props {
	p := Props{Changelog: AppendOnly, Bounded: true}
	for _, in := range u.Ins {
		ip := in.Props()
		if ip.Changelog != AppendOnly {
			p.Changelog = Retract
		}
		p.Bounded = p.Bounded && ip.Bounded
	}
	return p
}

func (u *Union) Describe() string { return fmt.Sprintf("Union all inputs=%d", len(u.Ins)) }
