package shell

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Column describes one result column as the wire's RowDescription gives it.
type Column struct {
	Name    string
	TypeOID uint32
}

// Result is one statement's outcome, as the shell prints it.
type Result struct {
	// Columns is nil for a statement that returned no rows; the shell then
	// prints Tag alone.
	Columns []Column
	// Rows hold the values in text form; a nil value is NULL.
	Rows [][][]byte
	// Tag is the command tag: "CREATE TABLE", "INSERT 0 2", "SELECT 3".
	Tag string
	// Title, if set, is printed centred above an aligned table, as psql's
	// \d commands do ("List of relations").
	Title string
	// Footer lines, if any, follow the table instead of the row count.
	Footer []string
}

// Output is a result format (\pset format, --format).
type Output int

const (
	// Aligned is psql's table (or, with Expanded, its records).
	Aligned Output = iota
	// CSV is a header line and one line per row (RFC 4180); NULL is Null.
	CSV
	// JSON is one JSON object per row and line (JSON Lines).
	JSON
)

// ParseOutput reads a format name: aligned, csv or json.
func ParseOutput(name string) (Output, error) {
	switch strings.ToLower(name) {
	case "aligned":
		return Aligned, nil
	case "csv":
		return CSV, nil
	case "json":
		return JSON, nil
	}
	return Aligned, fmt.Errorf("unknown format %q (supported: aligned, csv, json)", name)
}

func (o Output) String() string {
	return [...]string{"aligned", "csv", "json"}[o]
}

// Format says how results are printed.
type Format struct {
	// Output is aligned, CSV or JSON.
	Output Output
	// Expanded prints each row as a record of "column | value" lines (\x);
	// it applies to the aligned format.
	Expanded bool
	// Null is what a NULL prints as (\pset null); psql's default is "".
	Null string
}

// Render prints r in psql's aligned (or expanded) format: a centred header,
// a separator line, the rows, and a "(N rows)" footer; numeric columns are
// right-aligned and a value spanning several lines carries psql's '+'
// continuation mark. A result without columns prints its command tag.
// In CSV and JSON only rows are printed, so that the output can be read by
// a program: a result without columns prints nothing.
func Render(w io.Writer, r *Result, f Format) error {
	bw := bufio.NewWriter(w)
	switch {
	case f.Output == CSV:
		if r.Columns != nil {
			writeCSVHeader(bw, r.Columns)
			for _, row := range r.Rows {
				writeCSVRow(bw, row, f)
			}
		}
	case f.Output == JSON:
		for _, row := range r.Rows {
			writeJSONRow(bw, r.Columns, row)
		}
	case r.Columns == nil:
		if r.Tag != "" {
			bw.WriteString(r.Tag)
			bw.WriteByte('\n')
		}
	case f.Expanded:
		renderExpanded(bw, r, f)
	default:
		renderAligned(bw, r, f)
	}
	return bw.Flush()
}

// table is a result cut into lines, with the width of every column.
type table struct {
	header [][]string   // per column, the lines of its name
	cells  [][][]string // per row, per column, the lines of its value
	width  []int        // per column, the widest line of header and cells
	right  []bool       // per column, whether values are right-aligned
}

func newTable(r *Result, f Format) *table {
	t := &table{
		header: make([][]string, len(r.Columns)),
		width:  make([]int, len(r.Columns)),
		right:  make([]bool, len(r.Columns)),
	}
	for j, c := range r.Columns {
		t.header[j] = strings.Split(c.Name, "\n")
		t.right[j] = isNumericOID(c.TypeOID)
		t.width[j] = maxWidth(t.header[j])
	}
	t.cells = make([][][]string, len(r.Rows))
	for i, row := range r.Rows {
		t.cells[i] = make([][]string, len(r.Columns))
		for j := range r.Columns {
			v := f.Null
			if j < len(row) && row[j] != nil {
				v = string(row[j])
			}
			t.cells[i][j] = strings.Split(v, "\n")
			t.width[j] = max(t.width[j], maxWidth(t.cells[i][j]))
		}
	}
	return t
}

func renderAligned(w *bufio.Writer, r *Result, f Format) {
	if len(r.Columns) == 0 {
		// psql prints a bare separator for a row set without columns.
		fmt.Fprintf(w, "--\n%s\n\n", rowCount(len(r.Rows)))
		return
	}
	t := newTable(r, f)
	if r.Title != "" {
		total := len(t.width) - 1
		for _, wd := range t.width {
			total += wd + 2
		}
		pad(w, max(0, (total-displayWidth(r.Title))/2))
		w.WriteString(r.Title)
		w.WriteByte('\n')
	}
	t.writeHeader(w)
	for j, wd := range t.width {
		if j > 0 {
			w.WriteByte('+')
		}
		w.WriteString(strings.Repeat("-", wd+2))
	}
	w.WriteByte('\n')
	for _, row := range t.cells {
		t.writeRow(w, row)
	}
	if r.Footer != nil {
		for _, l := range r.Footer {
			w.WriteString(l)
			w.WriteByte('\n')
		}
		w.WriteByte('\n')
		return
	}
	fmt.Fprintf(w, "%s\n\n", rowCount(len(r.Rows)))
}

