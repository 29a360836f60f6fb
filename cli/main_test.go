package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"riffle/connectors/embedded"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"
)

// binary is the riffle binary built once for the tests that run it as a
// user would.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "riffle-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "riffle")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build riffle: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// server is a riffle server process.
type server struct {
	cmd    *exec.Cmd
	addr   string
	stderr *bytes.Buffer
}

// startServer runs `riffle server` over dir and waits for its gateway.
// The broker and registry addresses stay the same across restarts of one
// test, as a user's would.
func startServer(t *testing.T, dir, addr, kafkaAddr string, flags ...string) *server {
	t.Helper()
	s := &server{addr: addr, stderr: &bytes.Buffer{}}
	s.cmd = exec.Command(binary, append([]string{"server", "--data-dir", dir, "--listen", addr,
		"--kafka-listen", kafkaAddr, "--registry-listen", "127.0.0.1:0"}, flags...)...)
	s.cmd.Stderr = s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// A failing test must not leave a server behind.
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			s.cmd.Process.Kill()
			s.cmd.Wait()
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return s
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.cmd.Process.Kill()
	t.Fatalf("riffle server did not start:\n%s", s.stderr)
	return nil
}

func (s *server) kill(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()
}

func (s *server) stop(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("riffle server exited with %v:\n%s", err, s.stderr)
	}
}

func (s *server) conn(t *testing.T) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, "postgres://riffle@"+s.addr+"/riffle?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func mustExec(t *testing.T, c *pgx.Conn, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := c.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// viewState summarises a view's contents: row count and a checksum of the
// ids, so a record counted twice or missed shows.
func viewState(t *testing.T, c *pgx.Conn) (int, int64) {
	t.Helper()
	rows, err := c.Query(context.Background(), "SELECT id FROM evens")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n, sum := 0, int64(0)
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		n++
		sum += id
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return n, sum
}

