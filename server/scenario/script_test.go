package scenario

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cockroachdb/datadriven"
)

// TestParseScriptAgreesWithDatadriven reads every scenario file both with
// ParseScript and with datadriven, which riffle's own tests use: the
// directives must be the same, and rewriting a file with the outputs it
// expects must give the file back byte for byte.
func TestParseScriptAgreesWithDatadriven(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "stream", "*.test"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenario files (%v)", err)
	}
	pipeline, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "pipeline", "tests", "*.test"))
	for _, path := range append(files, pipeline...) {
		text, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		s, err := ParseScript(path, string(text))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var want []*Directive
		datadriven.RunTestFromString(t, string(text), func(t *testing.T, d *datadriven.TestData) string {
			want = append(want, directiveOf(d))
			return d.Expected
		})
		if len(want) != len(s.Directives) {
			t.Fatalf("%s: %d directives, datadriven reads %d", path, len(s.Directives), len(want))
		}
		same := map[*Directive]string{}
		for i, d := range s.Directives {
			w := want[i]
			if d.Cmd != w.Cmd || commandLine(d) != commandLine(w) || d.Input != w.Input || d.Expected != w.Expected {
				t.Errorf("%s: directive %d reads\n%q %q\n%q\n%q\ndatadriven reads\n%q %q\n%q\n%q", path, i,
					d.Cmd, commandLine(d), d.Input, d.Expected, w.Cmd, commandLine(w), w.Input, w.Expected)
			}
			same[d] = d.Expected
		}
		if got := s.Rewrite(same); got != string(text) {
			t.Errorf("%s: rewriting with its own outputs changes the file:\n%s", path, got)
		}
	}
}

// TestRewrite checks the layout of rewritten outputs: a directive that had
// no output gets one, an output with a blank line goes between ---- ----
// pairs, and one that becomes empty leaves the ---- line alone.
func TestRewrite(t *testing.T) {
	text := "# c\nstep\nt (1)\n----\nv +I (1)\n\nsnapshot v\n----\n\nquery\nSELECT 1\n----\n----\na\n\nb\n----\n----\n"
	s, err := ParseScript("x.test", text)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Directives) != 3 || s.Directives[2].Expected != "a\n\nb\n" || s.Directives[1].Line != 7 {
		t.Fatalf("parsed %+v", s.Directives)
	}
	got := s.Rewrite(map[*Directive]string{s.Directives[0]: "", s.Directives[1]: "(1)\n\n(2)\n", s.Directives[2]: "1\n"})
	want := "# c\nstep\nt (1)\n----\n\nsnapshot v\n----\n----\n(1)\n\n(2)\n----\n----\n\nquery\nSELECT 1\n----\n1\n"
	if got != want {
		t.Errorf("rewrite gave\n%q\nwant\n%q", got, want)
	}
}
