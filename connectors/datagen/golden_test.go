package datagen

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"riffle/connectors/gen"
	"riffle/sql/parse"
	"riffle/sql/types"
)

// table reads a CREATE TABLE statement into what New is given: the
// columns it fills (all but computed ones) and the options, keys in lower
// case as the binder stores them.
func table(t testing.TB, ddl string) gen.Table {
	t.Helper()
	st, err := parse.ParseOne(ddl)
	if err != nil {
		t.Fatal(err)
	}
	ct, ok := st.(*parse.CreateTable)
	if !ok {
		t.Fatalf("not a CREATE TABLE: %s", ddl)
	}
	tab := gen.Table{Name: ct.Name.Name, Options: map[string]string{}}
	for i, c := range ct.Columns {
		tab.Schema.Columns = append(tab.Schema.Columns, types.Column{Name: c.Name.Name, Type: c.Type, Nullable: !c.NotNull})
		if c.Computed == nil {
			tab.Fill = append(tab.Fill, i)
		}
	}
	for _, o := range ct.Options {
		tab.Options[strings.ToLower(o.Key)] = o.Value
	}
	return tab
}

// TestGolden runs testdata/connectors/datagen.test:
//
//	rows [from=N] count=N [stride=N]    a CREATE TABLE → its rows, "(v, v, …)", or the error
func TestGolden(t *testing.T) {
	datadriven.RunTest(t, "../../testdata/connectors/datagen.test", func(t *testing.T, d *datadriven.TestData) string {
		if d.Cmd != "rows" {
			d.Fatalf(t, "unknown command %s", d.Cmd)
		}
		var from, count int64
		stride := int64(1)
		if d.HasArg("from") {
			d.ScanArgs(t, "from", &from)
		}
		if d.HasArg("stride") {
			d.ScanArgs(t, "stride", &stride)
		}
		d.ScanArgs(t, "count", &count)
		tab := table(t, d.Input)
		src, err := New(tab)
		if err != nil {
			return renderErr(err)
		}
		n, _ := src.Len()
		var b strings.Builder
		fmt.Fprintf(&b, "rows=%d rate=%g splits=%d\n", n, src.Rate(), src.Splits())
		rows := make([]types.Row, count)
		for i := range rows {
			rows[i] = make(types.Row, tab.Schema.Len())
		}
		src.Fill(from, stride, rows)
		for _, r := range rows {
			parts := make([]string, 0, len(tab.Fill))
			for _, i := range tab.Fill {
				if r[i].IsNull() {
					parts = append(parts, "NULL")
				} else {
					parts = append(parts, types.Text(r[i], tab.Schema.Columns[i].Type))
				}
			}
			b.WriteString("(" + strings.Join(parts, ", ") + ")\n")
		}
		return b.String()
	})
}

func renderErr(err error) string {
	var oe *gen.OptionError
	if !errors.As(err, &oe) {
		return "unexpected error: " + err.Error() + "\n"
	}
	on := "option " + oe.Option
	if oe.Column != "" {
		on = "column " + oe.Column
	}
	s := fmt.Sprintf("error (%s) on %s: %s\n", oe.Err.Code, on, oe.Err.Message)
	if oe.Err.Hint != "" {
		s += "hint: " + oe.Err.Hint + "\n"
	}
	return s
}
