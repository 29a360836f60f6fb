package logical

import (
	"riffle/sql/types"
)

// Node is a relational operator. Nodes are immutable once built; rules
// build new nodes rather than edit old ones.
type Node interface {
	// Schema is the node's output columns.
	Schema() types.Schema
	// Props derives the node's stream properties from its inputs.
	Props() Props
	// Inputs are the node's children, left to right.
	Inputs() []Node
	// Describe is the node's one-line description for EXPLAIN, without
	// its properties or children.
	Describe() string
}
