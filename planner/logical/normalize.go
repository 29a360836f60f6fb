package logical

import (
	"riffle/sql/types"
)

// Normalize turns an upsert stream into a retract stream. An upsert stream
// says "the row for key k is now r" (+1) or "key k is gone" (-1 carrying
// only the key); downstream operators need to know what each change
// replaces, so Normalize keeps the current row per key (in a state table)
// and emits -old/+new. This is Flink's ChangelogNormalize.
type Normalize struct {
	Input Node
}

func (n *Normalize) Schema() types.Schema { return n.Input.Schema() }
func (n *Normalize) Inputs() []Node       { return []Node{n.Input} }

// Props: the output retracts whole rows and is still keyed by the input's
// key, with at most one live row per key.
func (n *Normalize) Props() Props {
	in := n.Input.Props()
	return Props{Changelog: Retract, Key: in.Key, Bounded: in.Bounded, State: "current row per key", Unbounded: true, Expires: true}
}

func (n *Normalize) Describe() string { return "Normalize" }
