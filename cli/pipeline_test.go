package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// riffle runs the binary with args and returns its exit code and output.
func riffle(t *testing.T, args ...string) (int, string) {
	t.Helper()
	out, err := exec.Command(binary, args...).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatalf("riffle %v: %v", args, err)
	}
	return 0, string(out)
}

// TestPipelineCommands runs check, test and apply as a CI job would, on
// the example pipeline, with flags before and after the directory.
func TestPipelineCommands(t *testing.T) {
	example := filepath.Join("..", "testdata", "pipeline")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"check", example}, 0, "ok (2 tables, 1 views, 2 materialized views, 1 queries)"},
		{[]string{"check", filepath.Join("..", "testdata", "no-such-pipeline")}, 1, "no-such-pipeline"},
		{[]string{"check"}, 2, "check takes one directory"},
		{[]string{"test", example, "--run", "auctions"}, 0, "\n1 passed, 0 failed\n"},
		{[]string{"apply", "--help"}, 0, "-allow-breaking"},
	} {
		code, out := riffle(t, c.args...)
		if code != c.code || !strings.Contains(out, c.want) {
			t.Errorf("riffle %s: exit %d, want %d with %q:\n%s", strings.Join(c.args, " "), code, c.code, c.want, out)
		}
	}

	s := startServer(t, t.TempDir(), freePort(t), freePort(t))
	code, out := riffle(t, "apply", example, "--listen", s.addr, "--dry-run")
	if code != 0 || !strings.Contains(out, "6 to create") || !strings.Contains(out, "Dry run: nothing changed.") {
		t.Fatalf("apply --dry-run: exit %d\n%s", code, out)
	}
	code, out = riffle(t, "apply", "--listen", s.addr, example)
	if code != 0 || !strings.Contains(out, "Applied 6 change(s).") {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	code, out = riffle(t, "apply", example, "postgres://riffle@"+s.addr+"/riffle?sslmode=disable")
	if code != 0 || !strings.Contains(out, "6 unchanged") || !strings.Contains(out, "Nothing to do.") {
		t.Fatalf("apply again, by URL: exit %d\n%s", code, out)
	}
}
