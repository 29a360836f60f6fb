package logical

import (
	"fmt"

	"riffle/sql/types"
)

// Limit keeps Count rows after skipping Offset (LIMIT/OFFSET of a one-shot
// SELECT). Count < 0 means no limit.
type Limit struct {
	Input  Node
	Count  int64
	Offset int64
}

func (l *Limit) Schema() types.Schema { return l.Input.Schema() }
func (l *Limit) Inputs() []Node       { return []Node{l.Input} }
func (l *Limit) Props() Props         { return passThrough(l.Input.Props()) }
func (l *Limit) Describe() string     { return fmt.Sprintf("Limit %d offset %d", l.Count, l.Offset) }
