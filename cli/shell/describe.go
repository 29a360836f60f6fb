package shell

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// The \d commands ask the server with SQL over pg_catalog, which riffle
// emulates, so they work on riffle and on PostgreSQL alike; the shell holds
// no engine code. Each takes an optional psql-style pattern: a name, folded
// to lower case unless double-quoted, where * and ? match any text and any
// character, optionally qualified by a schema.

// relKinds names the relation kinds the \d commands show, as psql does.
var relKinds = map[byte]string{'r': "table", 'v': "view", 'm': "materialized view", 'p': "partitioned table", 'f': "foreign table"}

// listRelations runs \d, \dt, \dv or \dm: the relations of the given kinds
// (all user relations for ""), whose names match pattern.
func (s *shell) listRelations(ctx context.Context, kinds, pattern, what string) error {
	if kinds == "" {
		kinds = "rvmpf"
	}
	q := fmt.Sprintf(`SELECT n.nspname AS "Schema", c.relname AS "Name",
  CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
    WHEN 'p' THEN 'partitioned table' WHEN 'f' THEN 'foreign table' END AS "Type"
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN (%s) AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')%s
ORDER BY 1, 2`, kindList(kinds), patternFilter(pattern))
	res, err := s.query(ctx, q)
	if err != nil {
		return err
	}
	if len(res.Rows) == 0 {
		if pattern != "" {
			fmt.Fprintf(s.cfg.Err, "Did not find any %s named %q.\n", what, pattern)
		} else {
			fmt.Fprintf(s.cfg.Err, "Did not find any %s.\n", what)
		}
		return nil
	}
	res.Title = "List of " + what
	return s.render(res)
}

// describe runs \d NAME: each matching relation's columns and, under them,
// its primary key, a view's definition, and on riffle a table's CREATE
// statement (its topic, format and watermark).
func (s *shell) describe(ctx context.Context, pattern string) error {
	rels, err := s.query(ctx, `SELECT c.oid, n.nspname, c.relname, c.relkind
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN (`+kindList("rvmpf")+`) AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')`+
		patternFilter(pattern)+` ORDER BY 2, 3`)
	if err != nil {
		return err
	}
	if len(rels.Rows) == 0 {
		fmt.Fprintf(s.cfg.Err, "Did not find any relation named %q.\n", pattern)
		return s.commandFailed(fmt.Errorf("no relation %q", pattern))
	}
	for _, rel := range rels.Rows {
		oid, schema, name, kind := string(rel[0]), string(rel[1]), string(rel[2]), string(rel[3])
		cols, err := s.query(ctx, `SELECT a.attname AS "Column", pg_catalog.format_type(a.atttypid, a.atttypmod) AS "Type",
  CASE WHEN a.attnotnull THEN 'not null' ELSE '' END AS "Nullable"
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = `+oid+` AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`)
		if err != nil {
			return err
		}
		kindName := relKinds[kind[0]]
		cols.Title = fmt.Sprintf("%s%s %q", strings.ToUpper(kindName[:1]), kindName[1:], schema+"."+name)
		cols.Footer, err = s.describeFooter(ctx, oid, quoteIdent(name), kind[0])
		if err != nil {
			return err
		}
		if err := s.render(cols); err != nil {
			return err
		}
	}
	return nil
}

// describeFooter is what \d prints under a relation's columns.
func (s *shell) describeFooter(ctx context.Context, oid, name string, kind byte) ([]string, error) {
	footer := []string{}
	switch kind {
	case 'r', 'p', 'f':
		keys, err := s.query(ctx, `SELECT pg_catalog.pg_get_constraintdef(oid) FROM pg_catalog.pg_constraint
WHERE conrelid = `+oid+` AND contype = 'p'`)
		if err != nil {
			return nil, err
		}
		for _, k := range keys.Rows {
			footer = append(footer, "Primary key: "+strings.TrimPrefix(string(k[0]), "PRIMARY KEY "))
		}
		if s.isRiffle(ctx) {
			def, err := s.query(ctx, "SHOW CREATE TABLE "+name)
			// The statement, then (riffle apply's) where it came from.
			if err == nil && len(def.Rows) == 1 && len(def.Rows[0]) >= 1 {
				footer = append(footer, "Definition:")
				footer = append(footer, indent(string(def.Rows[0][0]))...)
				if len(def.Rows[0]) > 1 && def.Rows[0][1] != nil {
					footer = append(footer, "Origin: "+string(def.Rows[0][1]))
				}
			}
		}
	case 'v', 'm':
		def, err := s.query(ctx, "SELECT pg_catalog.pg_get_viewdef("+oid+")")
		if err != nil {
			return nil, err
		}
		if len(def.Rows) == 1 && def.Rows[0][0] != nil {
			footer = append(footer, "View definition:")
			footer = append(footer, indent(string(def.Rows[0][0]))...)
		}
	}
	return footer, nil
}

