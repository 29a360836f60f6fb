package bind_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"riffle/catalog"
	"riffle/planner/bind"
	"riffle/planner/explain"
	"riffle/planner/logical"
	"riffle/planner/physical"
	"riffle/sql/parse"

	"github.com/cockroachdb/datadriven"
)

// runCorpus implements the corpus directive: it binds and plans every
// statement of every file matching path (a glob relative to this package,
// e.g. ../../../shared/book-examples.sql) on its own, into the test's
// catalog, printing for each the plan or the error, so that one bad
// statement does not hide the rest. sub=NAME:value replaces ${NAME} first
// (Nexmark's scripts are templates). Each plan ends with the nodes that
// have no operator in the runtime yet, so the list shrinks as they land.
// The test is skipped when no file matches: the corpus lives in the shared
// folder beside the checkout, never in the repository.
func runCorpus(t *testing.T, cat *catalog.Catalog, d *datadriven.TestData) string {
	var pattern string
	d.ScanArgs(t, "path", &pattern)
	subs := map[string]string{}
	for _, arg := range d.CmdArgs {
		if arg.Key == "sub" {
			for _, v := range arg.Vals {
				k, val, _ := strings.Cut(v, ":")
				subs[k] = val
			}
		}
	}
	files, _ := filepath.Glob(pattern)
	if len(files) == 0 {
		t.Skipf("corpus %s is absent (it lives in the shared folder beside the checkout); skipping", pattern)
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
		for _, piece := range pieces(text) {
			b.WriteString(corpusStatement(cat, piece))
		}
	}
	return b.String()
}

// pieces cuts a script into its statements, each as the whole script with
// every other statement blanked out (newlines kept), so that positions in
// errors are positions in the file.
func pieces(text string) []string {
	toks, err := parse.Tokenize(text)
	if err != nil {
		return []string{text}
	}
	var out []string
	start, depth := 0, 0
	cut := func(end int) {
		if strings.TrimSpace(stripComments(toks, start, end)) == "" {
			return
		}
		out = append(out, blank(text[:start])+text[start:end]+blank(text[end:]))
	}
	for _, tk := range toks {
		switch {
		case tk.IsOp("("):
			depth++
		case tk.IsOp(")"):
			depth = max(depth-1, 0)
		case tk.IsOp(";") && depth == 0:
			cut(tk.Start)
			start = tk.End
		}
	}
	cut(len(text))
	return out
}

// stripComments is text[start:end] without its comment tokens.
func stripComments(toks []parse.Token, start, end int) string {
	var b strings.Builder
	for _, tk := range toks {
		if tk.Start >= start && tk.End <= end && tk.Kind != parse.TokComment {
			b.WriteString(tk.Val + " ")
		}
	}
	return b.String()
}

func blank(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' {
			return r
		}
		return ' '
	}, s)
}

// corpusStatement binds one statement and says what came of it.
func corpusStatement(cat *catalog.Catalog, input string) string {
	stmts, err := parse.Parse(input)
	if err != nil {
		return err.Error() + "\n"
	}
	var out strings.Builder
	for _, st := range stmts {
		b := &bind.Binder{Cat: cat, Src: st.Source(), Params: []*string{}}
		text, err := corpusOne(cat, b, st)
		out.WriteString(corpusTitle(st) + "\n")
		for _, n := range b.Notices {
			out.WriteString("notice: " + n + "\n")
		}
		if err != nil {
			out.WriteString(err.Error() + "\n")
			continue
		}
		out.WriteString(text)
	}
	return out.String()
}

// corpusTitle names a statement in the golden file: its first line.
func corpusTitle(st parse.Statement) string {
	line, _, _ := strings.Cut(strings.TrimSpace(st.Source().Text), "\n")
	return "-- " + strings.TrimSpace(line)
}

