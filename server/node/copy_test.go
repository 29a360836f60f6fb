package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgtype"
)

// TestCopyFrom loads a table with COPY … FROM STDIN in every format: pgx's
// CopyFrom (binary), and pgconn with text and csv, old and new option
// syntax. A bad row fails the COPY with its line and writes nothing.
func TestCopyFrom(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	ctx := context.Background()
	exec(t, c, `CREATE TABLE t (a INT, b STRING, c DECIMAL(10,2), d DATE, ts TIMESTAMP(3), ok BOOLEAN, bin BYTES)`)

	day := time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	var num pgtype.Numeric
	if err := num.Scan("12.50"); err != nil {
		t.Fatal(err)
	}
	copied, err := c.CopyFrom(ctx, pgx.Identifier{"t"}, []string{"a", "b", "c", "d", "ts", "ok", "bin"}, pgx.CopyFromRows([][]any{
		{int32(1), "one", num, day, day.Add(90 * time.Minute), true, []byte{0xca, 0xfe}},
		{int32(2), nil, nil, nil, nil, false, nil},
	}))
	if err != nil || copied != 2 {
		t.Fatalf("CopyFrom: %d, %v", copied, err)
	}

	for _, tc := range []struct{ sql, data string }{
		{`COPY t (a, b) FROM STDIN`, "3\tthree\\ttab\n4\t\\N\n\\.\n"},
		{`COPY t (b, a) FROM STDIN WITH (FORMAT csv, HEADER)`, "b,a\n\"five, quoted\",5\n,6\n"},
		{`COPY t (a, c, d) FROM STDIN WITH CSV DELIMITER ';'`, "7;7.25;2024-03-01\r\n8;;\r\n"},
	} {
		tag, err := c.PgConn().CopyFrom(ctx, strings.NewReader(tc.data), tc.sql)
		if err != nil || tag.String() != "COPY 2" {
			t.Fatalf("%s: %s, %v", tc.sql, tag, err)
		}
	}
	equal(t, "copied rows", rows(t, c, `SELECT a, b, c, d, ts, ok, bin FROM t`),
		"1|one|12.50|2024-02-29 00:00:00 +0000 UTC|2024-02-29 01:30:00 +0000 UTC|true|[202 254]",
		"2|<nil>|<nil>|<nil>|<nil>|false|<nil>",
		"3|three\ttab|<nil>|<nil>|<nil>|<nil>|<nil>",
		"4|<nil>|<nil>|<nil>|<nil>|<nil>|<nil>",
		"5|five, quoted|<nil>|<nil>|<nil>|<nil>|<nil>",
		"6|<nil>|<nil>|<nil>|<nil>|<nil>|<nil>", // csv: an unquoted empty field is NULL
		"7|<nil>|7.25|2024-03-01 00:00:00 +0000 UTC|<nil>|<nil>|<nil>",
		"8|<nil>|<nil>|<nil>|<nil>|<nil>|<nil>")

	for _, tc := range []struct{ sql, data, code, msg, where string }{
		{`COPY t (a, b) FROM STDIN`, "9\tnine\n10\n", "22P04", `missing data for column "b"`, "COPY t, line 2"},
		{`COPY t (a, b) FROM STDIN`, "9\tnine\textra\n", "22P04", "extra data after last expected column", "COPY t, line 1"},
		{`COPY t (a, b) FROM STDIN (FORMAT csv)`, "9,nine\nx,y\n", "22P02", `invalid input syntax for type integer: "x"`, `COPY t, line 2, column a: "x"`},
		{`COPY t (a, b) FROM STDIN (FORMAT csv)`, "9,\"nine\n", "22P04", "unterminated CSV quoted field", "COPY t, line 1"},
		{`COPY t (a, b) FROM STDIN (FORMAT csv, HEADER match)`, "a,c\n9,x\n", "22P04", `column name mismatch in header line field 2: got "c", expected "b"`, "COPY t, line 1"},
		{`COPY t (a) FROM STDIN (FORMAT binary)`, "not binary at all", "22P04", "COPY file signature not recognized", "COPY t, line 1"},
	} {
		_, err := c.PgConn().CopyFrom(ctx, strings.NewReader(tc.data), tc.sql)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != tc.code || pe.Message != tc.msg || pe.Where != tc.where {
			t.Errorf("%s with %q: %v (where %q)", tc.sql, tc.data, err, wherOf(err))
		}
	}
	if got := rows(t, c, `SELECT count(*) FROM t`); got[0] != "8" {
		t.Errorf("a failed COPY wrote rows: %s", got)
	}

	for _, tc := range []struct{ sql, code string }{
		{`COPY nope FROM STDIN`, "42P01"},
		{`COPY t (zz) FROM STDIN`, "42703"},
		{`COPY t FROM STDIN (FORMAT xml)`, "22023"},
		{`COPY t FROM STDIN (FORMAT binary, DELIMITER ',')`, "42601"},
		{`COPY t FROM STDIN (QUOTE '"')`, "0A000"},
		{`COPY t FROM STDIN (DELIMITER ',,')`, "0A000"},
		{`COPY t FROM STDIN (FORMAT csv, FORCE_QUOTE *)`, "0A000"},
		{`COPY t (a) FROM STDIN (FORMAT csv, FORCE_NOT_NULL (b))`, "42P10"},
		{`COPY t FROM STDIN (FORMAT csv, FORMAT text)`, "42601"},
		{`COPY t FROM STDIN (BOGUS)`, "42601"},
	} {
		_, err := c.PgConn().CopyFrom(ctx, strings.NewReader(""), tc.sql)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != tc.code || pe.Position == 0 {
			t.Errorf("%s: %v, want %s with a position", tc.sql, err, tc.code)
		}
	}
}

