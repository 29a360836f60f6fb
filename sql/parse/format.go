package parse

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"
)

// restoreFlags render TiDB nodes in the dialect riffle reads back:
// standard quoting, upper-case keywords, no charset introducers.
const restoreFlags = format.RestoreStringSingleQuotes | format.RestoreKeyWordUppercase |
	format.RestoreNameDoubleQuotes | format.RestoreStringWithoutCharset

// Format renders a statement on one line in a normalised form, for golden
// files and logs. Casts the layer took out are listed after the statement
// as "[casts: __riffle_cast_1 BIGINT @7, …]" (@ is the byte offset in the
// statement's text), and interval literals likewise.
func Format(st Statement) string {
	s := formatStmt(st)
	if src := st.Source(); src != nil {
		s += formatExt(src.Ext)
	}
	return s
}

func formatStmt(st Statement) string {
	switch s := st.(type) {
	case *Empty:
		return "EMPTY"
	case *Select:
		if s.EmitChanges {
			return restore(s.Query.Node) + " EMIT CHANGES"
		}
		return restore(s.Query.Node)
	case *CreateFunction:
		out := "CREATE FUNCTION " + quoteName(s.Name.Name) + " AS " + quoteString(s.Class)
		if s.Language != "" {
			out += " LANGUAGE " + s.Language
		}
		return out
	case *CreateType:
		labels := make([]string, len(s.Labels))
		for i, l := range s.Labels {
			labels[i] = quoteString(l)
		}
		return "CREATE TYPE " + quoteName(s.Name.Name) + " AS ENUM (" + strings.Join(labels, ", ") + ")"
	case *Insert:
		return formatInsert(s)
	case *Copy:
		return formatCopy(s)
	case *CreateTable:
		return formatCreateTable(s)
	case *CreateView:
		return formatCreateView(s)
	case *Show:
		switch s.What {
		case ShowCreateTable, ShowCreateView, ShowCreateMaterializedView:
			return "SHOW " + string(s.What) + " " + quoteName(s.Name.Name)
		case ShowVariable:
			return "SHOW VARIABLE " + quoteName(s.Name.Name)
		}
		return "SHOW " + string(s.What)
	case *Describe:
		return "DESCRIBE " + quoteName(s.Name.Name)
	case *Drop:
		out := "DROP " + string(s.Kind) + " "
		if s.IfExists {
			out += "IF EXISTS "
		}
		return out + quoteName(s.Name.Name)
	case *StopQuery:
		return "STOP QUERY " + quoteString(s.ID.Name)
	case *DropQuery:
		if s.IfExists {
			return "DROP QUERY IF EXISTS " + quoteString(s.ID.Name)
		}
		return "DROP QUERY " + quoteString(s.ID.Name)
	case *ResetQuery:
		out := "RESET QUERY " + quoteString(s.ID.Name) + " FROM EARLIEST"
		if s.Time != "" {
			out = "RESET QUERY " + quoteString(s.ID.Name) + " FROM TIMESTAMP " + quoteString(s.Time)
		}
		if s.Mute {
			return out + " MUTE OUTPUT"
		}
		return out + " EMIT OUTPUT"
	case *Flush:
		return "FLUSH"
	case *Set:
		return "SET " + quoteString(s.Key) + " = " + quoteString(s.Value)
	case *Reset:
		if s.Key == "" {
			return "RESET ALL"
		}
		return "RESET " + quoteString(s.Key)
	case *Explain:
		out := "EXPLAIN "
		if s.Analyze {
			out += "ANALYZE "
		}
		return out + Format(s.Stmt)
	}
	return formatMore(st)
}

func formatInsert(s *Insert) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + quoteName(s.Table.Name))
	if len(s.Columns) > 0 {
		b.WriteString(" (" + joinNames(s.Columns) + ")")
	}
	if s.Query != nil {
		return b.String() + " " + restore(s.Query.Node)
	}
	b.WriteString(" VALUES ")
	for i, row := range s.Values {
		if i > 0 {
			b.WriteString(", ")
		}
		vals := make([]string, len(row))
		for j, v := range row {
			vals[j] = restore(v)
		}
		b.WriteString("(" + strings.Join(vals, ", ") + ")")
	}
	return b.String()
}

