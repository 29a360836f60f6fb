package parse

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"riffle/sql/sqlerr"

	"github.com/cockroachdb/datadriven"
)

const testdata = "../../testdata/sql"

// TestParse runs the golden files in testdata/sql. Directives:
//
//	parse    Format() of each statement, one a line, or the error
//	rewrite  the rewritten text of each statement and its casts, without
//	         parsing it (for what TiDB cannot parse yet)
//	corpus   each statement of the files path=<glob> (corpus_test.go)
//	tokens   the tokens of the input
//	type     ParseType of each input line
func TestParse(t *testing.T) {
	datadriven.Walk(t, testdata, func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "parse":
				return runParse(d.Input, func(st Statement) string {
					return strings.TrimSuffix(Format(st)+"\n"+formatWarnings(st), "\n")
				})
			case "rewrite":
				return runRewrite(d.Input)
			case "corpus":
				return runCorpus(t, d)
			case "tokens":
				return runTokens(d.Input)
			case "type":
				var b strings.Builder
				for _, line := range strings.Split(d.Input, "\n") {
					typ, err := ParseType(line)
					if err != nil {
						fmt.Fprintf(&b, "%s -> %v\n", line, err)
						continue
					}
					fmt.Fprintf(&b, "%s -> %s\n", line, typ)
				}
				return b.String()
			}
			d.Fatalf(t, "unknown directive %s", d.Cmd)
			return ""
		})
	})
}

func runParse(input string, show func(Statement) string) string {
	stmts, err := Parse(input)
	if err != nil {
		return err.Error() + "\n"
	}
	var b strings.Builder
	for _, st := range stmts {
		b.WriteString(show(st) + "\n")
	}
	return b.String()
}

func runRewrite(input string) string {
	all, err := Tokenize(input)
	if err != nil {
		return err.Error() + "\n"
	}
	var b strings.Builder
	for _, piece := range split(all) {
		code := codeTokens(piece)
		if len(code) == 0 {
			continue
		}
		start, end := code[0].Start, code[len(code)-1].End
		src := &Source{Input: input, Offset: start, Text: input[start:end]}
		stmtAll := shift(piece, start)
		toks := codeTokens(stmtAll)
		text, _, err := rewriteRange(src, stmtAll, toks, 0, len(toks), "")
		if err != nil {
			b.WriteString(err.Error() + "\n")
			continue
		}
		b.WriteString(text + formatExt(src.Ext) + "\n")
	}
	return b.String()
}

var kindNames = map[TokKind]string{
	TokIdent: "ident", TokQuotedIdent: "qident", TokString: "string", TokEString: "estring",
	TokNumber: "number", TokParam: "param", TokOp: "op", TokComment: "comment",
}

func runTokens(input string) string {
	toks, err := Tokenize(input)
	if err != nil {
		return err.Error() + "\n"
	}
	var b strings.Builder
	for _, t := range toks {
		fmt.Fprintf(&b, "%d-%d %s %q\n", t.Start, t.End, kindNames[t.Kind], t.Val)
	}
	return b.String()
}

// TestSourcePositions checks the contracts the binder relies on: Text,
// Offset and Input agree, Orig maps rewritten offsets back, Find finds
// names.
func TestSourcePositions(t *testing.T) {
	input := "SELECT 1;\n  SELECT a::BIGINT + $1, \"Pricee\" FROM t -- c\n;"
	stmts, err := Parse(input)
	if err != nil {
		t.Fatal(err)
	}
	if len(stmts) != 2 {
		t.Fatalf("got %d statements", len(stmts))
	}
	src := stmts[1].Source()
	if src.Input[src.Offset:src.Offset+len(src.Text)] != src.Text {
		t.Fatalf("Text %q is not Input at Offset %d", src.Text, src.Offset)
	}
	if src.Text != `SELECT a::BIGINT + $1, "Pricee" FROM t` {
		t.Fatalf("Text = %q", src.Text)
	}
	from := strings.Index(src.Rewritten, "FROM")
	if got := src.Orig(from); src.Text[got:got+4] != "FROM" {
		t.Fatalf("Orig(%d) = %d", from, got)
	}
	if got := src.Find("pricee", 0); got != strings.Index(src.Text, `"Pricee"`) {
		t.Fatalf("Find = %d", got)
	}
	if got := src.Find("t", 30); got != strings.LastIndex(src.Text, "t") {
		t.Fatalf("Find t = %d", got)
	}
	if got := src.Find("nope", 0); got != -1 {
		t.Fatalf("Find nope = %d", got)
	}
}

