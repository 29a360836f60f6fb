package pgcatalog_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"riffle/server/pgtest"
)

// shared is where the captured client traffic lives (beside the repository).
const shared = "../../../shared/pgclients"

// setup creates, in riffle and in PostgreSQL, the objects the captured
// statements describe (pgclients/README.md), in each one's own SQL.
var setup = struct{ riffle, pg []string }{
	riffle: []string{
		"CREATE TABLE orders (id BIGINT PRIMARY KEY, customer STRING NOT NULL, amount DECIMAL(12,2), " +
			"created_at TIMESTAMP_LTZ(6), tags ARRAY<STRING>, meta STRING)",
		"CREATE TABLE copytgt (a INT, b STRING)",
		"CREATE VIEW big_orders AS SELECT * FROM orders WHERE amount > 100",
		"CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
		"CREATE TABLE moods (id INT, m mood, p point, r int4range)",
		"INSERT INTO moods VALUES (1, 'ok', '(1,2)', '[1,5)')",
		"INSERT INTO orders VALUES (1, 'ann', 12.50, TIMESTAMP '2026-01-01 10:00:00', ARRAY['a'], '{}'), " +
			"(2, 'bob', 200.00, TIMESTAMP '2026-01-02 10:00:00', ARRAY['b', 'c'], '{}')",
	},
	pg: []string{
		"CREATE TABLE orders (id bigint PRIMARY KEY, customer text NOT NULL, amount numeric(12,2), " +
			"created_at timestamptz, tags text[], meta text)",
		"CREATE TABLE copytgt (a int, b text)",
		"CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
		"CREATE TABLE moods (id int, m mood, p point, r int4range)",
		"INSERT INTO moods VALUES (1, 'ok', '(1,2)', '[1,5)')",
		"CREATE VIEW big_orders AS SELECT * FROM orders WHERE amount > 100",
		"INSERT INTO orders VALUES (1, 'ann', 12.50, '2026-01-01 10:00:00', ARRAY['a'], '{}'), " +
			"(2, 'bob', 200.00, '2026-01-02 10:00:00', ARRAY['b', 'c'], '{}')",
	},
}

// TestClientStatements runs every statement real clients sent to a real
// PostgreSQL (../shared/pgclients/*.sql) against riffle: each must run, and
// return the columns, names and types, PostgreSQL returns for the same
// statement over the same objects. testdata/pgclients/pending lists the
// statements that do not yet, each with the reason; the list only shrinks.
func TestClientStatements(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a riffle node and a PostgreSQL server")
	}
	files, _ := filepath.Glob(filepath.Join(shared, "*.sql"))
	if len(files) == 0 {
		t.Skipf("no captured client statements in %s (the shared folder beside the repository)", shared)
	}
	pending := readPending(t)
	ctx := context.Background()
	rfURL := startRiffle(t, "demo")
	run(t, rfURL, setup.riffle)
	if _, err := exec(ctx, connect(t, rfURL), stmt{sql: "FLUSH"}); err != nil {
		t.Fatal(err)
	}

	pgURL := ""
	srv, skip, err := pgtest.Start(pgtest.Options{Prefix: "riffle-pgclients-", Settings: []string{"TimeZone=UTC"}})
	switch {
	case err != nil:
		t.Fatalf("PostgreSQL is installed but did not start: %v", err)
	case srv == nil:
		t.Logf("no PostgreSQL to compare shapes with (%s): checking that every statement runs", skip)
	default:
		t.Cleanup(srv.Stop)
		pgURL = srv.Conn
		run(t, pgURL, setup.pg)
	}

	seen := map[string]bool{}
	var ran, shaped int
	for _, f := range files {
		for _, step := range steps(t, f) {
			rf := connect(t, rfURL)
			var pg *pgconn.PgConn
			if pgURL != "" {
				pg = connect(t, pgURL)
			}
			for _, st := range step {
				key := fmt.Sprintf("%s:%d", filepath.Base(f), st.line)
				reason, isPending := pending[key]
				seen[key] = true
				got, err := exec(ctx, rf, st)
				if pg != nil {
					want, perr := exec(ctx, pg, st)
					if err != nil && perr != nil && sqlState(err) == sqlState(perr) {
						// PostgreSQL refuses it too, and so does riffle,
						// alike: psql's queries for a pre-12 server
						// (relhasoids) are errors on 15, which riffle is.
						err = nil
					}
					if perr == nil && err == nil {
						if diff := sameShape(ctx, got, want, rf, pg); diff != "" {
							if !isPending {
								t.Errorf("%s: %s\n%s", key, diff, st.sql)
							} else if testing.Verbose() {
								t.Logf("pending %s: %s", key, diff)
							}
							continue
						}
						shaped++
					}
				}
				if err != nil && isPending && testing.Verbose() {
					t.Logf("pending %s: %v", key, err)
				}
				switch {
				case err != nil && !isPending:
					t.Errorf("%s: %v\n%s", key, err, st.sql)
				case err == nil && isPending && pg == nil:
					t.Logf("%s runs now (pending: %s)", key, reason)
				case err == nil:
					ran++
					if isPending && pg != nil {
						t.Errorf("%s now runs with PostgreSQL's shape: remove it from testdata/pgclients/pending (%s)", key, reason)
					}
				}
			}
			rf.Close(ctx)
			if pg != nil {
				pg.Close(ctx)
			}
		}
	}
	for key := range pending {
		if !seen[key] {
			t.Errorf("testdata/pgclients/pending names %s, which is no statement", key)
		}
	}
	t.Logf("%d statements ran, %d with PostgreSQL's shape checked; %d pending", ran, shaped, len(pending))
}

type stmt struct {
	sql    string
	params []string
	line   int
}

