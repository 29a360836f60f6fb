package parse

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
)

// runCorpus implements the corpus directive: it parses every statement of
// every file matching path (a glob relative to this package's directory,
// e.g. ../../../shared/book-examples.sql) on its own, printing Format() or
// the error for each, so that one bad statement does not hide the rest.
// sub=NAME:value replaces ${NAME} in the text first (Nexmark's scripts are
// templates). The test is skipped when no file matches: the corpus lives
// in the shared folder beside the checkout, not in the repository.
func runCorpus(t *testing.T, d *datadriven.TestData) string {
	var pattern string
	d.ScanArgs(t, "path", &pattern)
	subs := map[string]string{}
	for _, arg := range d.CmdArgs {
		if arg.Key != "sub" {
			continue
		}
		for _, v := range arg.Vals {
			k, val, _ := strings.Cut(v, ":")
			subs[k] = val
		}
	}
	files, _ := filepath.Glob(pattern)
	if len(files) == 0 {
		t.Skipf("corpus %s is absent; skipping", pattern)
	}
	sort.Slice(files, func(i, j int) bool { return corpusLess(files[i], files[j]) })
	var b strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		for k, v := range subs {
			text = strings.ReplaceAll(text, "${"+k+"}", v)
		}
		fmt.Fprintf(&b, "== %s\n", filepath.Base(f))
		b.WriteString(parseEach(text))
	}
	return b.String()
}

// parseEach parses each statement of input separately.
func parseEach(input string) string {
	all, err := Tokenize(input)
	if err != nil {
		return err.Error() + "\n"
	}
	var b strings.Builder
	for _, piece := range split(all) {
		st, err := parsePiece(input, piece)
		switch {
		case err != nil:
			b.WriteString(err.Error() + "\n")
		case st != nil:
			b.WriteString(Format(st) + "\n" + formatWarnings(st))
		}
	}
	return b.String()
}

// corpusLess orders q2.sql before q10.sql.
func corpusLess(a, b string) bool {
	na, nb := filepath.Base(a), filepath.Base(b)
	if len(na) != len(nb) && strings.TrimRight(na[:1], "q") == "" {
		return len(na) < len(nb)
	}
	return na < nb
}

// formatWarnings lists a statement's warnings, one an indented line.
func formatWarnings(st Statement) string {
	out := ""
	for _, w := range st.Source().Warnings {
		out += "  warning" + strings.TrimPrefix(w.Error(), "error") + "\n"
	}
	return out
}