// FuzzParse checks that no input makes Parse panic, and that every error
// is positioned inside the input.
func FuzzParse(f *testing.F) {
	for _, in := range fuzzSeeds(f) {
		f.Add(in)
	}
	f.Fuzz(checkParse)
}

// fuzzSeeds are the inputs of the golden files.
func fuzzSeeds(tb testing.TB) []string {
	files, _ := filepath.Glob(filepath.Join(testdata, "*.test"))
	var seeds []string
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			tb.Fatal(err)
		}
		for _, block := range strings.Split(string(data), "\n\n") {
			if _, body, ok := strings.Cut(block, "\n"); ok {
				if in, _, ok := strings.Cut(body, "----"); ok {
					seeds = append(seeds, in)
				}
			}
		}
	}
	return seeds
}

// checkParse is the body of FuzzParse.
func checkParse(t *testing.T, input string) {
	stmts, err := Parse(input)
	if err == nil {
		for _, st := range stmts {
			_ = Format(st)
		}
		return
	}
	e, ok := sqlerr.As(err)
	if !ok || e.Code == "" || e.Message == "" {
		t.Fatalf("error is not a *sqlerr.Error: %v (input %q)", err, input)
	}
	if e.Pos > len(input)+1 {
		t.Fatalf("error position %d is past the input (%d bytes): %v (input %q)", e.Pos, len(input), err, input)
	}
	if e.Code == sqlerr.Internal {
		t.Fatalf("internal error: %v (input %q)", err, input)
	}
}

// TestFuzzShort runs the FuzzParse body over a few thousand mutations of
// the golden files' inputs, with a fixed seed, so that every go test run
// exercises it; go test -fuzz=FuzzParse explores further.
func TestFuzzShort(t *testing.T) {
	seeds := fuzzSeeds(t)
	if len(seeds) == 0 {
		t.Skip("no seeds")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"(", ")", ",", ";", "'", "\"", "TABLE", "TUMBLE", "FILTER", "WHERE", "FULL", "JOIN", "ON",
		"FOR", "SYSTEM_TIME", "AS", "OF", "IS", "DISTINCT", "FROM", "~", "INTERVAL", "END", "CASE", "BEGIN",
		"STATEMENT", "SET", "::", "=>", "DESCRIPTOR", "SELECT", "key", "TO", "GROUP BY", "SESSION", "OPERATOR"}
	deadline := time.Now().Add(fuzzTime)
	for n := 0; n < fuzzN && time.Now().Before(deadline); n++ {
		in := []byte(seeds[rng.IntN(len(seeds))])
		for k := rng.IntN(3) + 1; k > 0 && len(in) > 0; k-- {
			at := rng.IntN(len(in) + 1)
			switch rng.IntN(3) {
			case 0: // delete a span
				end := min(len(in), at+rng.IntN(8)+1)
				if at < len(in) {
					in = append(in[:at:at], in[end:]...)
				}
			case 1: // insert a word
				w := " " + words[rng.IntN(len(words))] + " "
				in = append(in[:at:at], append([]byte(w), in[at:]...)...)
			default: // duplicate a span
				end := min(len(in), at+rng.IntN(20))
				in = append(in[:end:end], append(append([]byte{}, in[at:end]...), in[end:]...)...)
			}
		}
		checkParse(t, string(in))
	}
}

// The size of TestFuzzShort: well under five seconds on the CI machine.
var fuzzN, fuzzTime = 3000, 3 * time.Second
