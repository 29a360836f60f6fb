package operator

import (
	"testing"

	"riffle/catalog"
	"riffle/connectors/kafka"
	"riffle/sql/types"
)

// A view's changes come back as written, with exact values, several to a
// record; a record cut short or of another width is an error, not a panic
// and not a bad record to skip.
func TestViewChangesRoundTrip(t *testing.T) {
	view := &catalog.Object{Name: "v", Schema: types.Schema{Columns: []types.Column{
		{Name: "k", Type: types.Type{ID: types.Varchar}}, {Name: "n", Type: types.Type{ID: types.BigInt}}}}}
	in := types.Batch{
		{Row: types.Row{types.NewString("a"), types.NewInt(1)}, Diff: 1},
		{Row: types.Row{types.NewString("b"), types.Null}, Diff: -2},
	}
	var val, scratch []byte
	for _, c := range in {
		val, scratch = AppendViewChange(val, c, scratch)
	}
	dec := NewViewChangesDecoder(view)
	if !dec.Changelog() {
		t.Fatal("the decoder does not read changes")
	}
	var out types.Batch
	err := dec.DecodeChanges(&kafka.Record{Value: val}, 2, func(r types.Row, d types.Diff) {
		out = append(out, types.Change{Row: r, Diff: d})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) {
		t.Fatalf("got %d changes, want %d", len(out), len(in))
	}
	for i := range in {
		if out[i].Diff != in[i].Diff || types.CompareRows(out[i].Row, in[i].Row) != 0 {
			t.Errorf("change %d: got %v %d, want %v %d", i, out[i].Row, out[i].Diff, in[i].Row, in[i].Diff)
		}
	}
	for _, bad := range [][]byte{val[:len(val)-1], val[:3], {0x02, 0xff}} {
		err := dec.DecodeChanges(&kafka.Record{Value: bad}, 2, func(types.Row, types.Diff) {})
		if err == nil || IsBadRecord(err) {
			t.Errorf("record %x: got %v, want an error that stops the reader", bad, err)
		}
	}
	narrow := &catalog.Object{Name: "w", Schema: types.Schema{Columns: view.Schema.Columns[:1]}}
	if err := NewViewChangesDecoder(narrow).DecodeChanges(&kafka.Record{Value: val}, 1, func(types.Row, types.Diff) {}); err == nil {
		t.Error("a row of the wrong width was accepted")
	}
}
