package pipeline

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"riffle/sql/parse"
)

// running is the catalog of a running riffle, as read over SQL.
type running struct {
	objects []*Decl // in the order Check binds them
	queries []*runningQuery
	// byName holds the objects by lower-case name.
	byName map[string]*Decl
	// origins of the objects, by lower-case name.
	origins map[string]string
	// checked is the running catalog as Check bound it.
	checked *Checked
	// failed holds, by lower-case name, why the query of a materialized
	// view failed.
	failed map[string]string
	// settings are the recorded settings of each materialized view's
	// query, by lower-case name.
	settings map[string]map[string]string
}

// runningQuery is a continuous INSERT INTO … SELECT of SHOW QUERIES (the
// queries of materialized views belong to their views).
type runningQuery struct {
	ID, State, Origin string
	Decl              *Decl
	Settings          map[string]string
}

// readRunning reads the objects (SHOW TABLES, SHOW VIEWS, SHOW
// MATERIALIZED VIEWS, then SHOW CREATE TABLE of each) and the queries
// (SHOW QUERIES) of the riffle at conn, and binds them in process, as
// Check does, to know what each reads and how its state is laid out.
func readRunning(ctx context.Context, conn *pgx.Conn) (*running, error) {
	r := &running{byName: map[string]*Decl{}, origins: map[string]string{}, failed: map[string]string{},
		settings: map[string]map[string]string{}}
	var decls []*Decl
	for _, show := range []string{"SHOW TABLES", "SHOW VIEWS", "SHOW MATERIALIZED VIEWS"} {
		names, err := column(ctx, conn, show, 0)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			rows, err := textRows(ctx, conn, "SHOW CREATE TABLE "+quoteIdent(n))
			if err != nil {
				return nil, err
			}
			if len(rows) != 1 || len(rows[0]) < 2 {
				return nil, fmt.Errorf("SHOW CREATE TABLE %s: want the statement and its origin", n)
			}
			ds, diags := LoadFile("running "+n, rows[0][0])
			if len(diags) > 0 || len(ds) != 1 {
				return nil, fmt.Errorf("the running definition of %s does not read back: %s", n, rows[0][0])
			}
			decls = append(decls, ds[0])
			r.origins[strings.ToLower(n)] = rows[0][1]
		}
	}
	qs, err := textRows(ctx, conn, "SHOW QUERIES")
	if err != nil {
		return nil, err
	}
	for _, row := range qs {
		if len(row) < 12 {
			return nil, fmt.Errorf("SHOW QUERIES has %d columns; this riffle is older than riffle apply", len(row))
		}
		st, err := parse.ParseOne(row[1])
		if err != nil {
			continue // a subscription's query, say
		}
		if v, ok := st.(*parse.CreateView); ok {
			r.settings[strings.ToLower(v.Name.Name)] = parseSettings(row[9])
			if row[2] == "FAILED" {
				r.failed[strings.ToLower(v.Name.Name)] = row[10]
			}
		}
		if _, ok := st.(*parse.Insert); !ok || row[2] == "STOPPED" {
			continue
		}
		ds, diags := LoadFile("running query "+row[0], row[1])
		if len(diags) > 0 || len(ds) != 1 {
			continue
		}
		decls = append(decls, ds[0])
		r.queries = append(r.queries, &runningQuery{ID: row[0], State: row[2], Origin: row[11], Decl: ds[0],
			Settings: parseSettings(row[9])})
	}
	// A query runs under the settings it was created with: its plan, and
	// so its state layout, depends on them.
	for _, d := range decls {
		if d.Kind == MaterializedView {
			d.Settings = setStatements(r.settings[strings.ToLower(d.Name)])
		}
	}
	for _, q := range r.queries {
		q.Decl.Settings = setStatements(q.Settings)
	}
	decls, _ = name(decls) // the running catalog has one object per name
	c := Check(decls)
	r.checked = c
	for _, d := range c.Order {
		if d.Kind != Query {
			r.objects = append(r.objects, d)
			r.byName[strings.ToLower(d.Name)] = d
		}
	}
	// An object that does not bind in process any more (its definition
	// reads what a newer riffle refuses) still exists: it is listed, with
	// no layout, so the plan can only rebuild it.
	for _, dg := range c.Diags {
		for _, d := range decls {
			if d.Kind != Query && "running "+d.Name == dg.File {
				r.objects = append(r.objects, d)
				r.byName[strings.ToLower(d.Name)] = d
			}
		}
	}
	return r, nil
}

var settingRE = regexp.MustCompile(`'([^']*)' = '([^']*)'`)

// parseSettings reads SHOW QUERIES' settings column.
func parseSettings(s string) map[string]string {
	m := map[string]string{}
	for _, kv := range settingRE.FindAllStringSubmatch(s, -1) {
		m[kv[1]] = kv[2]
	}
	return m
}

// setStatements turns recorded settings back into the SET statements that
// made them, in key order.
func setStatements(m map[string]string) []*parse.Set {
	var out []*parse.Set
	for _, k := range slices.Sorted(maps.Keys(m)) {
		st, err := parse.ParseOne("SET " + quote(k) + " = " + quote(m[k]))
		if set, ok := st.(*parse.Set); ok && err == nil {
			out = append(out, set)
		}
	}
	return out
}

func column(ctx context.Context, conn *pgx.Conn, sql string, i int) ([]string, error) {
	rows, err := textRows(ctx, conn, sql)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range rows {
		out = append(out, r[i])
	}
	return out, nil
}

// textRows runs sql and returns its rows in text form, NULL as "".
func textRows(ctx context.Context, conn *pgx.Conn, sql string) ([][]string, error) {
	rows, err := conn.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", sql, err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		raw := rows.RawValues()
		row := make([]string, len(raw))
		for i, v := range raw {
			row[i] = string(v)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", sql, err)
	}
	return out, nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