// result is what a statement returned: its columns' names and type OIDs.
type result struct {
	names []string
	oids  []uint32
}

// sqlState is the SQLSTATE of a server's error ("" for another error).
func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func exec(ctx context.Context, c *pgconn.PgConn, st stmt) (result, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// The clients' cancel tests sleep 5 s and cancel; the result's shape is
	// the same for a short sleep.
	st.sql = strings.ReplaceAll(st.sql, "pg_sleep(5)", "pg_sleep(0.01)")
	// COPY runs as the clients ran it, with the data they sent (none here:
	// the log holds only the statement; binary needs its header).
	switch low := strings.ToLower(st.sql); {
	case strings.HasPrefix(low, "copy") && strings.Contains(low, "from stdin"):
		data := ""
		if strings.Contains(low, "binary") {
			data = "PGCOPY\n\xff\r\n\x00" + "\x00\x00\x00\x00" + "\x00\x00\x00\x00" + "\xff\xff"
		}
		_, err := c.CopyFrom(ctx, strings.NewReader(data), strings.TrimSuffix(st.sql, ";"))
		return result{}, err
	case strings.HasPrefix(low, "copy") && strings.Contains(low, "to stdout"):
		_, err := c.CopyTo(ctx, io.Discard, strings.TrimSuffix(st.sql, ";"))
		return result{}, err
	}
	if len(st.params) == 0 && !strings.Contains(st.sql, "$1") {
		// The simple protocol, as the clients sent these; the shape is read
		// as the result arrives (pgconn reuses the descriptions' memory).
		mrr := c.Exec(ctx, st.sql)
		var r result
		for mrr.NextResult() {
			r = shape(mrr.ResultReader().FieldDescriptions())
			mrr.ResultReader().Close()
		}
		return r, mrr.Close()
	}
	ps := make([][]byte, len(st.params))
	for i, p := range st.params {
		ps[i] = []byte(p)
	}
	rr := c.ExecParams(ctx, st.sql, ps, nil, nil, nil)
	r := shape(rr.FieldDescriptions())
	_, err := rr.Close()
	return r, err
}

func shape(fds []pgconn.FieldDescription) result {
	var r result
	for _, fd := range fds {
		r.names = append(r.names, fd.Name)
		r.oids = append(r.oids, fd.DataTypeOID)
	}
	return r
}

// sameShape compares the columns riffle and PostgreSQL returned. A
// user-defined type (mood) has an OID each server chose: those compare by
// the name each server's pg_type gives them.
func sameShape(ctx context.Context, got, want result, rf, pg *pgconn.PgConn) string {
	if strings.Join(got.names, ",") != strings.Join(want.names, ",") {
		return fmt.Sprintf("columns %v, PostgreSQL has %v", got.names, want.names)
	}
	for i := range got.oids {
		if got.oids[i] == want.oids[i] {
			continue
		}
		if got.oids[i] >= firstUserOID && want.oids[i] >= firstUserOID {
			g, w := typeName(ctx, rf, got.oids[i]), typeName(ctx, pg, want.oids[i])
			if g != "" && g == w {
				continue
			}
		}
		return fmt.Sprintf("column %s has type OID %d, PostgreSQL's has %d", got.names[i], got.oids[i], want.oids[i])
	}
	return ""
}

// firstUserOID is PostgreSQL's FirstNormalObjectId: OIDs from here on are
// the objects a server's users made.
const firstUserOID = 16384

// typeName is pg_type.typname of oid on the server c is connected to.
func typeName(ctx context.Context, c *pgconn.PgConn, oid uint32) string {
	rr := c.ExecParams(ctx, "select typname from pg_type where oid = $1", [][]byte{[]byte(fmt.Sprint(oid))}, nil, nil, nil)
	var name string
	for rr.NextRow() {
		name = string(rr.Values()[0])
	}
	if _, err := rr.Close(); err != nil {
		return ""
	}
	return name
}

var paramRe = regexp.MustCompile(`\$(\d+) = '((?:[^']|'')*)'`)

// steps splits a capture into its client runs ("-- ==== step" blocks), each
// a list of statements with the parameters the log shows for them.
func steps(t *testing.T, path string) [][]stmt {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]stmt
	var cur strings.Builder
	start := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		tl := strings.TrimSpace(text)
		switch {
		case strings.HasPrefix(tl, "-- ===="):
			out = append(out, nil)
			continue
		case strings.HasPrefix(tl, "-- parameters:"):
			if len(out) > 0 && len(out[len(out)-1]) > 0 {
				last := &out[len(out)-1][len(out[len(out)-1])-1]
				for _, m := range paramRe.FindAllStringSubmatch(tl, -1) {
					last.params = append(last.params, strings.ReplaceAll(m[2], "''", "'"))
				}
			}
			continue
		case cur.Len() == 0 && (tl == "" || strings.HasPrefix(tl, "--")):
			continue
		}
		if cur.Len() == 0 {
			start = line
		}
		cur.WriteString(text + "\n")
		if strings.HasSuffix(tl, ";") {
			if len(out) == 0 {
				out = append(out, nil)
			}
			out[len(out)-1] = append(out[len(out)-1], stmt{sql: strings.TrimSpace(cur.String()), line: start})
			cur.Reset()
		}
	}
	return out
}

func readPending(t *testing.T) map[string]string {
	b, err := os.ReadFile("../../testdata/pgclients/pending")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		key, reason, _ := strings.Cut(l, " ")
		out[key] = strings.TrimSpace(reason)
	}
	return out
}

func connect(t *testing.T, url string) *pgconn.PgConn {
	c, err := pgconn.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func run(t *testing.T, url string, stmts []string) {
	c := connect(t, url)
	defer c.Close(context.Background())
	for _, s := range stmts {
		if _, err := c.Exec(context.Background(), s).ReadAll(); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}
