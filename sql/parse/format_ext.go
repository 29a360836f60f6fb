package parse

import (
	"fmt"
	"sort"
	"strings"
)

// formatDialectExt lists the window functions, filters, joins and
// operators the rewrite took out, for golden files.
func formatDialectExt(ext Extensions) string {
	out := ""
	if len(ext.WindowTVFs) > 0 {
		var parts []string
		for _, n := range sortedNames(ext.WindowTVFs, TVFPrefix) {
			parts = append(parts, n+" "+formatTVF(ext.WindowTVFs[n]))
		}
		out += " [tvfs: " + strings.Join(parts, ", ") + "]"
	}
	if len(ext.GroupWindows) > 0 {
		var parts []string
		for _, n := range sortedNames(ext.GroupWindows, GroupWindowPrefix) {
			g := ext.GroupWindows[n]
			parts = append(parts, fmt.Sprintf("%s %s @%d", n, g.Kind, g.Pos))
		}
		out += " [group windows: " + strings.Join(parts, ", ") + "]"
	}
	if len(ext.Filters) > 0 {
		var parts []string
		for _, n := range sortedNames(ext.Filters, FilterPrefix) {
			f := ext.Filters[n]
			cond := "<unparsed>"
			if f.Cond != nil {
				cond = restore(f.Cond)
			}
			parts = append(parts, fmt.Sprintf("%s WHERE %s @%d", n, cond, f.Pos))
		}
		out += " [filters: " + strings.Join(parts, ", ") + "]"
	}
	if len(ext.FullJoins) > 0 {
		var parts []string
		for _, n := range sortedNames(ext.FullJoins, FullJoinPrefix) {
			j := ext.FullJoins[n]
			parts = append(parts, fmt.Sprintf("%s join #%d @%d", n, j.Ordinal, j.Pos))
		}
		out += " [full joins: " + strings.Join(parts, ", ") + "]"
	}
	if len(ext.Temporal) > 0 {
		var parts []string
		for _, tj := range ext.Temporal {
			placed := "unplaced"
			if tj.Source != nil {
				placed = "placed"
			}
			parts = append(parts, fmt.Sprintf("%s AS %s AS OF %s (%s) @%d",
				quoteName(tj.Table.Name), quoteName(tj.Alias.Name), restore(tj.Time.Node), placed, tj.Pos))
		}
		out += " [temporal: " + strings.Join(parts, ", ") + "]"
	}
	if len(ext.DistinctFrom) > 0 {
		var parts []string
		for n := range ext.DistinctFrom {
			parts = append(parts, "NOT "+restore(n))
		}
		sort.Strings(parts)
		out += " [distinct from: " + strings.Join(parts, ", ") + "]"
	}
	if len(ext.Regex) > 0 {
		var parts []string
		for n, re := range ext.Regex {
			parts = append(parts, fmt.Sprintf("%s %s @%d", restore(n), re.Op, re.Pos))
		}
		sort.Strings(parts)
		out += " [regex: " + strings.Join(parts, ", ") + "]"
	}
	return out
}

// formatTVF renders a window TVF in Flink's named-argument form.
func formatTVF(w *WindowTVF) string {
	data := "TABLE " + quoteName(w.Table.Name)
	if w.Query != nil {
		data = "TABLE (" + restore(w.Query.Node) + ")"
	}
	if len(w.PartitionBy) > 0 {
		data += " PARTITION BY (" + joinNames(w.PartitionBy) + ")"
	}
	args := []string{"DATA => " + data, "TIMECOL => DESCRIPTOR(" + quoteName(w.TimeCol.Name) + ")"}
	for _, a := range []struct {
		name string
		iv   *IntervalExt
	}{{"SLIDE", w.Slide}, {"STEP", w.Step}, {"SIZE", w.Size}, {"GAP", w.Gap}, {"OFFSET", w.Offset}} {
		if a.iv != nil {
			m, us, _ := a.iv.Value()
			args = append(args, fmt.Sprintf("%s => %s = %dmon %dus", a.name, strings.TrimSpace(quoteString(a.iv.Text)+" "+a.iv.Unit), m, us))
		}
	}
	return fmt.Sprintf("%s(%s) @%d", w.Kind, strings.Join(args, ", "), w.Pos)
}
