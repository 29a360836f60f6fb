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

	"github.com/jackc/pgx/v5"
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
func startServer(t *testing.T, dir, addr, kafkaAddr string) *server {
	t.Helper()
	s := &server{addr: addr, stderr: &bytes.Buffer{}}
	s.cmd = exec.Command(binary, "server", "--data-dir", dir, "--listen", addr,
		"--kafka-listen", kafkaAddr, "--registry-listen", "127.0.0.1:0")
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
	if err := c.QueryRow(context.Background(), "SHOW QUERIES").Scan(&id, &stmt, &state, nil, nil, nil, nil, nil); err != nil || state != "RUNNING" {
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
