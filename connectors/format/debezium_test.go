package format

import (
	"bytes"
	"strings"
	"testing"

	"riffle/sql/types"
)

// TestDebeziumJSON decodes each kind of event and the errors of events
// without the row their op needs, and encodes insertions and retractions
// into envelopes the decoder reads back.
func TestDebeziumJSON(t *testing.T) {
	schema := mustSchema(t, "id", "BIGINT", "name", "STRING")
	dec := NewDebeziumJSONDecoder(schema, false)
	show := func(row types.Row) string {
		var vals []string
		for i, v := range row {
			if v.IsNull() {
				vals = append(vals, "NULL")
			} else if schema.Columns[i].Type.IsString() {
				vals = append(vals, "'"+types.Text(v, schema.Columns[i].Type)+"'")
			} else {
				vals = append(vals, types.Text(v, schema.Columns[i].Type))
			}
		}
		return "(" + strings.Join(vals, ", ") + ")"
	}
	changes := func(rec string) (string, error) {
		var out []string
		var data []byte
		if rec != "<tombstone>" {
			data = []byte(rec)
		}
		err := dec.DecodeChanges(data, func(row types.Row, diff int64) {
			out = append(out, map[int64]string{1: "+", -1: "-"}[diff]+show(row))
		})
		return strings.Join(out, " "), err
	}
	for _, c := range []struct{ rec, want string }{
		{`{"before": null, "after": {"id": 1, "name": "a"}, "op": "c", "source": {"x": [1]}, "ts_ms": 5}`, `+(1, 'a')`},
		{`{"op": "r", "after": {"id": 2}}`, `+(2, NULL)`},
		{`{"before": {"id": 1, "name": "a"}, "after": {"id": 1, "name": "b"}, "op": "u"}`, `-(1, 'a') +(1, 'b')`},
		{`{"before": {"id": 1, "name": "b"}, "after": null, "op": "d"}`, `-(1, 'b')`},
		{`<tombstone>`, ``},
		{`{"before": null, "after": {"id": 1}, "op": "u"}`, `error: field "before": a Debezium update (with PostgreSQL, set the table's REPLICA IDENTITY to FULL) needs before`},
		{`{"before": {"id": 1}, "op": "d"}`, `-(1, NULL)`},
		{`{"after": null, "op": "c"}`, `error: field "after": a Debezium create needs after`},
		{`{"after": {"id": 1}}`, `error: field "op": a Debezium record needs op`},
		{`{"after": {"id": 1}, "op": "t"}`, `error: field "op": unknown Debezium op "t" (expected c, r, u or d)`},
		{`{"after": {"id": "x"}, "op": "c"}`, `error: field "after.id": expected an integer, got "x"`},
	} {
		got, err := changes(c.rec)
		if err != nil {
			got = "error: " + err.Error()
		}
		if got != c.want {
			t.Errorf("%s:\ngot  %s\nwant %s", c.rec, got, c.want)
		}
	}
	wrapped := NewDebeziumJSONDecoder(schema, true)
	var got []string
	if err := wrapped.DecodeChanges([]byte(`{"schema": {"type": "struct"}, "payload": {"after": {"id": 7, "name": "w"}, "op": "c"}}`),
		func(row types.Row, diff int64) { got = append(got, show(row)) }); err != nil || strings.Join(got, "") != "(7, 'w')" {
		t.Fatalf("wrapped: %q, %v", got, err)
	}
	if err := wrapped.DecodeChanges([]byte(`{"after": {"id": 7}, "op": "c"}`), func(types.Row, int64) {}); err == nil {
		t.Fatal("a bare envelope read as wrapped")
	}

	enc := NewDebeziumJSONEncoder(schema)
	row := types.Row{types.NewInt(3), types.NewString("q")}
	ins, err := enc.Encode(nil, row)
	if err != nil {
		t.Fatal(err)
	}
	del, err := enc.EncodeDelete(nil, row)
	if err != nil {
		t.Fatal(err)
	}
	back, _ := changes(string(ins) + "")
	back2, _ := changes(string(del))
	if back != "+(3, 'q')" || back2 != "-(3, 'q')" {
		t.Fatalf("round trip: %s → %s, %s → %s", ins, back, del, back2)
	}
}

// FuzzDebeziumJSONDecode checks that no input makes the decoder panic or
// fail with anything but an *Error, and that a change it reads encodes to
// an envelope it reads back to the same change.
func FuzzDebeziumJSONDecode(f *testing.F) {
	for _, seed := range []string{
		`{"before": null, "after": {"i": 1, "s": "a", "a": [1]}, "op": "c"}`,
		`{"before": {"i": 1}, "after": {"i": 2, "r": {"x": "q"}}, "op": "u", "source": {"lsn": 5}}`,
		`{"before": {"i": 1}, "after": null, "op": "d"}`, `{"op": "r", "after": {}}`, `{"op": 1}`, `{`, `null`,
	} {
		f.Add([]byte(seed))
	}
	schema := fuzzSchema(f)
	dec, enc := NewDebeziumJSONDecoder(schema, false), NewDebeziumJSONEncoder(schema)
	f.Fuzz(func(t *testing.T, data []byte) {
		type change struct {
			row  []byte
			diff int64
		}
		var first []change
		err := dec.DecodeChanges(data, func(row types.Row, diff int64) {
			var b []byte
			var err error
			if diff > 0 {
				b, err = enc.Encode(nil, row)
			} else {
				b, err = enc.EncodeDelete(nil, row)
			}
			if err != nil {
				t.Fatalf("encode of decoded %q: %v", data, err)
			}
			first = append(first, change{b, diff})
		})
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		for _, c := range first {
			var again []byte
			if err := dec.DecodeChanges(c.row, func(row types.Row, diff int64) {
				if diff != c.diff {
					t.Fatalf("diff %d read back as %d", c.diff, diff)
				}
				if diff > 0 {
					again, _ = enc.Encode(nil, row)
				} else {
					again, _ = enc.EncodeDelete(nil, row)
				}
			}); err != nil {
				t.Fatalf("decode of re-encoded %q: %v", c.row, err)
			}
			if !bytes.Equal(again, c.row) {
				t.Fatalf("not a fixed point:\n%q\n%q", c.row, again)
			}
		}
	})
}
