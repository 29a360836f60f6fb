package pipeline

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"riffle/server/scenario"
)

// TestOptions say how Test runs a pipeline's tests.
type TestOptions struct {
	// Rewrite writes each file's actual outputs into it (--rewrite), for
	// review as a diff.
	Rewrite bool
	// Thorough runs every file in each in-process configuration of
	// riffle's own scenario tests (INSERT through the gateway, Kafka
	// producer, a record per step, a restart after every step), which must
	// all agree; otherwise only the Kafka one, which honours key=,
	// partition= and ts=.
	Thorough bool
	// Match keeps only the test files whose path contains it.
	Match string
	Out   io.Writer
}

// Test checks the pipeline in dir, then runs every test file under
// dir/tests (*.test), each on a riffle of its own started in process with
// the embedded broker: the pipeline's declarations are created first, in
// dependency order, then the file's directives run. It prints each file's
// verdict, each differing output as file:line with the expected and actual
// text and a diff, and a summary line; it returns the process exit code:
// 0 when every file passed, 1 otherwise.
func Test(dir string, o TestOptions) (int, error) {
	decls, diags, err := Load(dir)
	if err != nil {
		return 1, err
	}
	c := Check(decls)
	if diags = append(diags, c.Diags...); len(diags) > 0 {
		printDiags(o.Out, dir, diags)
		fmt.Fprintf(o.Out, "%s does not check; no test ran\n", dir)
		return 1, nil
	}
	files, err := testFiles(dir, o.Match)
	if err != nil {
		return 1, err
	}
	if len(files) == 0 {
		fmt.Fprintf(o.Out, "no test files in %s (tests/*.test)\n", filepath.Join(dir, "tests"))
		return 1, nil
	}
	setup := setupStatements(dir, c.Order)
	configs := []scenario.Config{{Name: "kafka", Kafka: true}}
	if o.Thorough {
		configs = scenario.Configs("")
	}
	passed, failed, skipped := 0, 0, 0
	for _, f := range files {
		start := time.Now()
		var details strings.Builder
		ok, skip, err := runTestFile(o, &details, f, configs, setup)
		if err != nil {
			return 1, err
		}
		took := time.Since(start).Round(10 * time.Millisecond)
		switch {
		case skip != "":
			skipped++
			fmt.Fprintf(o.Out, "SKIP %s (%s): %s\n", f, took, skip)
		case ok:
			passed++
			fmt.Fprintf(o.Out, "PASS %s (%s)\n", f, took)
		default:
			failed++
			fmt.Fprintf(o.Out, "FAIL %s (%s)\n", f, took)
		}
		io.WriteString(o.Out, details.String())
	}
	summary := fmt.Sprintf("%d passed, %d failed", passed, failed)
	if skipped > 0 {
		summary += fmt.Sprintf(", %d skipped", skipped)
	}
	fmt.Fprintln(o.Out, summary)
	if failed > 0 {
		return 1, nil
	}
	return 0, nil
}

// runTestFile runs one file in each configuration, printing what differed.
// With Rewrite, the first configuration writes the file and the others
// compare against what it wrote.
func runTestFile(o TestOptions, w io.Writer, path string, configs []scenario.Config, setup []scenario.Statement) (ok bool, skip string, err error) {
	ok = true
	for i, cfg := range configs {
		res, err := scenario.RunFile(path, cfg, scenario.Options{Setup: setup, Rewrite: o.Rewrite && i == 0})
		if err != nil {
			return false, "", err
		}
		for _, l := range res.Logs {
			fmt.Fprintf(w, "     %s\n", l)
		}
		if res.Skipped != "" {
			return ok, res.Skipped, nil
		}
		where := ""
		if len(configs) > 1 {
			where = " [" + cfg.Name + "]"
		}
		if res.Rewritten {
			fmt.Fprintf(w, "     %s: rewrote %d outputs%s; review the diff\n", path, len(res.Mismatches), where)
			res.Mismatches = nil
		}
		for _, m := range res.Mismatches {
			ok = false
			printMismatch(w, m, where)
		}
		if res.Failure != "" {
			ok = false
			fmt.Fprintf(w, "%s%s\n", indent(res.Failure, "     "), where)
		}
	}
	return ok, "", nil
}

func printMismatch(w io.Writer, m scenario.Mismatch, where string) {
	fmt.Fprintf(w, "%s: %s%s: output differs\n", m.Pos, m.Cmd, where)
	if m.Input != "" {
		fmt.Fprintf(w, "%s\n", indent(m.Input, "    | "))
	}
	fmt.Fprintf(w, "  expected:\n%s", block(m.Expected))
	fmt.Fprintf(w, "  got:\n%s", block(m.Got))
	fmt.Fprintf(w, "  diff (- expected, + got):\n%s", indent(Diff(m.Expected, m.Got), "    "))
	fmt.Fprintln(w)
}

func block(s string) string {
	if s == "" {
		return "    (nothing)\n"
	}
	return indent(strings.TrimSuffix(s, "\n"), "    ") + "\n"
}

func indent(s, prefix string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}

// testFiles lists dir/tests/**/*.test whose path contains match.
func testFiles(dir, match string) ([]string, error) {
	root := filepath.Join(dir, "tests")
	var files []string
	err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			if path == root && errors.Is(err, fs.ErrNotExist) {
				return filepath.SkipDir
			}
			return err
		}
		if !e.IsDir() && strings.HasSuffix(path, ".test") && strings.Contains(path, match) {
			files = append(files, path)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

// setupStatements creates the pipeline's declarations in dependency order,
// each under the settings its file SET before it.
func setupStatements(dir string, order []*Decl) []scenario.Statement {
	var out []scenario.Statement
	for _, d := range order {
		pos := filepath.Join(dir, d.File) + fmt.Sprintf(":%d:%d", d.Line, d.Col)
		for _, s := range d.Settings {
			out = append(out, scenario.Statement{Pos: pos, SQL: s.Src.Text})
		}
		out = append(out, scenario.Statement{Pos: pos, SQL: d.SQL})
		for _, s := range d.Settings {
			out = append(out, scenario.Statement{Pos: pos, SQL: "RESET " + quote(s.Key)})
		}
	}
	return out
}

func printDiags(w io.Writer, dir string, diags []*Diag) {
	for _, d := range diags {
		cp := *d
		cp.File = filepath.Join(dir, d.File)
		fmt.Fprintln(w, cp.String())
	}
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
