package format

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"riffle/sql/types"
)

// TestJSON runs testdata/connectors/json*.test:
//
//	schema            one column per line, "name TYPE [NOT NULL]"
//	decode            one JSON record per line → the row, "col=text | …", or the error
//	encode            one JSON record per line, decoded and encoded again
func TestJSON(t *testing.T) {
	datadriven.Walk(t, "../../testdata/connectors", func(t *testing.T, path string) {
		if !strings.Contains(path, "json") {
			t.Skip()
		}
		var schema types.Schema
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "schema":
				var err error
				if schema, err = parseSchema(d.Input); err != nil {
					d.Fatalf(t, "%v", err)
				}
				return ""
			case "decode", "encode":
				return runLines(schema, d.Cmd, d.Input)
			}
			d.Fatalf(t, "unknown command %s", d.Cmd)
			return ""
		})
	})
}

func runLines(schema types.Schema, cmd, input string) string {
	dec, enc := NewJSONDecoder(schema), NewJSONEncoder(schema)
	row := make(types.Row, schema.Len())
	var out strings.Builder
	for _, line := range strings.Split(input, "\n") {
		if err := dec.Decode([]byte(line), row); err != nil {
			fmt.Fprintf(&out, "error: %v\n", err)
			continue
		}
		if cmd == "decode" {
			out.WriteString(renderRow(schema, row) + "\n")
			continue
		}
		b, err := enc.Encode(nil, row)
		if err != nil {
			fmt.Fprintf(&out, "encode error: %v\n", err)
			continue
		}
		out.Write(b)
		out.WriteByte('\n')
	}
	return out.String()
}
