package extest

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Cell is one value as text, the way PostgreSQL prints it; nil is NULL.
type Cell = *string

// Text makes a Cell of s.
func Text(s string) Cell { return &s }

// Actual is what a check's query returned: each row's cells as Postgres
// text, and which columns are floating point (they compare with a
// relative tolerance; every other number compares exactly).
type Actual struct {
	Rows  [][]Cell
	Float []bool
}

// expectedCell turns a YAML value into a Cell: the converter writes
// PostgreSQL text as strings, but hand-written cases may use YAML numbers
// and booleans.
func expectedCell(v any) Cell {
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		return Text(v)
	case bool:
		return Text(strconv.FormatBool(v))
	case int:
		return Text(strconv.Itoa(v))
	case float64:
		return Text(strconv.FormatFloat(v, 'g', -1, 64))
	}
	return Text(fmt.Sprint(v))
}

// CellsEqual compares an expected and an actual cell under the format's
// rules: NULL only equals NULL; numbers compare by value ('7' = 7.0), with
// a relative tolerance of 1e-9 in a floating-point column; booleans t/true
// and f/false; timestamps as YYYY-MM-DD HH:MM:SS[.fff] without trailing
// fractional zeros, in UTC when they carry an offset.
func CellsEqual(want, got Cell, float bool) bool {
	if want == nil || got == nil {
		return want == nil && got == nil
	}
	w, g := *want, *got
	if w == g {
		return true
	}
	if wr, ok := number(w); ok {
		gr, ok := number(g)
		if !ok {
			return false
		}
		if float {
			return floatsClose(w, g)
		}
		return wr.Cmp(gr) == 0
	}
	if wb, ok := boolean(w); ok {
		gb, ok := boolean(g)
		return ok && wb == gb
	}
	if wt, ok := timestamp(w); ok {
		gt, ok := timestamp(g)
		return ok && wt == gt
	}
	return false
}

var numberRE = regexp.MustCompile(`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$`)

// number parses a decimal or scientific literal exactly.
func number(s string) (*big.Rat, bool) {
	s = strings.TrimSpace(s)
	if !numberRE.MatchString(s) {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

// floatsClose compares two numbers with a relative tolerance of 1e-9.
func floatsClose(a, b string) bool {
	x, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	y, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	if err1 != nil || err2 != nil {
		return false
	}
	if x == y {
		return true
	}
	return math.Abs(x-y) <= 1e-9*math.Max(math.Abs(x), math.Abs(y))
}

func boolean(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "t", "true":
		return true, true
	case "f", "false":
		return false, true
	}
	return false, false
}

var timestampRE = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}(?::?\d{2})?)?$`)

// timestamp normalises a timestamp to "YYYY-MM-DD HH:MM:SS[.fff]" with
// trailing fractional zeros removed; one with an offset is moved to UTC.
func timestamp(s string) (string, bool) {
	m := timestampRE.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	date, clock, frac, zone := m[1], m[2], m[3], m[4]
	if zone != "" && zone != "Z" {
		off := strings.ReplaceAll(zone, ":", "")
		if len(off) == 3 {
			off += "00"
		}
		t, err := time.Parse("2006-01-02 15:04:05-0700", date+" "+clock+off)
		if err != nil {
			return "", false
		}
		u := t.UTC()
		date, clock = u.Format("2006-01-02"), u.Format("15:04:05")
	}
	frac = strings.TrimRight(frac, "0")
	if frac == "." {
		frac = ""
	}
	return date + " " + clock + frac, true
}

// rowsEqual compares one expected row with one actual row.
func rowsEqual(want, got []Cell, float []bool) bool {
	if len(want) != len(got) {
		return false
	}
	for i := range want {
		if !CellsEqual(want[i], got[i], i < len(float) && float[i]) {
			return false
		}
	}
	return true
}

// Compare compares the expected rows (YAML values) with the actual rows as
// multisets. It returns "" when they match, or a diff: the rows missing
// and the rows not expected, each with its multiplicity as lines.
func Compare(want [][]any, got Actual) string {
	exp := make([][]Cell, len(want))
	for i, r := range want {
		exp[i] = make([]Cell, len(r))
		for j, v := range r {
			exp[i][j] = expectedCell(v)
		}
	}
	used := make([]bool, len(got.Rows))
	var missing [][]Cell
	for _, w := range exp {
		found := false
		for j, g := range got.Rows {
			if !used[j] && rowsEqual(w, g, got.Float) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			missing = append(missing, w)
		}
	}
	var extra [][]Cell
	for j, g := range got.Rows {
		if !used[j] {
			extra = append(extra, g)
		}
	}
	if len(missing) == 0 && len(extra) == 0 {
		return ""
	}
	var b strings.Builder
	for _, r := range missing {
		fmt.Fprintf(&b, "- %s\n", FormatRow(r))
	}
	for _, r := range extra {
		fmt.Fprintf(&b, "+ %s\n", FormatRow(r))
	}
	fmt.Fprintf(&b, "(- expected but missing, + returned but not expected; expected %d rows, got %d)\n", len(exp), len(got.Rows))
	b.WriteString("got:\n")
	for _, r := range got.Rows {
		fmt.Fprintf(&b, "  %s\n", FormatRow(r))
	}
	return b.String()
}

// CompareText compares rows_text expectations: each actual row printed
// with single spaces between its cells (NULL as NULL), as a multiset.
func CompareText(want []string, got Actual) string {
	rows := make([][]any, len(want))
	for i, w := range want {
		rows[i] = []any{w}
	}
	joined := Actual{Rows: make([][]Cell, len(got.Rows))}
	for i, r := range got.Rows {
		joined.Rows[i] = []Cell{Text(TextRow(r))}
	}
	return Compare(rows, joined)
}

// TextRow prints a row as rows_text does: cells separated by one space.
func TextRow(r []Cell) string {
	parts := make([]string, len(r))
	for i, c := range r {
		if c == nil {
			parts[i] = "NULL"
		} else {
			parts[i] = *c
		}
	}
	return strings.Join(parts, " ")
}

// FormatRow prints a row for a diff: cells quoted, NULL bare.
func FormatRow(r []Cell) string {
	parts := make([]string, len(r))
	for i, c := range r {
		if c == nil {
			parts[i] = "NULL"
		} else {
			parts[i] = strconv.Quote(*c)
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// OrderDiffers reports whether rows that match as a multiset come back in
// another order than expected; the format treats order as informational.
func OrderDiffers(want [][]any, got Actual) bool {
	if len(want) != len(got.Rows) {
		return false
	}
	for i, w := range want {
		cells := make([]Cell, len(w))
		for j, v := range w {
			cells[j] = expectedCell(v)
		}
		if !rowsEqual(cells, got.Rows[i], got.Float) {
			return true
		}
	}
	return false
}