// TestCrashRecovery kills riffle with SIGKILL while a materialized view is
// consuming, restarts it on the same data directory, and checks that the
// catalog and query are back and that the view counts every input record
// exactly once.
func TestCrashRecovery(t *testing.T) {
	dir := t.TempDir()
	addr, kafkaAddr := freePort(t), freePort(t)
	s := startServer(t, dir, addr, kafkaAddr)
	c := s.conn(t)
	mustExec(t, c, `CREATE TABLE events (id BIGINT, kind STRING) WITH ('topic.partitions' = '3')`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW evens AS SELECT id, upper(kind) AS kind FROM events WHERE id % 2 = 0`)
	const batches, per = 6, 200
	next := 0
	insert := func(c *pgx.Conn) {
		var b strings.Builder
		b.WriteString("INSERT INTO events VALUES ")
		for i := range per {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "(%d, 'k%d')", next, next%5)
			next++
		}
		mustExec(t, c, b.String())
	}
	for i := range batches {
		insert(c)
		if i%2 == 1 {
			// Kill while the view is still consuming what was just written.
			s.kill(t)
			s = startServer(t, dir, addr, kafkaAddr)
			c = s.conn(t)
		}
	}
	mustExec(t, c, "FLUSH")
	wantN, wantSum := next/2, int64(0)
	for i := 0; i < next; i += 2 {
		wantSum += int64(i)
	}
	if n, sum := viewState(t, c); n != wantN || sum != wantSum {
		t.Fatalf("after crashes: %d rows, id sum %d; want %d rows, sum %d", n, sum, wantN, wantSum)
	}
	var id, stmt, state string
	if err := c.QueryRow(context.Background(), "SHOW QUERIES").Scan(&id, &stmt, &state, nil, nil, nil, nil, nil, nil, nil, nil, nil); err != nil || state != "RUNNING" {
		t.Fatalf("SHOW QUERIES after crashes: %s %s %v", id, state, err)
	}

	// A clean stop and start changes nothing either.
	s.stop(t)
	s = startServer(t, dir, addr, kafkaAddr)
	c = s.conn(t)
	insert(c)
	mustExec(t, c, "FLUSH")
	if n, _ := viewState(t, c); n != next/2 {
		t.Fatalf("after clean restart: %d rows, want %d", n, next/2)
	}
	s.stop(t)
}

// TestPsql runs the README's first steps through the real psql client.
func TestPsql(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Skip("psql is not installed; install postgresql-client to run this test")
	}
	dir := t.TempDir()
	addr := freePort(t)
	s := startServer(t, dir, addr, freePort(t))
	defer s.stop(t)
	host, port, _ := net.SplitHostPort(addr)
	script := `CREATE TABLE orders (id BIGINT, customer STRING, amount DECIMAL(10, 2));
INSERT INTO orders VALUES (1, 'ada', 25.50), (2, 'bob', 7.25), (3, 'ada', 99.99);
CREATE MATERIALIZED VIEW big_orders AS SELECT id, customer, amount FROM orders WHERE amount > 10;
FLUSH;
SELECT * FROM big_orders ORDER BY id;
SELECT nope FROM orders;
`
	cmd := exec.Command(psql, "-h", host, "-p", port, "-U", "riffle", "-X", "-A", "riffle")
	cmd.Stdin = strings.NewReader(script)
	out, _ := cmd.CombinedOutput()
	want := `CREATE TABLE
INSERT 0 3
CREATE MATERIALIZED VIEW
FLUSH
id|customer|amount
1|ada|25.50
3|ada|99.99
(2 rows)
ERROR:  column "nope" does not exist
LINE 1: SELECT nope FROM orders;
               ^
`
	if string(out) != want {
		t.Fatalf("psql output:\n%s\nwant:\n%s", out, want)
	}
}

// TestHelp checks that --help documents the commands and every flag.
func TestHelp(t *testing.T) {
	out, _ := exec.Command(binary, "--help").CombinedOutput()
	for _, want := range []string{"riffle server", "riffle shell", "-data-dir", "-listen", "-kafka", "-registry", "RIFFLE_DATA_DIR"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("--help does not mention %q:\n%s", want, out)
		}
	}
}

// TestShell drives `riffle shell` with a script against a running server.
func TestShell(t *testing.T) {
	addr := freePort(t)
	s := startServer(t, t.TempDir(), addr, freePort(t))
	defer s.stop(t)
	cmd := exec.Command(binary, "shell", "--listen", addr)
	cmd.Stdin = strings.NewReader(`CREATE TABLE t (a INT, b STRING);
INSERT INTO t VALUES (1, 'one'), (2, 'two');
CREATE MATERIALIZED VIEW v AS SELECT a * 10 AS a10, b FROM t WHERE a > 1;
FLUSH;
SELECT * FROM v;
SHOW MATERIALIZED VIEWS;
STOP QUERY q1;
SELECT id, state FROM (SELECT 1 AS id, 'x' AS state) AS s;
`)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("riffle shell: %v\n%s", err, out)
	}
	for _, want := range []string{"CREATE MATERIALIZED VIEW", " a10 |  b", "  20 | two", "(1 row)", "STOP QUERY"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("shell output lacks %q:\n%s", want, out)
		}
	}
	c := s.conn(t)
	var id, stmt, state string
	if err := c.QueryRow(context.Background(), "SHOW QUERIES").Scan(&id, &stmt, &state, nil, nil, nil, nil, nil, nil, nil, nil, nil); err != nil || state != "STOPPED" {
		t.Fatalf("after STOP QUERY: %s %s %v", id, state, err)
	}

	// A script stops at its first error, with psql's exit code.
	cmd = exec.Command(binary, "shell", "--listen", addr)
	cmd.Stdin = strings.NewReader("SELECT nope FROM t;\nSELECT 1;\n")
	out, err = cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 3 || !strings.Contains(string(out), `column "nope" does not exist`) {
		t.Fatalf("shell error: exit %d, %v\n%s", code, err, out)
	}
}

// TestExternalKafka points riffle at a Kafka cluster it did not start
// (through RIFFLE_KAFKA), so no embedded broker runs.
func TestExternalKafka(t *testing.T) {
	broker, err := embedded.StartBroker(t.TempDir(), "127.0.0.1:0", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer broker.Close()
	addr := freePort(t)
	cmd := exec.Command(binary, "server", "--data-dir", t.TempDir(), "--listen", addr, "--registry-listen", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "RIFFLE_KAFKA="+broker.Addr())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, addr: addr, stderr: &stderr}
	defer s.kill(t)
	for i := 0; ; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if i > 600 {
			t.Fatalf("riffle did not start:\n%s", &stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	c := s.conn(t)
	mustExec(t, c, `CREATE TABLE ext (a INT)`)
	mustExec(t, c, `INSERT INTO ext VALUES (42)`)
	cl, err := kgo.NewClient(kgo.SeedBrokers(broker.Addr()), kgo.ConsumeTopics("ext"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fs := cl.PollFetches(ctx)
	if err := fs.Err(); err != nil {
		t.Fatal(err)
	}
	if recs := fs.Records(); len(recs) != 1 || string(recs[0].Value) != `{"a":42}` {
		t.Fatalf("records on the external broker: %v", recs)
	}
	if !strings.Contains(stderr.String(), "kafka:     "+broker.Addr()) {
		t.Errorf("banner does not name the external broker:\n%s", &stderr)
	}
}
