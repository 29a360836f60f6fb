package bind

import (
	"strings"
	"time"

	"riffle/planner/logical"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// hintInput records that the FROM item named name (or aliased alias)
// produced node: the scans below it get the TTL of a STATE_TTL hint naming
// it.
func (b *Binder) hintInput(name, alias string, node logical.Node) {
	for i, h := range b.Src.Ext.StateTTL {
		if !strings.EqualFold(h.Table, name) && !strings.EqualFold(h.Table, alias) {
			continue
		}
		if b.hintUsed == nil {
			b.hintUsed = map[int]bool{}
			b.HintTTL = map[*logical.Scan]time.Duration{}
		}
		b.hintUsed[i] = true
		d, _ := types.ParseDuration(h.Value) // checked in checkHints
		var walk func(logical.Node)
		walk = func(n logical.Node) {
			if s, ok := n.(*logical.Scan); ok {
				b.HintTTL[s] = d
			}
			for _, c := range n.Inputs() {
				walk(c)
			}
		}
		walk(node)
	}
}

// checkHints rejects a STATE_TTL hint with a bad duration or one that names
// no input of the query: a hint that silently does nothing misleads.
func (b *Binder) checkHints() error {
	for i, h := range b.Src.Ext.StateTTL {
		if _, ok := types.ParseDuration(h.Value); !ok {
			return b.Src.Errorf(h.Pos, sqlerr.InvalidParameter, "invalid duration %q in STATE_TTL hint", h.Value).
				WithHint("give a duration such as '1 h', '30 min' or '2 d'")
		}
		if !b.hintUsed[i] {
			return b.Src.Errorf(h.Pos, sqlerr.UndefinedTable, "STATE_TTL hint names %q, which the query does not read", h.Table).
				WithHint("name a table, view or alias of the query's FROM clause")
		}
	}
	return nil
}
