package clients

import (
	"os"
	"path/filepath"
	"testing"
)

// TestNodePostgres runs testdata/clients/node/pg.js with node-postgres,
// installed from the committed package-lock.json into a temporary
// directory.
func TestNodePostgres(t *testing.T) {
	nodeBin, npm := lookPath("node", "nodejs"), lookPath("npm")
	if nodeBin == "" || npm == "" {
		t.Skip("Node.js and npm are not installed (Debian: apt-get install nodejs npm)")
	}
	dir := t.TempDir()
	for _, f := range []string{"package.json", "package-lock.json", "pg.js"} {
		b, err := os.ReadFile(filepath.Join(testdata, "node", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, code := run(t, dir, npm, "ci", "--no-audit", "--no-fund", "--prefix", dir); code != 0 {
		t.Skipf("npm could not install node-postgres (is the npm registry reachable?): %s", oneLine(out))
	}
	n := startNode(t)
	host, port := hostPort(t, n)
	out, code := run(t, dir, nodeBin, "pg.js", host, port)
	if code != 0 {
		t.Fatalf("pg.js exited with %d:\n%s", code, out)
	}
	expect(t, "node-postgres", out)
}
