package clients

import (
	"os/exec"
	"testing"
)

// TestPsycopg2 runs testdata/clients/psycopg2_client.py: parameterised queries
// and named cursors over a SELECT and a SUBSCRIBE.
func TestPsycopg2(t *testing.T) {
	py := ""
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if path, err := exec.LookPath(p); err == nil && exec.Command(path, "-c", "import psycopg2").Run() == nil {
			py = path
			break
		}
	}
	if py == "" {
		t.Skip("psycopg2 is not installed (Debian: apt-get install python3-psycopg2)")
	}
	n := startNode(t)
	host, port := hostPort(t, n)
	out, code := run(t, absTestdata(t, ""), py, "psycopg2_client.py", host, port)
	if code != 0 {
		t.Fatalf("psycopg2_client.py exited with %d:\n%s", code, out)
	}
	expect(t, "psycopg2", out)
}
