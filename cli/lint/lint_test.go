package lint

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const module = "riffle"

// allowed lists, for each top-level folder, the folders its packages may
// import. The order is the design's: each layer may use only those below it.
var allowed = map[string][]string{
	"sql":        {"sql"},
	"catalog":    {"catalog", "sql"},
	"planner":    {"planner", "catalog", "sql"},
	"connectors": {"connectors", "sql"},
	"exec":       {"exec", "planner", "connectors", "catalog", "sql"},
	"server":     {"server", "exec", "planner", "connectors", "catalog", "sql"},
	"cli":        {"cli", "server", "exec", "planner", "connectors", "catalog", "sql"},
}

// forbidden are narrower rules inside a layer.
var forbidden = map[string][]string{
	// The gateway knows the wire, not the engine: it serves any Handler.
	"riffle/server/pgwire": {"riffle/server/engine", "riffle/exec", "riffle/planner"},
	// The shell is a Postgres client; it must work against any server.
	"riffle/cli/shell": {"riffle/server", "riffle/exec", "riffle/planner", "riffle/catalog", "riffle/connectors"},
}

type pkg struct {
	ImportPath   string
	Dir          string
	Name         string
	Imports      []string
	TestImports  []string
	XTestImports []string
	GoFiles      []string
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "./...")
	cmd.Dir = repoRoot(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func layer(importPath string) string {
	rest := strings.TrimPrefix(importPath, module+"/")
	return strings.SplitN(rest, "/", 2)[0]
}

// TestLayering checks that dependencies point downward only. Test files
// count too, except end-to-end tests, which may start a whole server.
func TestLayering(t *testing.T) {
	for _, p := range listPackages(t) {
		from := layer(p.ImportPath)
		ok, known := allowed[from]
		if !known {
			t.Errorf("package %s is outside the top-level folders", p.ImportPath)
			continue
		}
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			if !contains(ok, layer(imp)) {
				t.Errorf("%s imports %s: %s may only depend on %v", p.ImportPath, imp, from, ok)
			}
			for _, f := range forbidden[p.ImportPath] {
				if imp == f || strings.HasPrefix(imp, f+"/") {
					t.Errorf("%s must not import %s", p.ImportPath, imp)
				}
			}
		}
	}
}

// TestDocFiles checks that every package says what it is in a doc.go.
func TestDocFiles(t *testing.T) {
	for _, p := range listPackages(t) {
		if p.Name == "main" {
			continue
		}
		if _, err := os.Stat(filepath.Join(p.Dir, "doc.go")); err != nil {
			t.Errorf("package %s has no doc.go", p.ImportPath)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestGofmt checks formatting.
func TestGofmt(t *testing.T) {
	cmd := exec.Command("gofmt", "-l", ".")
	cmd.Dir = repoRoot(t)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("gofmt: %v\n%s", err, out)
	}
	if s := strings.TrimSpace(string(out)); s != "" {
		t.Errorf("gofmt would reformat:\n%s", s)
	}
}

// TestVet runs go vet over the module.
func TestVet(t *testing.T) {
	if testing.Short() {
		t.Skip("go vet skipped in -short mode")
	}
	run(t, "go", "vet", "./...")
}

// TestStaticcheck runs staticcheck, pinned in go.mod as a tool.
func TestStaticcheck(t *testing.T) {
	if testing.Short() {
		t.Skip("staticcheck skipped in -short mode")
	}
	run(t, "go", "tool", "staticcheck", "./...")
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = repoRoot(t)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}
