package explain

import (
	"strings"
	"time"

	"riffle/planner/logical"
	"riffle/planner/physical"
)

// Logical renders a logical tree.
func Logical(n logical.Node) string {
	var b strings.Builder
	node(&b, n, "", "", func(logical.Node) time.Duration { return 0 })
	return b.String()
}

// Plan renders a physical plan: its sink, then the tree feeding it.
func Plan(p *physical.Plan) string {
	var b strings.Builder
	b.WriteString(p.Sink.Describe())
	if p.StateTTL > 0 {
		b.WriteString(" (state TTL " + p.StateTTL.String() + ")")
	}
	b.WriteString("\n")
	node(&b, p.Root, "└─ ", "   ", p.TTLOf)
	b.WriteString(nondeterminism(p.Root))
	return b.String()
}

// nondeterminism says what makes a plan's results depend on when rows are
// processed rather than on the rows alone (TW-14): wall-clock functions and
// lookups of a table's current version. A replay of such a query can give
// other results.
func nondeterminism(root logical.Node) string {
	var why []string
	seen := map[string]bool{}
	var walk func(logical.Node)
	walk = func(n logical.Node) {
		d := strings.ToLower(n.Describe())
		for _, f := range []string{"proctime()", "now()", "current_timestamp", "localtimestamp", "current_date", "current_time", "rand("} {
			if strings.Contains(d, f) && !seen[f] {
				seen[f] = true
				why = append(why, strings.TrimSuffix(f, "(")+" (the wall clock)")
			}
		}
		if t, ok := n.(*logical.TemporalJoin); ok && !logical.EventTimeJoin(t) && !seen["temporal"] {
			seen["temporal"] = true
			why = append(why, "a processing-time temporal join (the versioned table as it is when each row is processed)")
		}
		for _, c := range n.Inputs() {
			walk(c)
		}
	}
	walk(root)
	if len(why) == 0 {
		return ""
	}
	return "nondeterministic: results depend on when rows are processed: " + strings.Join(why, "; ") + "\n"
}

func node(b *strings.Builder, n logical.Node, first, rest string, ttl func(logical.Node) time.Duration) {
	s := n.Schema()
	b.WriteString(first + n.Describe() + "  [" + n.Props().FormatTTL(s.Names(), ttl(n)) + timeAttrs(n) + "] (" + strings.Join(s.Names(), ", ") + ")\n")
	in := n.Inputs()
	for i, c := range in {
		if i == len(in)-1 {
			node(b, c, rest+"└─ ", rest+"   ", ttl)
		} else {
			node(b, c, rest+"├─ ", rest+"│  ", ttl)
		}
	}
}

// timeAttrs names the node's event-time attributes, the columns whose
// watermark flows with the stream ("" when it has none).
func timeAttrs(n logical.Node) string {
	attrs := logical.TimeAttrs(n)
	if len(attrs) == 0 {
		return ""
	}
	names := n.Schema().Names()
	parts := make([]string, len(attrs))
	for i, a := range attrs {
		parts[i] = names[a]
	}
	return ", time=(" + strings.Join(parts, ", ") + ")"
}
