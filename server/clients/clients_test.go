package clients

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"riffle/server/node"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected outputs in testdata/clients")

const testdata = "../../testdata/clients"

// startNode starts a whole riffle on free loopback ports.
func startNode(t *testing.T) *node.Node {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := node.Start(ctx, node.Options{DataDir: dir, Listen: "127.0.0.1:0", KafkaListen: "127.0.0.1:0", RegistryListen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

func hostPort(t *testing.T, n *node.Node) (string, string) {
	t.Helper()
	host, port, err := net.SplitHostPort(n.Addr())
	if err != nil {
		t.Fatal(err)
	}
	return host, port
}

// run runs a client program with a time limit and returns its output and
// exit code (-1 when it could not run or was killed).
func run(t *testing.T, dir string, name string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PGTZ=UTC", "TZ=UTC")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &exit):
		return out.String(), exit.ExitCode()
	}
	return out.String() + err.Error(), -1
}

// expect compares a client's output with testdata/clients/name.out.
func expect(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(testdata, name+".out")
	if *rewrite {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s output differs from %s\n got:\n%s\nwant:\n%s", name, path, got, want)
	}
}

// lookPath finds the first of names that is installed.
func lookPath(names ...string) string {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

func absTestdata(t *testing.T, sub string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join(testdata, sub))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func oneLine(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\n", " | ")) }
