package scenario

import (
	"context"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// fedRows are the rows a step's input lines left in one table: every
// record of an append-only table, the latest record per key of an upsert
// table (a delete line removes its key). pgcheck loads them into
// PostgreSQL, so the batch query there reads the input as written, not
// riffle's reading of it.
type fedRows struct {
	pk     []int               // indexes of the key columns in a tuple; empty: append-only
	rows   [][]string          // append-only: every tuple, in order
	latest map[string][]string // upsert: the latest tuple per key
}

// feed records what a step writes to its tables (raw lines are bad records
// and left out).
func (r *runner) feed(recs []record) {
	for _, rec := range recs {
		if rec.raw != nil {
			continue
		}
		name := strings.ToLower(rec.table)
		f := r.fed[name]
		if f == nil {
			f = &fedRows{pk: r.table(rec.table).pk, latest: map[string][]string{}}
			r.fed[name] = f
		}
		if len(f.pk) == 0 {
			f.rows = append(f.rows, rec.tuple)
			continue
		}
		key := rec.tuple
		if !rec.del {
			key = nil
			for _, i := range f.pk {
				if i < len(rec.tuple) {
					key = append(key, rec.tuple[i])
				}
			}
		}
		k := strings.ToUpper(strings.Join(key, "\x00"))
		if rec.del {
			delete(f.latest, k)
		} else {
			f.latest[k] = rec.tuple
		}
	}
}

func (f *fedRows) tuples() [][]string {
	if len(f.pk) == 0 {
		return f.rows
	}
	out := make([][]string, 0, len(f.latest))
	for _, t := range f.latest {
		out = append(out, t)
	}
	return out
}

var (
	createMVQuery = regexp.MustCompile(`(?is)^\s*CREATE\s+MATERIALIZED\s+VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?\w+\s*(?:\([^)]*\)\s*)?AS\s+(.*?);?\s*$`)
	stringType    = regexp.MustCompile(`(?i)\bSTRING\b`)
	pgSchemas     atomic.Int64
)

// pgcheck compares an output's contents with what PostgreSQL computes when
// it runs the output's query as a batch query over the tables' final
// contents: the rows the steps wrote (the latest per key for an upsert
// table), or for a table no step wrote (a sink), riffle's rows. The rows
// are compared as multisets, numbers by value at the smaller of the two
// scales (riffle's AVG has scale 6, PostgreSQL's more). Without PostgreSQL
// the check is skipped with a message. A query given as the directive's
// input replaces the output's own, for queries PostgreSQL cannot run as
// written (windows computed with date_bin, say).
func (r *runner) pgcheck(name, pgQuery string) string {
	r.flush()
	conn, why := postgresConn()
	if conn == "" {
		r.t.Logf("%s: pgcheck %s skipped: %s", r.pos, name, why)
		return ""
	}
	query := pgQuery
	if query == "" {
		query = r.outputQuery(name)
	}
	got := r.rows("SELECT * FROM " + name)
	want, err := r.runInPostgres(conn, query)
	if err != nil {
		r.fatalf("pgcheck %s: PostgreSQL: %v", name, err)
	}
	g, w := normalizeNumbers(got, want)
	if gs, ws := strings.Join(sortedRows(g), "\n"), strings.Join(sortedRows(w), "\n"); gs != ws {
		r.fatalf("pgcheck %s: riffle's contents differ from PostgreSQL's answer to\n%s\nriffle:\n%s\nPostgreSQL:\n%s",
			name, query, strings.Join(sortedRows(got), "\n"), strings.Join(sortedRows(want), "\n"))
	}
	return ""
}

// lateRows prints how many rows the query that maintains name has dropped
// as late, after FLUSH.
func (r *runner) lateRows(name string) string {
	r.flush()
	q := r.queryRow(name)
	return "late rows: " + q[7] + "\n"
}

// queryRow is the SHOW QUERIES row of the continuous query that maintains
// name.
func (r *runner) queryRow(name string) []string {
	for _, q := range r.rows("SHOW QUERIES") {
		if o, ok := parseOutput(unquote(q[1])); ok && o.name == strings.ToLower(name) {
			return q
		}
	}
	r.fatalf("no running continuous query maintains %s", name)
	return nil
}

// outputQuery is the SELECT of the continuous query that maintains name.
func (r *runner) outputQuery(name string) string {
	for _, q := range r.rows("SHOW QUERIES") {
		stmt := unquote(q[1])
		o, ok := parseOutput(stmt)
		if !ok || o.name != strings.ToLower(name) {
			continue
		}
		if m := createMVQuery.FindStringSubmatch(stmt); m != nil {
			return m[1]
		}
		if m := insertSink.FindStringSubmatch(stmt); m != nil {
			return m[2]
		}
	}
	r.fatalf("pgcheck %s: no running continuous query maintains it (want a materialized view or INSERT INTO … SELECT)", name)
	return ""
}

// runInPostgres creates every table in a fresh schema, fills it, and runs
// the query there.
func (r *runner) runInPostgres(conn, query string) ([]row, error) {
	ctx, cancel := context.WithTimeout(context.Background(), stmtTimeout)
	defer cancel()
	cc, err := pgx.ParseConfig(conn)
	if err != nil {
		return nil, err
	}
	cc.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	c, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		return nil, err
	}
	defer c.Close(context.Background())
	schema := fmt.Sprintf("scenario_%d", pgSchemas.Add(1))
	defer c.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
	setup := []string{"CREATE SCHEMA " + schema, "SET search_path TO " + schema}
	for _, t := range r.rows("SHOW TABLES") {
		setup = append(setup, r.pgTable(unquote(t[0]))...)
	}
	for _, s := range setup {
		if _, err := c.Exec(ctx, s); err != nil {
			return nil, fmt.Errorf("%s: %w", s, err)
		}
	}
	r.pgViews(ctx, c)
	rs, err := c.Query(ctx, stringType.ReplaceAllString(query, "TEXT"))
	if err != nil {
		return nil, err
	}
	return readRows(rs)
}

