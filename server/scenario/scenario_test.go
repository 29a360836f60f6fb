package scenario

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// binary is the riffle binary built by TestMain for the crash
// configuration; empty when the build failed (buildErr says why) or in
// -short mode.
var binary, buildErr = "", error(nil)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	flag.Parse()
	dir, err := os.MkdirTemp("", "riffle-scenario-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	defer StopPostgres()
	if !testing.Short() {
		binary, buildErr = build(dir)
	}
	return m.Run()
}

// build compiles the riffle binary once for all crash configurations.
func build(dir string) (string, error) {
	out := filepath.Join(dir, "riffle")
	cmd := exec.Command("go", "build", "-o", out, "riffle/cli")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build riffle/cli: %v\n%s", err, b)
	}
	return out, nil
}

// TestScenarios runs every file of testdata/stream in every configuration,
// as subtests named <file>/<configuration>.
func TestScenarios(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "stream", "*.test"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenario files in testdata/stream (%v)", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			runAll(t, path)
		})
	}
}

// runAll runs a file in every configuration. The first configuration that
// is not skipped (the insert ones skip a file with delete lines until riffle
// has DELETE) runs through datadriven.RunTest, so -rewrite writes its
// outputs; the others compare with the file.
func runAll(t *testing.T, path string) {
	first := true
	for _, c := range Configs(binary) {
		skipped := false
		ok := t.Run(c.Name, func(t *testing.T) {
			defer func() { skipped = t.Skipped() }()
			Run(t, path, c, first)
		})
		if !ok && first {
			return // the other configurations compare against the first
		}
		first = first && skipped
	}
	if binary == "" {
		t.Run("crash", func(t *testing.T) {
			if testing.Short() {
				t.Skip("the crash configuration needs the riffle binary; not built in -short mode")
			}
			t.Skipf("the crash configuration needs the riffle binary, which did not build: %v", buildErr)
		})
	}
}