func wherOf(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Where
	}
	return ""
}

// TestCopyTo reads tables and queries with COPY … TO STDOUT in text, csv
// and binary.
func TestCopyTo(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	ctx := context.Background()
	exec(t, c, `CREATE TABLE t (a INT, b STRING)`)
	exec(t, c, `INSERT INTO t VALUES (1, 'plain'), (2, 'tab	and "quote", comma'), (3, NULL)`)
	for _, tc := range []struct{ sql, want string }{
		{`COPY (SELECT a, b FROM t ORDER BY a) TO STDOUT`, "1\tplain\n2\ttab\\tand \"quote\", comma\n3\t\\N\n"},
		{`COPY (SELECT a, b FROM t ORDER BY a) TO STDOUT WITH (FORMAT csv, HEADER)`, "a,b\n1,plain\n2,\"tab\tand \"\"quote\"\", comma\"\n3,\n"},
		{`COPY (SELECT b, a FROM t WHERE a > 1 ORDER BY a) TO STDOUT WITH CSV FORCE QUOTE *`, "\"tab\tand \"\"quote\"\", comma\",\"2\"\n,\"3\"\n"},
		{`COPY (SELECT a FROM t WHERE a < 3 ORDER BY a) TO STDOUT (FORMAT csv, FORCE_QUOTE (a), DELIMITER '|')`, "\"1\"\n\"2\"\n"},
	} {
		var buf bytes.Buffer
		tag, err := c.PgConn().CopyTo(ctx, &buf, tc.sql)
		if err != nil || buf.String() != tc.want || !strings.HasPrefix(tag.String(), "COPY ") {
			t.Errorf("%s:\n got %q (%s, %v)\nwant %q", tc.sql, buf.String(), tag, err, tc.want)
		}
	}
	var buf bytes.Buffer
	tag, err := c.PgConn().CopyTo(ctx, &buf, `COPY t TO STDOUT`)
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if err != nil || tag.String() != "COPY 3" || len(lines) != 3 {
		t.Errorf("COPY t TO STDOUT: %q %s %v", buf.String(), tag, err)
	}
	buf.Reset()
	if _, err := c.PgConn().CopyTo(ctx, &buf, `COPY t (a) TO STDOUT (FORMAT binary)`); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	// Signature, flags, extension; then per row a field count of 1 and a
	// 4-byte int4; then the trailer -1.
	if !bytes.HasPrefix(b, []byte("PGCOPY\n\xff\r\n\x00")) || len(b) != 19+3*(2+4+4)+2 || !bytes.HasSuffix(b, []byte{0xff, 0xff}) {
		t.Errorf("binary COPY: %q", b)
	}
	e := pgErr(t, c, `COPY (SELECT nope FROM t) TO STDOUT`)
	if e.Code != "42703" || e.Position != 14 {
		t.Errorf("bad query in COPY: %+v", e)
	}
}