// pgViews creates riffle's views in PostgreSQL as views, materialized ones
// over their queries too (PostgreSQL computes them from the tables, which is
// the batch answer). A view over another is created once that one is, so
// creation repeats until nothing more can be created; a view PostgreSQL
// cannot run is left out, and the checked query fails if it reads it.
func (r *runner) pgViews(ctx context.Context, c *pgx.Conn) {
	var pending []string
	for _, kind := range []string{"SHOW VIEWS", "SHOW MATERIALIZED VIEWS"} {
		for _, v := range r.rows(kind) {
			name := unquote(v[0])
			if strings.HasSuffix(strings.ToLower(name), freshSuffix) {
				continue
			}
			stmt := unquote(r.rows("SHOW CREATE TABLE " + name)[0][0])
			if m := createMVQuery.FindStringSubmatch(stmt); m != nil {
				stmt = "CREATE VIEW " + quoteIdent(strings.ToLower(name)) + " AS " + m[1]
			}
			pending = append(pending, stringType.ReplaceAllString(stmt, "TEXT"))
		}
	}
	for progress := true; progress && len(pending) > 0; {
		progress = false
		var left []string
		for _, s := range pending {
			if _, err := c.Exec(ctx, s); err != nil {
				left = append(left, s)
				continue
			}
			progress = true
		}
		pending = left
	}
}

// pgTable is the SQL that creates one of riffle's tables in PostgreSQL with
// its final rows.
func (r *runner) pgTable(name string) []string {
	var cols, names []string
	for _, c := range r.rows("DESCRIBE " + name) {
		if strings.Contains(unquote(c[4]), "VIRTUAL") || strings.HasPrefix(unquote(c[4]), "AS ") {
			continue
		}
		// Lower case: riffle matches names case-insensitively, as PostgreSQL
		// does unquoted ones, so the checked query names columns either way.
		cols = append(cols, quoteIdent(strings.ToLower(unquote(c[0])))+" "+pgType(unquote(c[1])))
		names = append(names, quoteIdent(unquote(c[0])))
	}
	stmts := []string{fmt.Sprintf("CREATE TABLE %s (%s)", quoteIdent(strings.ToLower(name)), strings.Join(cols, ", "))}
	var tuples [][]string
	if f := r.fed[strings.ToLower(name)]; f != nil {
		tuples = f.tuples()
	} else {
		// The columns PostgreSQL has: a virtual (metadata or computed)
		// column is left out of its table.
		for _, row := range r.rows("SELECT " + strings.Join(names, ", ") + " FROM " + name) {
			tuples = append(tuples, row)
		}
	}
	for _, t := range tuples {
		stmts = append(stmts, fmt.Sprintf("INSERT INTO %s VALUES (%s)", quoteIdent(strings.ToLower(name)), strings.Join(t, ", ")))
	}
	return stmts
}

// pgType translates a riffle type (as DESCRIBE shows it) to PostgreSQL's.
func pgType(t string) string {
	u := strings.ToUpper(t)
	for _, m := range []struct{ from, to string }{
		{"STRING", "text"}, {"BYTES", "bytea"}, {"TINYINT", "smallint"}, {"INT", "integer"},
		{"DOUBLE", "double precision"}, {"FLOAT", "real"}, {"DECIMAL", "numeric"},
		{"TIMESTAMP_LTZ", "timestamptz"},
	} {
		if u == m.from || strings.HasPrefix(u, m.from+"(") {
			return m.to + t[len(m.from):]
		}
	}
	return t
}

var plainNumber = regexp.MustCompile(`^-?\d+(\.\d+)?$`)

// normalizeNumbers rewrites the numbers of each column of a and b at the
// smallest scale any of them has in that column, so that 85.250000
// (riffle's AVG) and 85.2500000000000000 (PostgreSQL's) compare equal.
func normalizeNumbers(a, b []row) ([]row, []row) {
	scale := map[int]int{}
	for _, rows := range [][]row{a, b} {
		for _, r := range rows {
			for i, v := range r {
				if !plainNumber.MatchString(v) {
					continue
				}
				s := 0
				if dot := strings.IndexByte(v, '.'); dot >= 0 {
					s = len(v) - dot - 1
				}
				if old, ok := scale[i]; !ok || s < old {
					scale[i] = s
				}
			}
		}
	}
	norm := func(rows []row) []row {
		out := make([]row, len(rows))
		for j, r := range rows {
			out[j] = make(row, len(r))
			for i, v := range r {
				out[j][i] = v
				if x, ok := new(big.Rat).SetString(v); ok && plainNumber.MatchString(v) {
					out[j][i] = x.FloatString(scale[i])
				}
			}
		}
		return out
	}
	return norm(a), norm(b)
}
