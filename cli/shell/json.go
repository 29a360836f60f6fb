package shell

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strconv"
)

// writeJSONRow writes one row as a JSON object on one line, keys in column
// order. Numbers and Booleans keep their JSON types and json/jsonb values
// are embedded as they are; every other value is a string, NULL is null.
func writeJSONRow(w *bufio.Writer, cols []Column, row [][]byte) {
	w.WriteByte('{')
	for j, c := range cols {
		if j > 0 {
			w.WriteByte(',')
		}
		writeJSONString(w, c.Name)
		w.WriteByte(':')
		var v []byte
		if j < len(row) {
			v = row[j]
		}
		writeJSONValue(w, c.TypeOID, v)
	}
	w.WriteString("}\n")
}

func writeJSONValue(w *bufio.Writer, oid uint32, v []byte) {
	switch {
	case v == nil:
		w.WriteString("null")
	case oid == 16 && (string(v) == "t" || string(v) == "f"): // bool
		if v[0] == 't' {
			w.WriteString("true")
		} else {
			w.WriteString("false")
		}
	case isNumericOID(oid) && oid != 790 && isJSONNumber(v): // money keeps its currency sign as a string
		w.Write(v)
	case (oid == 114 || oid == 3802) && json.Valid(v): // json, jsonb
		w.Write(v)
	default:
		writeJSONString(w, string(v))
	}
}

// isJSONNumber reports whether a number's text is also a JSON number; NaN
// and Infinity are not, and are written as strings.
func isJSONNumber(v []byte) bool {
	if _, err := strconv.ParseFloat(string(v), 64); err != nil {
		return false
	}
	return json.Valid(v)
}

// writeJSONString writes s quoted, leaving <, > and & as they are.
func writeJSONString(w *bufio.Writer, s string) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	w.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}
