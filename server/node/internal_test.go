package node

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestNoInternalErrors runs every statement of the SQL and planner golden
// files against a whole server, in order, and fails on any internal error
// (XX000): whatever a user types gets a result or an error with a real
// SQLSTATE, never a crash turned into "internal error".
func TestNoInternalErrors(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	var files []string
	for _, dir := range []string{"sql", "planner", "planner/corpus"} {
		fs, _ := filepath.Glob(filepath.Join("../../testdata", dir, "*.test"))
		files = append(files, fs...)
	}
	if len(files) == 0 {
		t.Fatal("no golden files found")
	}
	count := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, sql := range statementsOf(string(data)) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, err := c.Exec(ctx, sql)
			cancel()
			count++
			var pe *pgconn.PgError
			switch {
			case errors.As(err, &pe) && pe.Code == "XX000":
				t.Errorf("%s: internal error for\n%s\n  -> %s", f, sql, pe.Message)
			case err != nil && !errors.As(err, &pe):
				c = connect(t, n) // the connection broke (a timeout): carry on
			}
		}
	}
	t.Logf("%d statements", count)
}

// statementsOf extracts the inputs of a datadriven file: the lines between
// a directive line and its "----".
func statementsOf(file string) []string {
	var out []string
	for _, block := range strings.Split(file, "\n\n") {
		lines := strings.Split(strings.TrimSpace(block), "\n")
		for len(lines) > 0 && strings.HasPrefix(lines[0], "#") {
			lines = lines[1:]
		}
		if len(lines) < 2 {
			continue
		}
		var body []string
		for _, l := range lines[1:] {
			if l == "----" {
				break
			}
			body = append(body, l)
		}
		if sql := strings.TrimSpace(strings.Join(body, "\n")); sql != "" {
			out = append(out, sql)
		}
	}
	return out
}
