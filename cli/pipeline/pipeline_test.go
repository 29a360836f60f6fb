package pipeline

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"riffle/server/node"
)

// example is the example pipeline repository the docs walk through.
var example = filepath.Join("..", "..", "testdata", "pipeline")

// copyExample copies the example pipeline into a temporary directory, with
// the given files written over it (path → text; "" removes the file).
func copyExample(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	err := filepath.WalkDir(example, func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(example, path)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return write(filepath.Join(dir, rel), string(b))
	})
	if err != nil {
		t.Fatal(err)
	}
	edit(t, dir, files)
	return dir
}

func edit(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for rel, text := range files {
		path := filepath.Join(dir, rel)
		if text == "" {
			os.Remove(path)
			continue
		}
		if err := write(path, text); err != nil {
			t.Fatal(err)
		}
	}
}

func write(path, text string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(text), 0o644)
}

// mustContain checks that out has each of wants, runs of spaces counting
// as one (plan lines are aligned in columns).
func mustContain(t *testing.T, what, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(squeeze(out), squeeze(w)) {
			t.Errorf("%s: output lacks %q:\n%s", what, w, out)
		}
	}
}

func TestCheckExample(t *testing.T) {
	var out bytes.Buffer
	code, err := CheckDir(example, &out)
	if err != nil || code != 0 {
		t.Fatalf("check of the example: code %d, %v\n%s", code, err, out.String())
	}
	mustContain(t, "check", out.String(), "ok (2 tables, 1 views, 2 materialized views, 1 queries)")
}

// TestCheckErrors: a broken file fails check with file:line:col and its
// SQLSTATE; what reads it is reported as waiting for it; a statement that
// declares nothing is refused, and so is a name declared twice.
func TestCheckErrors(t *testing.T) {
	dir := copyExample(t, map[string]string{
		"views/broken.sql":  "-- a typo\nCREATE VIEW broken AS\nSELECT auction, pricee FROM bids;\n",
		"views/reader.sql":  "CREATE MATERIALIZED VIEW reader AS SELECT auction FROM broken;\n",
		"views/syntax.sql":  "CREATE VIEW syntax AS SELECT FROM FROM bids;\n",
		"queries/once.sql":  "INSERT INTO big_bids VALUES (1, 2, 3, 'web');\n",
		"tables/zz.sql":     "\n\nCREATE TABLE bids (a INT);\n",
		"views/dropped.sql": "DROP VIEW valid_bids;\n",
	})
	var out bytes.Buffer
	code, err := CheckDir(dir, &out)
	if err != nil || code != 1 {
		t.Fatalf("check: code %d, %v\n%s", code, err, out.String())
	}
	p := func(rel string) string { return filepath.Join(dir, rel) }
	mustContain(t, "check", out.String(),
		p("views/broken.sql")+`:3:17: column "pricee" does not exist (SQLSTATE 42703)`,
		p("views/reader.sql")+":1:",
		"note: broken is declared at views/broken.sql:2:1, which has an error of its own",
		p("views/syntax.sql")+":1:",
		"(SQLSTATE 42601)",
		p("queries/once.sql")+":1:1: INSERT … VALUES writes rows once",
		p("tables/zz.sql")+`:3:1: table "bids" is declared twice; it was first declared at tables/bids.sql:2:1 (SQLSTATE 42P07)`,
		p("views/dropped.sql")+":1:1: a pipeline file declares tables, views and queries",
		"error(s)")
}

// TestNormalize: layout, comments, keyword case and OR REPLACE are no
// change; a literal, a quoted name or a hint is.
func TestNormalize(t *testing.T) {
	a := Normalize("CREATE MATERIALIZED VIEW v AS\n  -- why\n  SELECT a, COUNT(*) FROM t GROUP BY a;")
	for _, same := range []string{
		"create or replace materialized view V as select A, count(*) from T group by A",
		"CREATE MATERIALIZED VIEW IF NOT EXISTS v AS /* c */ SELECT a,COUNT( * ) FROM t GROUP BY a",
	} {
		if Normalize(same) != a {
			t.Errorf("%q normalises to %q, want %q", same, Normalize(same), a)
		}
	}
	for _, other := range []string{
		"CREATE MATERIALIZED VIEW v AS SELECT a, COUNT(*) FROM t WHERE a = 'x' GROUP BY a",
		`CREATE MATERIALIZED VIEW "V" AS SELECT a, COUNT(*) FROM t GROUP BY a`,
		"CREATE MATERIALIZED VIEW v AS SELECT /*+ STATE_TTL('t' = '1h') */ a, COUNT(*) FROM t GROUP BY a",
	} {
		if Normalize(other) == a {
			t.Errorf("%q normalises like the original", other)
		}
	}
}