// writeHeader prints the column names centred; unlike values, the last
// column's name is padded to its full width.
func (t *table) writeHeader(w *bufio.Writer) {
	n := 0
	for _, h := range t.header {
		n = max(n, len(h))
	}
	for k := range n {
		for j, lines := range t.header {
			if j > 0 {
				w.WriteByte('|')
			}
			w.WriteByte(' ')
			text := ""
			if k < len(lines) {
				text = lines[k]
			}
			gap := t.width[j] - displayWidth(text)
			pad(w, gap/2)
			w.WriteString(text)
			pad(w, gap-gap/2)
			if k < len(lines)-1 {
				w.WriteByte('+')
			} else {
				w.WriteByte(' ')
			}
		}
		w.WriteByte('\n')
	}
}

// writeRow prints one row, over as many lines as its tallest value. The last
// column carries no trailing padding, as in psql.
func (t *table) writeRow(w *bufio.Writer, row [][]string) {
	n := 1
	for _, lines := range row {
		n = max(n, len(lines))
	}
	last := len(row) - 1
	for k := range n {
		for j, lines := range row {
			if j > 0 {
				w.WriteByte('|')
			}
			w.WriteByte(' ')
			switch {
			case k >= len(lines):
				if j < last {
					pad(w, t.width[j])
				}
			case t.right[j]:
				pad(w, t.width[j]-displayWidth(lines[k]))
				w.WriteString(lines[k])
			default:
				w.WriteString(lines[k])
				if j < last || k < len(lines)-1 {
					pad(w, t.width[j]-displayWidth(lines[k]))
				}
			}
			switch {
			case k < len(lines)-1:
				w.WriteByte('+')
			case j < last:
				w.WriteByte(' ')
			}
		}
		w.WriteByte('\n')
	}
}

// renderExpanded prints one "-[ RECORD n ]" block per row, with a line per
// column: the name padded to the widest name, then the value.
func renderExpanded(w *bufio.Writer, r *Result, f Format) {
	if len(r.Rows) == 0 {
		fmt.Fprintf(w, "%s\n\n", rowCount(0))
		return
	}
	t := newTable(r, f)
	hwidth, dwidth := 0, 0
	for j := range r.Columns {
		hwidth = max(hwidth, maxWidth(t.header[j]))
	}
	for _, row := range t.cells {
		for _, lines := range row {
			dwidth = max(dwidth, maxWidth(lines))
		}
	}
	for i, row := range t.cells {
		title := fmt.Sprintf("-[ RECORD %d ]", i+1)
		w.WriteString(title)
		w.WriteString(strings.Repeat("-", max(0, hwidth+3+dwidth-len(title))))
		w.WriteByte('\n')
		for j, lines := range row {
			writeField(w, t.header[j], lines, hwidth, dwidth)
		}
	}
	w.WriteByte('\n')
}

// writeField prints one "name | value" pair of an expanded record.
func writeField(w *bufio.Writer, name, value []string, hwidth, dwidth int) {
	for k := range max(len(name), len(value)) {
		text := ""
		if k < len(name) {
			text = name[k]
		}
		w.WriteString(text)
		pad(w, hwidth-displayWidth(text))
		if k < len(name)-1 {
			w.WriteString("+| ")
		} else {
			w.WriteString(" | ")
		}
		if k < len(value) {
			w.WriteString(value[k])
			if k < len(value)-1 {
				pad(w, dwidth-displayWidth(value[k]))
				w.WriteByte('+')
			}
		}
		w.WriteByte('\n')
	}
}

func rowCount(n int) string {
	if n == 1 {
		return "(1 row)"
	}
	return fmt.Sprintf("(%d rows)", n)
}

func pad(w *bufio.Writer, n int) {
	for range n {
		w.WriteByte(' ')
	}
}

// isNumericOID reports whether values of the type are right-aligned, the
// same set of types psql right-aligns.
func isNumericOID(oid uint32) bool {
	switch oid {
	case 20, 21, 23, // int8, int2, int4
		26, 28, 29, 5069, // oid, xid, cid, xid8
		700, 701, 1700, 790: // float4, float8, numeric, money
		return true
	}
	return false
}

func maxWidth(lines []string) int {
	w := 0
	for _, l := range lines {
		w = max(w, displayWidth(l))
	}
	return w
}

// displayWidth is how many terminal columns s takes: East Asian wide
// characters take two, combining marks none.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		n += runeWidth(r)
	}
	return n
}

func runeWidth(r rune) int {
	switch {
	case r == utf8.RuneError, r < 0x20, r == 0x7f:
		return 1
	case unicode.Is(unicode.Mn, r), unicode.Is(unicode.Me, r), r == 0x200b:
		return 0
	case isWide(r):
		return 2
	}
	return 1
}

// isWide covers the East Asian Wide and Fullwidth blocks and the emoji
// planes, which terminals draw two columns wide.
func isWide(r rune) bool {
	return (r >= 0x1100 && r <= 0x115f) ||
		(r >= 0x2e80 && r <= 0xa4cf && r != 0x303f) ||
		(r >= 0xac00 && r <= 0xd7a3) ||
		(r >= 0xf900 && r <= 0xfaff) ||
		(r >= 0xfe30 && r <= 0xfe4f) ||
		(r >= 0xff00 && r <= 0xff60) ||
		(r >= 0xffe0 && r <= 0xffe6) ||
		(r >= 0x1f300 && r <= 0x1f64f) ||
		(r >= 0x1f900 && r <= 0x1f9ff) ||
		(r >= 0x20000 && r <= 0x3fffd)
}