func corpusOne(cat *catalog.Catalog, b *bind.Binder, st parse.Statement) (string, error) {
	defaults := bind.TableDefaults{Partitions: 1, AutoCreate: true, PlanOnly: true}
	switch st := st.(type) {
	case *parse.CreateTable:
		if st.As != nil {
			obj, node, err := b.CreateTableAs(st, defaults)
			if err != nil {
				return "", err
			}
			p, err := physical.Build(node, &physical.TableSink{Table: obj})
			if err != nil {
				return "", err
			}
			return explain.Plan(p) + executable(node), cat.Create(obj, nil)
		}
		obj, err := b.CreateTable(st, defaults)
		if err != nil {
			return "", err
		}
		return "ok\n", cat.Create(obj, nil)
	case *parse.CreateView:
		node, obj, err := defineView(b, st)
		if err != nil {
			return "", err
		}
		if !st.Materialized {
			return "ok\n", cat.Create(obj, nil)
		}
		p, err := physical.Build(node, &physical.ViewSink{View: obj})
		if err != nil {
			return "", err
		}
		return explain.Plan(p) + executable(node), cat.Create(obj, nil)
	case *parse.Insert:
		target, node, err := b.Insert(st)
		if err != nil {
			return "", err
		}
		p, err := physical.Build(node, sinkOf(target))
		if err != nil {
			return "", err
		}
		return explain.Plan(p) + executable(node), nil
	case *parse.Select:
		node, err := b.Query(st.Query)
		if err != nil {
			return "", err
		}
		return explain.Logical(node) + executable(node), nil
	case *parse.CreateFunction:
		return "", b.CreateFunction(st)
	case *parse.StatementSet:
		var out strings.Builder
		for _, ins := range st.Inserts {
			text, err := corpusOne(cat, &bind.Binder{Cat: cat, Src: ins.Src, Params: []*string{}}, ins)
			if err != nil {
				return "", err
			}
			out.WriteString(text)
		}
		return out.String(), nil
	}
	return "", fmt.Errorf("the corpus test does not plan %T", st)
}

// executable lists the nodes of a plan that exec/runtime has no operator
// for yet (runtime's newOperator builds Filter, Project, Aggregate,
// Normalize, TopN, Union, Join, TemporalJoin, the window TVFs, and scans
// as sources; OVER windows do not run yet).
func executable(n logical.Node) string {
	missing := map[string]bool{}
	var walk func(logical.Node)
	walk = func(n logical.Node) {
		switch n := n.(type) {
		case *logical.Filter, *logical.Project, *logical.Aggregate, *logical.Normalize,
			*logical.TopN, *logical.Union, *logical.Scan, *logical.Values:
		case *logical.Join, *logical.WindowTVF, *logical.TemporalJoin:
		default:
			name, _, _ := strings.Cut(n.Describe(), " ")
			missing[name] = true
		}
		for _, c := range n.Inputs() {
			walk(c)
		}
	}
	walk(n)
	if len(missing) == 0 {
		return "runs: yes\n"
	}
	var names []string
	for m := range missing {
		names = append(names, m)
	}
	sort.Strings(names)
	return "runs: no operator yet for " + strings.Join(names, ", ") + "\n"
}

// corpusLess orders q2.sql before q10.sql.
func corpusLess(a, b string) bool {
	na, nb := filepath.Base(a), filepath.Base(b)
	if len(na) != len(nb) && strings.HasPrefix(na, "q") && strings.HasPrefix(nb, "q") {
		return len(na) < len(nb)
	}
	return na < nb
}

// connectorSink is a sink of a connector that takes every kind of change
// (print), as Flink's do; physical.Build checks only Kafka sinks.
type connectorSink struct{ table *catalog.Object }

func (s *connectorSink) Describe() string {
	return "Sink " + s.table.Name + " connector=" + s.table.Options["connector"]
}

func sinkOf(t *catalog.Object) physical.Sink {
	if t.Options["connector"] == "print" {
		return &connectorSink{table: t}
	}
	return physical.SinkFor(t)
}
