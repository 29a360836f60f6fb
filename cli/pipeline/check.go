package pipeline

import (
	"slices"
	"strings"

	"riffle/catalog"
	"riffle/exec/runtime"
	"riffle/planner/bind"
	"riffle/planner/logical"
	"riffle/planner/physical"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// Checked is a pipeline bound and planned in process.
type Checked struct {
	// Order holds the declarations that bound, in an order that creates
	// each after everything it reads.
	Order []*Decl
	Diags []*Diag
	Cat   *catalog.Catalog
}

// Check binds and plans decls against an in-memory catalog, with no
// server and no network. The order is found by binding: each round binds
// every declaration still waiting, in file order; one that fails waits for
// the next round, until a round binds nothing. What is still waiting then
// has a real error (or reads something that does not bind).
func Check(decls []*Decl) *Checked {
	cat, _ := catalog.Open(catalog.NewMemStore()) // a MemStore cannot fail
	c := &Checked{Cat: cat}
	pending := decls
	errs := map[*Decl]error{}
	for len(pending) > 0 {
		var next []*Decl
		for _, d := range pending {
			if err := define(cat, d); err != nil {
				errs[d] = err
				next = append(next, d)
				continue
			}
			c.Order = append(c.Order, d)
		}
		if len(next) == len(pending) {
			break
		}
		pending = next
	}
	for _, d := range pending {
		dg := diag(d.File, errs[d], d.Stmt.Source())
		dg.Note = waitsFor(dg.Err, pending)
		c.Diags = append(c.Diags, dg)
	}
	return c
}

// waitsFor notes that an undefined relation is declared in the directory
// but did not bind itself, so the user fixes that one first.
func waitsFor(e *sqlerr.Error, failed []*Decl) string {
	if e.Code != sqlerr.UndefinedTable {
		return ""
	}
	for _, f := range failed {
		if f.Kind != Query && strings.Contains(strings.ToLower(e.Message), `"`+strings.ToLower(f.Name)+`"`) {
			return f.Name + " is declared at " + f.Pos() + ", which has an error of its own"
		}
	}
	return ""
}

// define binds and plans one declaration and adds what it declares to cat.
func define(cat *catalog.Catalog, d *Decl) error {
	src := d.Stmt.Source()
	b := &bind.Binder{Cat: cat, Src: src, Params: []*string{}, Emit: emitOf(d.Settings)}
	switch st := d.Stmt.(type) {
	case *parse.CreateTable:
		obj, err := b.CreateTable(st, bind.TableDefaults{Partitions: 1, AutoCreate: true, Registry: true, Generated: runtime.CheckGeneratedTable})
		if err != nil {
			return err
		}
		return cat.Create(obj, nil)
	case *parse.CreateView:
		node, err := b.Query(st.Query)
		if err != nil {
			return err
		}
		schema, err := viewSchema(st, node.Schema())
		if err != nil {
			return err
		}
		obj := &catalog.Object{Name: st.Name.Name, SQL: src.Text, Schema: schema, Kind: catalog.View, Uses: b.Uses}
		d.Uses = b.Uses
		if st.Materialized {
			obj.Kind = catalog.MaterializedView
			if len(st.Columns) > 0 {
				node = bind.RenameColumns(node, schema)
			}
			plan, err := physical.Build(node, &physical.ViewSink{View: obj})
			if err != nil {
				return positioned(err, src, st.Name.Pos)
			}
			d.layout = runtime.StateLayout(plan)
		}
		return cat.Create(obj, nil)
	case *parse.Insert:
		target, node, err := b.Insert(st)
		if err != nil {
			return err
		}
		plan, err := physical.Build(node, &physical.TableSink{Table: target})
		if err != nil {
			return positioned(err, src, st.Table.Pos)
		}
		d.Uses, d.layout = append(b.Uses, target.Name), runtime.StateLayout(plan)
		return nil
	}
	return src.Errorf(0, sqlerr.FeatureNotSupported, "not a declaration")
}

// viewSchema names a view's columns as the engine does (its column list,
// else its query's), refusing a count that differs or a name used twice.
func viewSchema(st *parse.CreateView, s types.Schema) (types.Schema, error) {
	out := types.Schema{Columns: append([]types.Column(nil), s.Columns...)}
	if len(st.Columns) > 0 {
		if len(st.Columns) != len(out.Columns) {
			return out, st.Src.Errorf(st.Columns[0].Pos, sqlerr.SyntaxError,
				"view %q names %d columns but its query returns %d", st.Name.Name, len(st.Columns), len(out.Columns))
		}
		for i, c := range st.Columns {
			out.Columns[i].Name = c.Name
		}
	}
	var seen []string
	for _, c := range out.Columns {
		if slices.Contains(seen, strings.ToLower(c.Name)) {
			return out, st.Src.Errorf(st.Name.Pos, sqlerr.DuplicateObject, "column %q specified more than once", c.Name).
				WithHint("give the columns distinct names with AS")
		}
		seen = append(seen, strings.ToLower(c.Name))
	}
	return out, nil
}

// positioned gives an unpositioned error the position of what the
// statement names.
func positioned(err error, src *parse.Source, pos int) error {
	if e, ok := sqlerr.As(err); ok && e.Line == 0 {
		e.SetPos(src.Input, src.Offset+pos)
	}
	return err
}

// emitOf reads how window aggregates emit from the SET statements before a
// declaration, as the engine reads them from the session.
func emitOf(settings []*parse.Set) logical.Emit {
	var e logical.Emit
	for _, s := range settings {
		switch strings.ToLower(s.Key) {
		case "table.exec.emit.allow-lateness":
			if d, ok := types.ParseDuration(s.Value); ok {
				e.Lateness = d.Microseconds()
			}
		case "table.exec.emit.early-fire.enabled":
			e.Early = strings.EqualFold(s.Value, "true") || s.Value == "on" || s.Value == "1"
		case "table.exec.emit.early-fire.delay":
			if d, ok := types.ParseDuration(s.Value); ok {
				e.EarlyEvery = d.Microseconds()
			}
		}
	}
	if !e.Early {
		e.EarlyEvery = 0
	}
	return e
}
