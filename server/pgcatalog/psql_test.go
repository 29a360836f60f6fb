package pgcatalog_test

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	osexec "os/exec"
	"strings"
	"testing"

	"riffle/server/node"
)

// TestPsqlDescribe drives the real psql's describe commands against riffle:
// they run psql's own catalog queries (the ones in pgclients/psql.sql),
// which riffle answers from its catalog.
func TestPsqlDescribe(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a riffle node")
	}
	psql, err := osexec.LookPath("psql")
	if err != nil {
		t.Skip("psql is not installed (Debian package postgresql-client)")
	}
	url := startRiffle(t, "riffle")
	run(t, url, []string{
		"CREATE TABLE orders (id BIGINT PRIMARY KEY, customer STRING NOT NULL, amount DECIMAL(12,2), " +
			"created_at TIMESTAMP_LTZ(3), tags ARRAY<STRING>)",
		"CREATE VIEW big AS SELECT id, amount FROM orders WHERE amount > 100",
		"CREATE MATERIALIZED VIEW totals AS SELECT customer, SUM(amount) AS total FROM orders GROUP BY customer",
	})
	for _, tc := range []struct {
		cmd  string
		want []string
	}{
		{`\d`, []string{
			" public | big    | view              | riffle",
			" public | orders | table             | riffle",
			" public | totals | materialized view | riffle"}},
		{`\dt`, []string{" public | orders | table | riffle", "(1 row)"}},
		{`\dv`, []string{" public | big  | view | riffle"}},
		{`\dm`, []string{" public | totals | materialized view | riffle"}},
		{`\dn`, []string{" public | riffle"}},
		{`\l`, []string{" riffle | riffle | UTF8"}},
		{`\d orders`, []string{
			`Table "public.orders"`,
			" id         | bigint                      |           | not null | ",
			" customer   | text                        |           | not null | ",
			" amount     | numeric(12,2)               |           |          | ",
			" created_at | timestamp(3) with time zone |           |          | ",
			" tags       | text[]                      |           |          | ",
			`    "orders_pkey" PRIMARY KEY, btree (id)`}},
		{`\d+ big`, []string{`View "public.big"`, "View definition:", "SELECT id, amount FROM orders WHERE amount > 100"}},
		{`\d+ totals`, []string{`Materialized view "public.totals"`, " total    | numeric(38,2) |"}},
		{`\d orders_pkey`, []string{`Index "public.orders_pkey"`, `primary key, btree, for table "public.orders"`}},
	} {
		out, err := osexec.Command(psql, "-X", "-d", url, "-c", tc.cmd).CombinedOutput()
		if err != nil {
			t.Errorf("psql -c '%s': %v\n%s", tc.cmd, err, out)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(string(out), w) {
				t.Errorf("psql -c '%s': no line %q in\n%s", tc.cmd, w, out)
			}
		}
	}
}

// TestRunawayCancel: a one-shot query that would build a huge cross
// product stops when its client cancels, and the server serves on.
func TestRunawayCancel(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a riffle node")
	}
	ctx := context.Background()
	url := startRiffle(t, "riffle")
	c := connect(t, url)
	// The cancel goes out of band, as psql's Ctrl-C does; the statement
	// answers 57014 only once the server has stopped it.
	start := time.Now()
	go func() {
		time.Sleep(300 * time.Millisecond)
		_ = c.CancelRequest(ctx)
	}()
	// The condition reads a column of every side, which varies from row
	// to row: a join of rows pruned to a column with few values (count(*)
	// alone reads none) counts equal rows once, with their multiplicity,
	// and ends before the cancel.
	_, err := c.Exec(ctx, "SELECT count(*) FROM pg_attribute a, pg_attribute b, pg_attribute c WHERE a.attname || b.attname || c.attname <> ''").ReadAll()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57014" {
		t.Fatalf("cancelled cross product: %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the cancel took %v", d)
	}
	c2 := connect(t, url)
	if _, err := c2.Exec(ctx, "SELECT 1").ReadAll(); err != nil {
		t.Fatalf("after the cancel: %v", err)
	}
}

// TestPsqlTabCompletion types into a real psql in a terminal (tmux) and
// presses Tab: psql completes table names with its catalog queries, which
// riffle answers.
func TestPsqlTabCompletion(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a riffle node")
	}
	psql, err := osexec.LookPath("psql")
	if err != nil {
		t.Skip("psql is not installed (Debian package postgresql-client)")
	}
	tmux, err := osexec.LookPath("tmux")
	if err != nil {
		t.Skip("tmux is not installed (Debian package tmux)")
	}
	url := startRiffle(t, "riffle")
	run(t, url, []string{"CREATE TABLE orders_2026 (id BIGINT PRIMARY KEY, customer STRING)"})

	sock := "riffle-tab-" + strings.ReplaceAll(t.Name(), "/", "-")
	tm := func(args ...string) string {
		out, err := osexec.Command(tmux, append([]string{"-L", sock}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	tm("new-session", "-d", "-s", "psql", "-x", "120", "-y", "30", psql+" -X -d '"+url+"'")
	t.Cleanup(func() { _ = osexec.Command(tmux, "-L", sock, "kill-server").Run() })
	screen := func(want string) bool {
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if strings.Contains(tm("capture-pane", "-p", "-t", "psql"), want) {
				return true
			}
			time.Sleep(100 * time.Millisecond)
		}
		return false
	}
	if !screen("riffle=") {
		t.Fatalf("psql did not start:\n%s", tm("capture-pane", "-p", "-t", "psql"))
	}
	tm("send-keys", "-t", "psql", "SELECT * FROM ord", "Tab")
	if !screen("SELECT * FROM orders_2026") {
		t.Fatalf("Tab did not complete the table name:\n%s", tm("capture-pane", "-p", "-t", "psql"))
	}
	tm("send-keys", "-t", "psql", " WHERE cust", "Tab")
	if !screen("WHERE customer") {
		t.Fatalf("Tab did not complete the column name:\n%s", tm("capture-pane", "-p", "-t", "psql"))
	}
}

// startRiffle starts a riffle node for the test and returns the URL of
// database db on its gateway.
func startRiffle(t *testing.T, db string) string {
	t.Helper()
	n, err := node.Start(context.Background(), node.Options{DataDir: t.TempDir(), Listen: "127.0.0.1:0",
		KafkaListen: "127.0.0.1:0", RegistryListen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return "postgres://riffle@" + n.Addr() + "/" + db + "?sslmode=disable"
}
