package bind_test

import (
	"fmt"
	"strconv"
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

// TestPlanner runs testdata/planner: DDL builds a catalog; queries print
// their plans with stream properties, or their errors.
//
//	ddl          CREATE TABLE / CREATE [MATERIALIZED] VIEW, added to the catalog
//	plan         a one-shot SELECT → its logical plan
//	continuous   CREATE MATERIALIZED VIEW or INSERT … SELECT → its physical plan
//	             (parallelism=N: run as N tasks, with its exchanges)
//	             plan and continuous take version=N: plan at planner version N
//	             (default: the newest)
//	corpus       every statement of the files path=<glob> (corpus_test.go)
//	reset        start again with an empty catalog
func TestPlanner(t *testing.T) {
	datadriven.Walk(t, "../../testdata/planner", func(t *testing.T, path string) {
		cat, err := catalog.Open(catalog.NewMemStore())
		if err != nil {
			t.Fatal(err)
		}
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "corpus":
				return runCorpus(t, cat, d)
			case "reset":
				if cat, err = catalog.Open(catalog.NewMemStore()); err != nil {
					t.Fatal(err)
				}
				return ""
			}
			out, err := run(cat, d)
			if err != nil {
				return err.Error() + "\n"
			}
			return out
		})
	})
}

func run(cat *catalog.Catalog, d *datadriven.TestData) (string, error) {
	stmts, err := parse.Parse(d.Input)
	if err != nil {
		return "", err
	}
	var out strings.Builder
	for _, st := range stmts {
		b := &bind.Binder{Cat: cat, Src: st.Source(), Params: []*string{}}
		if a, ok := d.Arg("version"); ok && len(a.Vals) == 1 {
			if b.Planner, err = strconv.Atoi(a.Vals[0]); err != nil {
				return "", err
			}
		}
		var text string
		switch d.Cmd {
		case "ddl":
			text, err = ddl(cat, b, st)
		case "plan":
			text, err = plan(b, st)
		case "continuous":
			par := 1
			if a, ok := d.Arg("parallelism"); ok && len(a.Vals) == 1 {
				if par, err = strconv.Atoi(a.Vals[0]); err != nil {
					return "", err
				}
			}
			text, err = continuous(b, st, par)
		default:
			return "", fmt.Errorf("unknown directive %q", d.Cmd)
		}
		if err != nil {
			return "", err
		}
		out.WriteString(text)
		for _, n := range b.Notices {
			out.WriteString("notice: " + n + "\n")
		}
	}
	return out.String(), nil
}

func ddl(cat *catalog.Catalog, b *bind.Binder, st parse.Statement) (string, error) {
	switch st := st.(type) {
	case *parse.CreateTable:
		obj, err := b.CreateTable(st, bind.TableDefaults{Partitions: 1, AutoCreate: true})
		if err != nil {
			return "", err
		}
		return "ok\n", cat.Create(obj, nil)
	case *parse.CreateView:
		_, obj, err := defineView(b, st)
		if err != nil {
			return "", err
		}
		return "ok\n", cat.Create(obj, nil)
	}
	return "", fmt.Errorf("ddl takes CREATE statements")
}

// defineView binds a view's query and makes its catalog object.
func defineView(b *bind.Binder, st *parse.CreateView) (logical.Node, *catalog.Object, error) {
	node, err := b.Query(st.Query)
	if err != nil {
		return nil, nil, err
	}
	kind := catalog.View
	if st.Materialized {
		kind = catalog.MaterializedView
	}
	return node, &catalog.Object{Name: st.Name.Name, Kind: kind, SQL: st.Src.Text, Schema: node.Schema()}, nil
}

func plan(b *bind.Binder, st parse.Statement) (string, error) {
	sel, ok := st.(*parse.Select)
	if !ok {
		return "", fmt.Errorf("plan takes a SELECT")
	}
	b.Snapshot = true
	node, err := b.Query(sel.Query)
	if err != nil {
		return "", err
	}
	return explain.Logical(node), nil
}

func continuous(b *bind.Binder, st parse.Statement, par int) (string, error) {
	switch st := st.(type) {
	case *parse.CreateView:
		node, err := b.Query(st.Query)
		if err != nil {
			return "", err
		}
		view := &catalog.Object{Name: st.Name.Name, Kind: catalog.MaterializedView, Schema: node.Schema()}
		p, err := physical.Build(node, &physical.ViewSink{View: view})
		if err != nil {
			return "", err
		}
		p.ApplyHints(b.HintTTL)
		p.Parallelize(par)
		return explain.Plan(p), nil
	case *parse.Insert:
		target, node, err := b.Insert(st)
		if err != nil {
			return "", err
		}
		p, err := physical.Build(node, physical.SinkFor(target))
		if err != nil {
			return "", err
		}
		p.Parallelize(par)
		return explain.Plan(p), nil
	}
	return "", fmt.Errorf("continuous takes CREATE MATERIALIZED VIEW or INSERT")
}