// TestCopySubscribe: COPY (SUBSCRIBE TO v) TO STDOUT, and COPY of a
// subscription to a query, stream the changes (op, op_ts, columns) as they
// happen until the client cancels (57014); the session goes on, and the
// subscription and its temporary query are freed.
func TestCopySubscribe(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, `CREATE TABLE t (a INT, b STRING)`)
	exec(t, c, `INSERT INTO t VALUES (1, 'one')`)
	exec(t, c, `CREATE MATERIALIZED VIEW v AS SELECT a, b FROM t WHERE a > 0`)
	exec(t, c, `FLUSH`)

	next := 2
	for _, sql := range []string{
		`COPY (SUBSCRIBE TO v) TO STDOUT`,
		`COPY (SUBSCRIBE (SELECT a, b FROM t WHERE a > 0)) TO STDOUT`,
	} {
		sub := cancellable(t, n)
		ctx, cancel := context.WithCancel(context.Background())
		first, added := "+I\t1\tone", fmt.Sprintf("+I\t%d\tn%d", next, next)
		w := &watchWriter{want: map[string]chan struct{}{first: make(chan struct{}), added: make(chan struct{})}}
		done := make(chan error, 1)
		go func() {
			_, err := sub.PgConn().CopyTo(ctx, w, sql)
			done <- err
		}()
		w.wait(t, first)
		exec(t, c, fmt.Sprintf(`INSERT INTO t VALUES (%d, 'n%d')`, next, next))
		w.wait(t, added)
		cancel()
		err := <-done
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "57014" {
			t.Fatalf("%s: cancelled COPY: %v", sql, err)
		}
		equal(t, "session after cancel", rows(t, sub, `SELECT a FROM v WHERE a = 1`), "1")
		waitIdle(t, n)
		sub.Close(context.Background())
		next++
	}
}

// TestCancelStatement: a CancelRequest (pgx with a cancel-request context
// watcher) ends a running statement with 57014, and the session goes on.
func TestCancelStatement(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, `CREATE TABLE t (a INT)`)
	exec(t, c, `CREATE MATERIALIZED VIEW v AS SELECT a FROM t`)
	sub := cancellable(t, n)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	rs, err := sub.Query(ctx, `SUBSCRIBE TO v`)
	if err == nil {
		for rs.Next() {
		}
		err = rs.Err()
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57014" || pe.Message != "canceling statement due to user request" {
		t.Fatalf("cancelled SUBSCRIBE: %v", err)
	}
	equal(t, "after cancel", rows(t, sub, `SELECT 1`), "1")
}

// cancellable connects with pgx set to send a CancelRequest when a
// context ends (its default closes the connection instead).
func cancellable(t *testing.T, n *Node) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig("postgres://riffle@" + n.Addr() + "/riffle?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, DeadlineDelay: 5 * time.Second}
	}
	c, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// watchWriter collects COPY data and signals when given lines arrive.
type watchWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want map[string]chan struct{}
}

// Write notes each wanted line when it comes, a subscription's row
// compared without its commit time (the second field, op_ts), which must
// be there.
func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for _, line := range strings.Split(w.buf.String(), "\n") {
		f := strings.Split(line, "\t")
		if len(f) < 3 || f[1] == "" {
			continue
		}
		key := f[0] + "\t" + strings.Join(f[2:], "\t")
		if ch, ok := w.want[key]; ok {
			close(ch)
			delete(w.want, key)
		}
	}
	return len(p), nil
}

func (w *watchWriter) wait(t *testing.T, line string) {
	t.Helper()
	w.mu.Lock()
	ch, ok := w.want[line]
	w.mu.Unlock()
	if !ok {
		return
	}
	select {
	case <-ch:
	case <-time.After(20 * time.Second):
		w.mu.Lock()
		defer w.mu.Unlock()
		t.Fatalf("no %q in COPY output %q", line, w.buf.String())
	}
}

// TestPsqlCopy runs psql's \copy both ways.
func TestPsqlCopy(t *testing.T) {
	psql, err := osexec.LookPath("psql")
	if err != nil {
		t.Skip("psql not installed; install postgresql-client to run this test")
	}
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, `CREATE TABLE t (a INT, b STRING)`)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(in, []byte("a,b\n1,one\n2,\"two, too\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	host, port, _ := strings.Cut(n.Addr(), ":")
	out, err := runPsql(psql, host, port, `\copy t from '`+in+`' with (format csv, header)`,
		`\copy (SELECT a, b FROM t ORDER BY a) to stdout with csv`)
	if err != nil || out != "1,one\n2,\"two, too\"\n" {
		t.Fatalf("psql \\copy: %v\n%q", err, out)
	}
}

func runPsql(psql, host, port string, cmds ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := []string{"-h", host, "-p", port, "-U", "riffle", "-d", "riffle", "-X", "-q", "-v", "ON_ERROR_STOP=1"}
	for _, c := range cmds {
		args = append(args, "-c", c)
	}
	cmd := osexec.CommandContext(ctx, psql, args...)
	cmd.Env = append(os.Environ(), "PGSSLMODE=disable", "PGCONNECT_TIMEOUT=10")
	cmd.Stdin = strings.NewReader("")
	out, err := cmd.CombinedOutput()
	return string(out), err
}
