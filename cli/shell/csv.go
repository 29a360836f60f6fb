package shell

import (
	"bufio"
	"strings"
)

// writeCSVHeader writes the column names as psql --csv does.
func writeCSVHeader(w *bufio.Writer, cols []Column) {
	for j, c := range cols {
		if j > 0 {
			w.WriteByte(',')
		}
		writeCSVField(w, c.Name)
	}
	w.WriteByte('\n')
}

// writeCSVRow writes one row: NULL as the null string (empty by default,
// unquoted), so that it differs from an empty string, which is quoted.
func writeCSVRow(w *bufio.Writer, row [][]byte, f Format) {
	for j, v := range row {
		if j > 0 {
			w.WriteByte(',')
		}
		switch {
		case v == nil:
			w.WriteString(f.Null)
		case len(v) == 0:
			w.WriteString(`""`)
		default:
			writeCSVField(w, string(v))
		}
	}
	w.WriteByte('\n')
}

// writeCSVField quotes a field when it holds a comma, a quote, a line break
// or leading or trailing space (RFC 4180, as psql does).
func writeCSVField(w *bufio.Writer, s string) {
	if !strings.ContainsAny(s, ",\"\r\n") && strings.TrimSpace(s) == s {
		w.WriteString(s)
		return
	}
	w.WriteByte('"')
	w.WriteString(strings.ReplaceAll(s, `"`, `""`))
	w.WriteByte('"')
}
