package scenario

import (
	"os"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
)

// Run runs the scenario file at path in configuration c under go test.
// With rewrite, the file is run through datadriven.RunTest, so -rewrite
// writes the outputs of this configuration into it; otherwise the outputs
// are compared with the file as it is now and the file is never written.
func Run(t *testing.T, path string, c Config, rewrite bool) {
	r := newRunner(t, c, t.TempDir())
	r.start()
	t.Cleanup(r.close)
	run := func(t *testing.T, d *datadriven.TestData) string {
		r.t = t
		return r.directive(directiveOf(d))
	}
	if rewrite {
		datadriven.RunTest(t, path, run)
		return
	}
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	datadriven.RunTestFromString(t, string(text), func(t *testing.T, d *datadriven.TestData) string {
		got := run(t, d)
		if got != "" && !strings.HasSuffix(got, "\n") {
			got += "\n"
		}
		if got != d.Expected {
			t.Fatalf("%s: configuration %q differs from the file:\n%s\nexpected:\n%s\nfound:\n%s",
				d.Pos, c.Name, d.Input, d.Expected, got)
		}
		return d.Expected // compared above; RunTestFromString never rewrites the file
	})
}

// directiveOf is datadriven's reading of a directive in the runner's terms.
func directiveOf(d *datadriven.TestData) *Directive {
	out := &Directive{Pos: d.Pos, Cmd: d.Cmd, Input: d.Input, Expected: d.Expected}
	for _, a := range d.CmdArgs {
		out.CmdArgs = append(out.CmdArgs, Arg{Key: a.Key, Vals: a.Vals})
	}
	return out
}

var _ T = (*testing.T)(nil)
