package format

import (
	"strings"
	"testing"

	"riffle/sql/types"
)

// TestAvroColumns reads the columns of Avro schemas: the inverse of the
// schema riffle derives from a table, and the errors of types SQL lacks.
func TestAvroColumns(t *testing.T) {
	schema := mustSchema(t, "id", "BIGINT NOT NULL", "name", "STRING", "price", "DECIMAL(10, 2)", "day", "DATE",
		"ts", "TIMESTAMP(3)", "tags", "ARRAY<STRING>", "attrs", "MAP<STRING, INT>", "loc", "ROW<lat DOUBLE, lon DOUBLE>",
		"raw", "BYTES", "ok", "BOOLEAN NOT NULL")
	text, err := AvroSchema(schema)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := AvroColumns(RegistrySchema{Schema: text})
	if err != nil {
		t.Fatal(err)
	}
	if len(cols) != len(schema.Columns) {
		t.Fatalf("%d columns, want %d", len(cols), len(schema.Columns))
	}
	for i, c := range cols {
		w := schema.Columns[i]
		if c.Name != w.Name || c.Type.String() != w.Type.String() || c.Nullable != w.Nullable {
			t.Errorf("column %d: %s %s (nullable %v), want %s %s (nullable %v)", i, c.Name, c.Type, c.Nullable, w.Name, w.Type, w.Nullable)
		}
	}
	for _, c := range []struct{ schema, err string }{
		{`{"type": "record", "name": "r", "fields": [{"name": "x", "type": ["int", "string"]}]}`, `field "x": a union of [int, string] has no SQL type`},
		{`{"type": "record", "name": "r", "fields": [{"name": "x", "type": "null"}]}`, `field "x": Avro type null has no SQL type`},
		{`"string"`, `the schema is a string, not a record`},
		{`{"type": "record"`, `invalid schema`},
		{`{"type": "record", "name": "r", "fields": [{"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A"]}},
			{"name": "f", "type": {"type": "fixed", "name": "F", "size": 4}}, {"name": "t", "type": {"type": "long", "logicalType": "timestamp-micros"}}]}`, ``},
	} {
		cols, err := AvroColumns(RegistrySchema{Schema: c.schema})
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%s: %v", c.schema, err)
		case c.err == "":
			if got := []types.Type{cols[0].Type, cols[1].Type, cols[2].Type}; got[0].ID != types.Varchar || got[1].ID != types.Binary || got[2].Precision != 6 {
				t.Errorf("enum, fixed, timestamp-micros: %v", got)
			}
		case err == nil || !strings.Contains(err.Error(), c.err):
			t.Errorf("%s: error %v, want %q", c.schema, err, c.err)
		}
	}
}