func indent(text string) []string {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	for i, l := range lines {
		lines[i] = "    " + strings.TrimRight(l, " ")
	}
	return lines
}

// isRiffle reports whether the server is riffle, which says so in
// version(); asked once per connection.
func (s *shell) isRiffle(ctx context.Context) bool {
	if s.riffle == 0 {
		s.riffle = -1
		if v, err := s.query(ctx, "SELECT pg_catalog.version()"); err == nil && len(v.Rows) == 1 &&
			strings.Contains(string(v.Rows[0][0]), "riffle") {
			s.riffle = 1
		}
	}
	return s.riffle == 1
}

// query runs one catalog query and returns its result.
func (s *shell) query(ctx context.Context, sql string) (*Result, error) {
	res, err := s.conn.Exec(ctx, sql).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(res) != 1 {
		return nil, fmt.Errorf("expected one result, got %d", len(res))
	}
	return fromPgconn(res[0]), nil
}

func fromPgconn(r *pgconn.Result) *Result {
	out := &Result{Columns: columns(r.FieldDescriptions), Tag: r.CommandTag.String()}
	for _, row := range r.Rows {
		out.Rows = append(out.Rows, copyRow(row))
	}
	return out
}

// kindList is an SQL list of relkinds: 'r', 'v'.
func kindList(kinds string) string {
	parts := make([]string, len(kinds))
	for i := range kinds {
		parts[i] = "'" + kinds[i:i+1] + "'"
	}
	return strings.Join(parts, ", ")
}

// patternFilter turns a psql pattern into SQL conditions on n.nspname and
// c.relname: "" matches everything, "ord*" a LIKE, "s.t" a schema and a
// name.
func patternFilter(pattern string) string {
	if pattern == "" {
		return ""
	}
	schema, name := "", pattern
	if i := unquotedDot(pattern); i >= 0 {
		schema, name = pattern[:i], pattern[i+1:]
	}
	cond := " AND c.relname " + likeOrEqual(name)
	if schema != "" {
		cond += " AND n.nspname " + likeOrEqual(schema)
	}
	return cond
}

// unquotedDot finds the dot between a schema and a name, outside quotes.
func unquotedDot(p string) int {
	quoted := false
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '"':
			quoted = !quoted
		case '.':
			if !quoted {
				return i
			}
		}
	}
	return -1
}

// likeOrEqual is "= 'name'", or "LIKE 'pat%' ESCAPE '\'" for a pattern with
// wildcards. Unquoted text is folded to lower case, as identifiers are.
func likeOrEqual(p string) string {
	var b strings.Builder
	wild, quoted := false, false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '"' && quoted && i+1 < len(p) && p[i+1] == '"':
			b.WriteByte('"')
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && c == '*':
			b.WriteByte('%')
			wild = true
		case !quoted && c == '?':
			b.WriteByte('_')
			wild = true
		case c == '%' || c == '_' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case !quoted:
			b.WriteString(strings.ToLower(string(c)))
		default:
			b.WriteByte(c)
		}
	}
	lit := "'" + strings.ReplaceAll(b.String(), "'", "''") + "'"
	if wild {
		return "LIKE " + lit + ` ESCAPE '\'`
	}
	// Without wildcards the escapes are not needed.
	return "= " + strings.NewReplacer(`\%`, `%`, `\_`, `_`, `\\`, `\`).Replace(lit)
}

// quoteIdent quotes a name for SQL when it is not a plain lower-case
// identifier.
func quoteIdent(name string) string {
	plain := name != ""
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || (c >= 'a' && c <= 'z') || (i > 0 && c >= '0' && c <= '9')) {
			plain = false
		}
	}
	if plain {
		return name
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
