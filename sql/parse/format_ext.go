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

// formatMore renders the statements added with the dialect layer's second
// round.
func formatMore(st Statement) string {
	switch s := st.(type) {
	case *StatementSet:
		parts := make([]string, len(s.Inserts))
		for i, ins := range s.Inserts {
			parts[i] = Format(ins) + ";"
		}
		return "STATEMENT SET BEGIN " + strings.Join(parts, " ") + " END"
	case *Transaction:
		return strings.TrimSpace(string(s.Kind) + " " + strings.Join(s.Modes, ", "))
	case *Subscribe:
		text := "SUBSCRIBE TO " + quoteName(s.Name.Name)
		if s.Query != nil {
			text = "SUBSCRIBE TO (" + restore(s.Query.Node) + ")"
		}
		return text + formatWith(s.Options)
	case *Declare:
		hold := ""
		if s.Hold {
			hold = " WITH HOLD"
		}
		what := ""
		if s.Select != nil {
			what = Format(s.Select)
		} else {
			what = Format(s.Subscribe)
		}
		return "DECLARE " + quoteName(s.Cursor.Name) + " CURSOR" + hold + " FOR " + what
	case *Fetch:
		verb := "FETCH"
		if s.Move {
			verb = "MOVE"
		}
		return fmt.Sprintf("%s %d FROM %s%s", verb, s.Count, quoteName(s.Cursor.Name), formatWith(s.Options))
	case *Close:
		if s.All {
			return "CLOSE ALL"
		}
		return "CLOSE " + quoteName(s.Cursor.Name)
	case *Delete:
		return fmt.Sprintf("DELETE FROM %s @%d WHERE %s", quoteName(s.Table.Name), s.Table.Pos, restore(s.Where))
	case *Update:
		sets := make([]string, len(s.Set))
		for i, a := range s.Set {
			sets[i] = quoteName(a.Column.Name.O) + " = " + restore(a.Expr)
		}
		return fmt.Sprintf("UPDATE %s @%d SET %s WHERE %s", quoteName(s.Table.Name), s.Table.Pos, strings.Join(sets, ", "), restore(s.Where))
	case *AlterOptions:
		ifx := ""
		if s.IfExists {
			ifx = "IF EXISTS "
		}
		var kv []string
		for _, o := range s.Options {
			kv = append(kv, quoteString(o.Key)+" = "+quoteString(o.Value))
		}
		return "ALTER TABLE " + ifx + quoteName(s.Name.Name) + " SET (" + strings.Join(kv, ", ") + ")"
	case *AlterRename:
		ifx := ""
		if s.IfExists {
			ifx = "IF EXISTS "
		}
		return "ALTER " + string(s.Kind) + " " + ifx + quoteName(s.Name.Name) + " RENAME TO " + quoteName(s.NewName.Name)
	}
	return fmt.Sprintf("%T", st)
}

// formatWith renders Materialize-style options: WITH (k = v, …).
func formatWith(opts []Option) string {
	if len(opts) == 0 {
		return ""
	}
	parts := make([]string, len(opts))
	for i, o := range opts {
		parts[i] = o.Key + " = " + o.Value
	}
	return " WITH (" + strings.Join(parts, ", ") + ")"
}
