package filesystem

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"riffle/connectors/format"
	"riffle/connectors/gen"
	"riffle/sql/types"
)

func TestSourceReadsPartitionsAndBadRecords(t *testing.T) {
	root := t.TempDir()
	write := func(rel, text string) {
		p := filepath.Join(root, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("dt=2024-01-01/part-0.csv", "1,one\r\n\n2,two\n")
	write("dt="+DefaultPartition+"/part-0.csv", "3,three\n")
	write("dt=2024-01-02/part-0.csv", "x,bad\n4,four\n")
	schema := types.Schema{Columns: []types.Column{
		{Name: "id", Type: types.Type{ID: types.BigInt}},
		{Name: "name", Type: types.Type{ID: types.Varchar}},
		{Name: "dt", Type: types.Type{ID: types.Date}},
	}}
	spec := func(skip bool) SourceSpec {
		dec, err := format.NewCSVDecoder(types.Schema{Columns: schema.Columns[:2]}, format.CSVOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return SourceSpec{Table: gen.Table{Name: "t", Schema: schema, Options: map[string]string{"path": root}},
			FileCols: []int{0, 1}, PartCols: []int{2}, Decoder: dec, Skip: skip}
	}
	if _, err := NewSource(spec(false)); err == nil || !strings.Contains(err.Error(), "(file dt=2024-01-02/part-0.csv, line 1)") {
		t.Fatalf("error policy fail: %v, want an error naming the file and line", err)
	}
	s, err := NewSource(spec(true))
	if err != nil {
		t.Fatal(err)
	}
	if n, ends := s.Len(); n != 4 || !ends || s.Skipped() != 1 {
		t.Fatalf("Len = %d, %v; skipped %d; want 4 rows, ending, 1 skipped", n, ends, s.Skipped())
	}
	rows := make([]types.Row, 4)
	for i := range rows {
		rows[i] = make(types.Row, 3)
	}
	s.Fill(0, 1, rows)
	var got []string
	for _, r := range rows {
		got = append(got, types.Text(r[0], schema.Columns[0].Type)+" "+types.Text(r[1], schema.Columns[1].Type)+" "+types.Text(r[2], schema.Columns[2].Type))
	}
	want := "1 one 2024-01-01|2 two 2024-01-01|4 four 2024-01-02|3 three NULL"
	if strings.Join(got, "|") != want {
		t.Fatalf("rows %q, want %q", strings.Join(got, "|"), want)
	}
}