func TestTestExample(t *testing.T) {
	var out bytes.Buffer
	code, err := Test(example, TestOptions{Out: &out})
	if err != nil || code != 0 {
		t.Fatalf("test of the example: code %d, %v\n%s", code, err, out.String())
	}
	mustContain(t, "test", out.String(), "PASS "+filepath.Join(example, "tests", "auctions.test"), "\n1 passed, 0 failed\n")
}

// TestTestFailure: a wrong expectation fails with file:line, the expected
// and actual output and a diff; the other directives still run; --rewrite
// writes what riffle gave, after which the file passes.
func TestTestFailure(t *testing.T) {
	orig, err := os.ReadFile(filepath.Join(example, "tests", "auctions.test"))
	if err != nil {
		t.Fatal(err)
	}
	wrong := strings.Replace(string(orig), "per_auction +U (1, 3, 150)", "per_auction +U (1, 3, 160)", 1)
	wrong = strings.Replace(wrong, "\n(1, 150)\n", "\n(1, 151)\n", 1)
	if wrong == string(orig) {
		t.Fatal("the example test changed: update this test's edits")
	}
	dir := copyExample(t, map[string]string{"tests/auctions.test": wrong})
	file := filepath.Join(dir, "tests", "auctions.test")
	var out bytes.Buffer
	code, err := Test(dir, TestOptions{Out: &out})
	if err != nil || code != 1 {
		t.Fatalf("test: code %d, %v\n%s", code, err, out.String())
	}
	mustContain(t, "test", out.String(), "FAIL "+file,
		file+":12: step: output differs", "- per_auction +U (1, 3, 160)\n    + per_auction +U (1, 3, 150)",
		file+":24: query: output differs", "- (1, 151)\n    + (1, 150)", "\n0 passed, 1 failed\n")

	out.Reset()
	if code, err := Test(dir, TestOptions{Out: &out, Rewrite: true}); err != nil || code != 0 {
		t.Fatalf("test --rewrite: code %d, %v\n%s", code, err, out.String())
	}
	got, _ := os.ReadFile(file)
	if string(got) != string(orig) {
		t.Errorf("--rewrite wrote\n%s\nwant\n%s", got, orig)
	}
	out.Reset()
	if code, err := Test(dir, TestOptions{Out: &out}); err != nil || code != 0 {
		t.Fatalf("test after --rewrite: code %d, %v\n%s", code, err, out.String())
	}
}

// TestTestThorough runs the example's test in every in-process
// configuration riffle's own scenarios use.
func TestTestThorough(t *testing.T) {
	if testing.Short() {
		t.Skip("every configuration: not in -short mode")
	}
	var out bytes.Buffer
	if code, err := Test(example, TestOptions{Out: &out, Thorough: true}); err != nil || code != 0 {
		t.Fatalf("test --thorough: code %d, %v\n%s", code, err, out.String())
	}
}

// startNode starts a whole riffle in process, on free ports.
func startNode(t *testing.T) (*node.Node, *pgx.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := node.Start(ctx, node.Options{DataDir: t.TempDir(), Listen: "127.0.0.1:0",
		KafkaListen: "127.0.0.1:0", RegistryListen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	c, err := pgx.Connect(ctx, connString(n))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return n, c
}

func connString(n *node.Node) string {
	return "postgres://riffle@" + n.Addr() + "/riffle?sslmode=disable"
}

func sqlRows(t *testing.T, c *pgx.Conn, sql string) []string {
	t.Helper()
	rows, err := textRows(context.Background(), c, sql)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, strings.Join(r, "|"))
	}
	return out
}

func mustExec(t *testing.T, c *pgx.Conn, sql string) {
	t.Helper()
	if _, err := c.Exec(context.Background(), sql, pgx.QueryExecModeSimpleProtocol); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func apply(t *testing.T, n *node.Node, dir string, o ApplyOptions) (int, string) {
	t.Helper()
	var out bytes.Buffer
	o.Out, o.ConnString = &out, connString(n)
	code, err := Apply(context.Background(), dir, o)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, out.String())
	}
	return code, out.String()
}

// gitCommitAll makes dir a Git repository with everything committed; false
// when git is not installed.
func gitCommitAll(t *testing.T, dir string) bool {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		return false
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "."}, {"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "pipeline"}} {
		if out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	return true
}

var spaces = regexp.MustCompile(` {2,}`)

func squeeze(s string) string { return spaces.ReplaceAllString(s, " ") }
