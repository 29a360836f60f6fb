package scenario

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// T is what a scenario reports to: *testing.T in riffle's own tests, a
// reporter that collects what went wrong when `riffle test` runs a file
// (RunFile). Fatalf and Skipf do not return: they end the file (testing.T
// by runtime.Goexit, RunFile's reporter by a panic RunFile recovers).
// Methods are called from the goroutine running the file only.
type T interface {
	Helper()
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
	Logf(format string, args ...any)
	Failed() bool
}

func newRunner(t T, c Config, dir string) *runner {
	return &runner{t: t, cfg: c, dir: dir, tables: map[string]*tableInfo{}, keys: map[string][]int{},
		fed: map[string]*fedRows{}, sinkCols: map[string][]string{}}
}

// Statement is a statement RunFile runs before a file's directives.
type Statement struct {
	Pos string // where it was written ("file.sql:3:1"), for messages
	SQL string
}

// Options say how RunFile runs a file.
type Options struct {
	// Setup runs first, in order, through the gateway: `riffle test` passes
	// the pipeline's own statements, so a test file's steps feed its tables
	// and expect its views' changes.
	Setup []Statement
	// Rewrite writes the outputs the file produced into it, in place of
	// what it expected.
	Rewrite bool
}

// Result is what running one file gave.
type Result struct {
	Path   string
	Config string
	// Ran counts the directives run; Mismatches those whose output differed
	// from the file's.
	Ran        int
	Mismatches []Mismatch
	// Failure is what stopped the file early, positioned ("file:line: …"):
	// a statement that should have succeeded, a failed query, a broken
	// invariant. Empty when the file ran to its end.
	Failure string
	// Skipped says why the file was skipped (a skip directive).
	Skipped string
	// Logs are messages worth showing (a pgcheck skipped for want of
	// PostgreSQL).
	Logs []string
	// Rewritten is set when Rewrite changed the file.
	Rewritten bool
}

// OK reports whether the file passed.
func (r *Result) OK() bool { return r.Failure == "" && len(r.Mismatches) == 0 }

// Mismatch is a directive whose output differed from the file's.
type Mismatch struct {
	Pos           string // "file:line" of the directive
	Cmd           string // the directive's command line
	Input         string
	Expected, Got string
	// ExpectedLine is the 1-based line where the expected output starts
	// (the line after ----).
	ExpectedLine int
}

// RunFile runs the scenario file at path in configuration c, outside go
// test: it starts a whole riffle over a fresh temporary data directory,
// runs o.Setup, then every directive, and keeps running after an output
// that differs from the file's so that one run shows every difference. A
// failed statement, query or invariant ends the file. The error is for
// files that cannot be read or parsed, or rewritten.
func RunFile(path string, c Config, o Options) (*Result, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	script, err := ParseScript(path, string(text))
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "riffle-test-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	rep := &reporter{}
	res := &Result{Path: path, Config: c.Name}
	r := newRunner(rep, c, dir)
	defer func() { res.Logs = rep.logs }()
	defer rep.guard(func() { r.close() })
	if !rep.guard(r.start) {
		res.Failure = rep.failure
		return res, nil
	}
	for _, st := range o.Setup {
		ok := rep.guard(func() {
			if err := r.exec(st.SQL); err != nil {
				rep.Fatalf("%s: %s", st.Pos, errorText(err))
			}
		})
		if !ok {
			res.Failure = rep.failure
			return res, nil
		}
	}
	got := map[*Directive]string{}
	for _, d := range script.Directives {
		var out string
		if !rep.guard(func() { out = r.directive(d) }) {
			break
		}
		res.Ran++
		if out != "" && !strings.HasSuffix(out, "\n") {
			out += "\n"
		}
		got[d] = out
		if out != d.Expected {
			res.Mismatches = append(res.Mismatches, Mismatch{Pos: d.Pos, Cmd: commandLine(d), Input: d.Input,
				Expected: d.Expected, Got: out, ExpectedLine: d.sep + 2})
		}
	}
	res.Failure, res.Skipped = rep.failure, rep.skipped
	if o.Rewrite && res.Failure == "" && len(res.Mismatches) > 0 {
		if err := os.WriteFile(path, []byte(script.Rewrite(got)), 0o644); err != nil {
			return res, err
		}
		res.Rewritten = true
	}
	return res, nil
}

func commandLine(d *Directive) string {
	parts := []string{d.Cmd}
	for _, a := range d.CmdArgs {
		switch len(a.Vals) {
		case 0:
			parts = append(parts, a.Key)
		case 1:
			parts = append(parts, a.Key+"="+a.Vals[0])
		default:
			parts = append(parts, a.Key+"=("+strings.Join(a.Vals, ", ")+")")
		}
	}
	return strings.Join(parts, " ")
}

// reporter is RunFile's T. Fatalf and Skipf record why and unwind to the
// nearest guard with a panic of type stop: the runner was written against
// testing.T, whose Fatalf never returns, and keeps that contract here.
type reporter struct {
	failure, skipped string
	logs             []string
}

type stop struct{}

var _ T = (*reporter)(nil)

func (r *reporter) Helper() {}
func (r *reporter) Fatalf(format string, args ...any) {
	if r.failure == "" {
		r.failure = fmt.Sprintf(format, args...)
	}
	panic(stop{})
}
func (r *reporter) Skipf(format string, args ...any) {
	r.skipped = fmt.Sprintf(format, args...)
	panic(stop{})
}
func (r *reporter) Logf(format string, args ...any) {
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}
func (r *reporter) Failed() bool { return r.failure != "" }

// guard runs f and reports whether it ran to its end (no Fatalf or Skipf).
// Any other panic is not the runner's and goes on.
func (r *reporter) guard(f func()) (ok bool) {
	defer func() {
		if v := recover(); v != nil {
			if _, isStop := v.(stop); !isStop {
				panic(v)
			}
			ok = false
		}
	}()
	f()
	return r.failure == "" && r.skipped == ""
}

// errorText renders a statement's error as golden files do:
// "error (42P01): relation "x" does not exist".
func errorText(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return fmt.Sprintf("error (%s): %s", pe.Code, pe.Message)
	}
	return err.Error()
}
