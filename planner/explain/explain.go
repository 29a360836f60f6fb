package explain

import (
	"strings"

	"riffle/planner/logical"
	"riffle/planner/physical"
)

// Logical renders a logical tree.
func Logical(n logical.Node) string {
	var b strings.Builder
	node(&b, n, "", "")
	return b.String()
}

// Plan renders a physical plan: its sink, then the tree feeding it.
func Plan(p *physical.Plan) string {
	var b strings.Builder
	b.WriteString(p.Sink.Describe() + "\n")
	node(&b, p.Root, "└─ ", "   ")
	return b.String()
}

func node(b *strings.Builder, n logical.Node, first, rest string) {
	s := n.Schema()
	b.WriteString(first + n.Describe() + "  [" + n.Props().Format(s.Names()) + "] (" + strings.Join(s.Names(), ", ") + ")\n")
	in := n.Inputs()
	for i, c := range in {
		if i == len(in)-1 {
			node(b, c, rest+"└─ ", rest+"   ")
		} else {
			node(b, c, rest+"├─ ", rest+"│  ")
		}
	}
}