func formatCreateTable(s *CreateTable) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE ")
	if s.IfNotExists {
		b.WriteString("IF NOT EXISTS ")
	}
	b.WriteString(quoteName(s.Name.Name))
	var elems []string
	for _, c := range s.Columns {
		elems = append(elems, formatColumn(c))
	}
	if len(s.PrimaryKey) > 0 {
		elems = append(elems, "PRIMARY KEY ("+joinNames(s.PrimaryKey)+") NOT ENFORCED")
	}
	if w := s.Watermark; w != nil {
		elems = append(elems, "WATERMARK FOR "+quoteName(w.Column.Name)+" AS "+restore(w.Expr.Node))
	}
	for _, c := range s.Checks {
		named := ""
		if c.Name.Name != "" {
			named = "CONSTRAINT " + quoteName(c.Name.Name) + " "
		}
		elems = append(elems, named+"CHECK ("+restore(c.Expr.Node)+")")
	}
	if len(elems) > 0 {
		b.WriteString(" (" + strings.Join(elems, ", ") + ")")
	}
	if len(s.PartitionedBy) > 0 {
		b.WriteString(" PARTITIONED BY (" + joinNames(s.PartitionedBy) + ")")
	}
	if len(s.Options) > 0 {
		opts := make([]string, len(s.Options))
		for i, o := range s.Options {
			opts[i] = quoteString(o.Key) + " = " + quoteString(o.Value)
		}
		b.WriteString(" WITH (" + strings.Join(opts, ", ") + ")")
	}
	if s.As != nil {
		b.WriteString(" AS " + restore(s.As.Node))
	}
	return b.String()
}

func formatColumn(c ColumnDef) string {
	out := quoteName(c.Name.Name)
	if c.Computed != nil {
		return out + " AS " + restore(c.Computed.Node)
	}
	out += " " + c.Type.String()
	if c.NotNull {
		out += " NOT NULL"
	}
	if m := c.Metadata; m != nil {
		out += " METADATA FROM " + quoteString(m.Key)
		if m.Virtual {
			out += " VIRTUAL"
		}
	}
	return out
}

func formatCreateView(s *CreateView) string {
	out := "CREATE "
	if s.OrReplace {
		out += "OR REPLACE "
	}
	if s.Materialized {
		out += "MATERIALIZED "
	}
	out += "VIEW "
	if s.IfNotExists {
		out += "IF NOT EXISTS "
	}
	out += quoteName(s.Name.Name)
	if len(s.Columns) > 0 {
		out += " (" + joinNames(s.Columns) + ")"
	}
	return out + " AS " + restore(s.Query.Node)
}

// formatExt lists what the rewrite took out, after a space; "" if nothing.
func formatExt(ext Extensions) string {
	out := ""
	if len(ext.Casts) > 0 {
		out += " " + formatCasts(ext.Casts)
	}
	if len(ext.Intervals) > 0 {
		parts := make([]string, 0, len(ext.Intervals))
		for _, n := range sortedNames(ext.Intervals, IntervalPrefix) {
			iv := ext.Intervals[n]
			m, us, _ := iv.Value()
			lit := strings.TrimSpace(quoteString(iv.Text) + " " + iv.Unit)
			parts = append(parts, fmt.Sprintf("%s %s = %dmon %dus @%d", n, lit, m, us, iv.Pos))
		}
		out += " [intervals: " + strings.Join(parts, ", ") + "]"
	}
	return out + formatDialectExt(ext)
}

// sortedNames returns the placeholder names of m in numeric order.
func sortedNames[V any](m map[string]V, prefix string) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	num := func(n string) int { v, _ := strconv.Atoi(strings.TrimPrefix(n, prefix)); return v }
	sort.Slice(names, func(i, j int) bool { return num(names[i]) < num(names[j]) })
	return names
}

// formatCasts lists casts in the order of their placeholders.
func formatCasts(casts map[string]CastExt) string {
	names := sortedNames(casts, CastPrefix)
	parts := make([]string, len(names))
	for i, n := range names {
		c := casts[n]
		t := c.Type.String()
		if c.Name != "" {
			t = "pg:" + c.Name
		}
		if c.Try {
			t = "TRY " + t
		}
		parts[i] = fmt.Sprintf("%s %s @%d", n, t, c.Pos)
	}
	return "[casts: " + strings.Join(parts, ", ") + "]"
}

// restore renders a TiDB node with restoreFlags.
func restore(n ast.Node) string {
	if n == nil {
		return "<nil>"
	}
	var b strings.Builder
	if err := n.Restore(format.NewRestoreCtx(restoreFlags, &b)); err != nil {
		return "<restore error: " + err.Error() + ">"
	}
	return b.String()
}

func joinNames(ns []Name) string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = quoteName(n.Name)
	}
	return strings.Join(out, ", ")
}

// quoteName renders an identifier in double quotes.
func quoteName(n string) string {
	return `"` + strings.ReplaceAll(n, `"`, `""`) + `"`
}
