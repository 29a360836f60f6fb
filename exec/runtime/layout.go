package runtime

import (
	"strings"

	"riffle/planner/logical"
	"riffle/planner/physical"
	"riffle/sql/types"
)

// StateLayout describes what a running plan keeps between restarts, one
// line per item in the order build hands them out: each scan (its source
// positions are stored by its place in that order), each operator that
// keeps state tables (its EXPLAIN description, which names its keys and
// aggregate calls, with its input and output column types, and whether a
// state TTL expires it: the plan's StateTTL must be set), and a view
// sink's stored rows.
//
// A plan may take over the state tables and positions of a running query
// (CREATE OR REPLACE, `riffle apply`) only when both layouts are equal: the
// operators then find in the tables the rows they would have written
// themselves. Two plans that differ only in column names, or in stateless
// operators below the stateful ones (a filter, a projection feeding an
// aggregate), have equal layouts; their changes apply to new rows.
//
// A view stores the rows its query outputs. When the query retracts rows
// (it is not append-only), the layout includes every operator between the
// last stateful one and the view: a retraction computed by a changed
// projection would name a row the view never stored.
func StateLayout(p *physical.Plan) []string {
	var out []string
	var walk func(logical.Node)
	walk = func(n logical.Node) {
		switch {
		case tablesOf(n) > 0:
			var in []string
			for _, c := range n.Inputs() {
				in = append(in, columnTypes(c.Schema()))
			}
			line := n.Describe()
			if n.Props().Expires && p.TTLOf(n) > 0 {
				line += expiresMark
			}
			out = append(out, line+LayoutTypes+columnTypes(n.Schema())+" <- "+strings.Join(in, " "))
		default:
			if s, ok := n.(*logical.Scan); ok {
				out = append(out, "scan "+strings.ToLower(s.Object.Name))
			}
		}
		for _, c := range n.Inputs() {
			walk(c)
		}
	}
	walk(p.Root)
	if _, ok := p.Sink.(*physical.ViewSink); ok {
		line := "view rows"
		if p.Root.Props().Changelog != logical.AppendOnly {
			for n := p.Root; n != nil && tablesOf(n) == 0; n = onlyInput(n) {
				line += " <- " + stateless(n)
			}
		}
		out = append(out, line+LayoutTypes+columnTypes(p.Root.Schema()))
	}
	return out
}

// expiresMark ends the line of an operator under a state TTL. Whether
// state expires is part of its layout, not only of its running: an
// operator over an input that only inserts keeps less (a running MIN or
// MAX, a DISTINCT value's calls as a bitmask, a join side's rows under
// short ids, a Top-N partition's top as one entry) since no retraction can
// come, and expiry upstream would retract. So a replacement that adds or
// drops the TTL cannot take over the state; one that changes its length
// can.
const expiresMark = " (state TTL)"

// LayoutTypes separates a layout line's description from the column types
// that follow it, so that a message can say which of the two changed.
const LayoutTypes = " :: "

// stateless describes a stateless operator by what it computes, leaving
// out the names it gives its outputs.
func stateless(n logical.Node) string {
	if p, ok := n.(*logical.Project); ok {
		exprs := make([]string, len(p.Exprs))
		for i, e := range p.Exprs {
			exprs[i] = e.String()
		}
		return "Project " + strings.Join(exprs, ", ")
	}
	return n.Describe()
}

func onlyInput(n logical.Node) logical.Node {
	if in := n.Inputs(); len(in) == 1 {
		return in[0]
	}
	return nil
}

func columnTypes(s types.Schema) string {
	ts := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		ts[i] = c.Type.String()
	}
	return "(" + strings.Join(ts, ", ") + ")"
}

// LayoutChange says briefly how two state layouts differ, at the first
// item that does ("" when they are equal).
func LayoutChange(was, will []string) string {
	for i := range max(len(was), len(will)) {
		switch {
		case i >= len(was):
			return "it adds " + describe(will[i])
		case i >= len(will):
			return "it no longer keeps " + describe(was[i])
		case was[i] != will[i]:
			a, at, _ := strings.Cut(was[i], LayoutTypes)
			b, bt, _ := strings.Cut(will[i], LayoutTypes)
			if a == b {
				return a + " keeps columns of other types: " + at + " became " + bt
			}
			return a + " became " + b
		}
	}
	return ""
}

func describe(item string) string {
	d, _, _ := strings.Cut(item, LayoutTypes)
	return d
}
