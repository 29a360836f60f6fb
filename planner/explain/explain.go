package explain

import (
	"fmt"
	"strings"
	"time"

	"riffle/planner/logical"
	"riffle/planner/physical"
)

// Logical renders a logical tree.
func Logical(n logical.Node) string {
	var b strings.Builder
	node(&b, n, "", "", func(logical.Node) time.Duration { return 0 }, nil)
	return b.String()
}

// Plan renders a physical plan: its sink, then the tree feeding it.
func Plan(p *physical.Plan) string {
	var b strings.Builder
	b.WriteString(p.Sink.Describe())
	if p.StateTTL > 0 {
		b.WriteString(" (state TTL " + p.StateTTL.String() + ")")
	}
	if p.Parallelism > 1 {
		fmt.Fprintf(&b, "  [parallelism=%d]", p.SinkTasks())
	}
	b.WriteString("\n")
	first, rest := "└─ ", "   "
	if x := p.ExchangeAt(nil, 0); x != nil {
		exchange(&b, p, x, p.Root, 1, first)
		first, rest = rest+first, rest+rest
	}
	node(&b, p.Root, first, rest, p.TTLOf, p)
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

// node renders n and its inputs; p (nil for a logical tree) adds each
// node's parallelism and the exchanges between them.
func node(b *strings.Builder, n logical.Node, first, rest string, ttl func(logical.Node) time.Duration, p *physical.Plan) {
	s := n.Schema()
	par := ""
	if p != nil && p.Parallelism > 1 {
		par = fmt.Sprintf(", parallelism=%d", p.TasksOf(n))
	}
	b.WriteString(first + n.Describe() + "  [" + n.Props().FormatTTL(s.Names(), ttl(n)) + timeAttrs(n) + par + "] (" + strings.Join(s.Names(), ", ") + ")\n")
	in := n.Inputs()
	for i, c := range in {
		cfirst, crest := rest+"├─ ", rest+"│  "
		if i == len(in)-1 {
			cfirst, crest = rest+"└─ ", rest+"   "
		}
		if x := exchangeAt(p, n, i); x != nil {
			exchange(b, p, x, c, p.TasksOf(n), cfirst)
			cfirst, crest = crest+"└─ ", crest+"   "
		}
		node(b, c, cfirst, crest, ttl, p)
	}
}

func exchangeAt(p *physical.Plan, n logical.Node, i int) *physical.Exchange {
	if p == nil {
		return nil
	}
	return p.ExchangeAt(n, i)
}

// exchange renders the exchange x that carries from's rows to a node run
// by to tasks. Its stream is from's, and it keeps no state.
func exchange(b *strings.Builder, p *physical.Plan, x *physical.Exchange, from logical.Node, to int, first string) {
	props := from.Props()
	props.State = ""
	names := from.Schema().Names()
	fmt.Fprintf(b, "%s%s  [%s%s, parallelism=%d→%d] (%s)\n", first, x.Describe(), props.Format(names), timeAttrs(from),
		p.TasksOf(from), to, strings.Join(names, ", "))
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
