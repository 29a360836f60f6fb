package shell

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestTableView applies a changelog to the table view and checks the table
// it draws last: updated rows keep their place, deletes remove one copy,
// progress rows only move the time, and lines are cut to the terminal.
func TestTableView(t *testing.T) {
	var out bytes.Buffer
	cols := []Column{{"op", 25}, {"op_ts", 1184}, {"city", 25}, {"n", 20}}
	v := newTableView(&out, cols, Format{}, func() (int, int) { return 30, 20 })
	for _, r := range []string{
		"+I|t1|Paris|1", "+I|t1|Lyon|1", "+I|t1|Rome|1",
		"-U|t2|Paris|1", "+U|t2|Paris|2",
		"-D|t3|Lyon|1",
		"+I|t3|Oslo|1",
		"progress|t4||",
	} {
		f := strings.Split(r, "|")
		row := make([][]byte, len(f))
		for i, x := range f {
			if x != "" {
				row[i] = []byte(x)
			}
		}
		v.row(row)
	}
	v.end(true)
	// The last drawing follows the last "clear to the end of the screen".
	text := out.String()
	last := text[strings.LastIndex(text, "\x1b[J"):]
	last = regexp.MustCompile("\x1b\\[[0-9;?]*[a-zA-Z]").ReplaceAllString(last, "")
	last = strings.ReplaceAll(last, "\r", "")
	want := ` city  | n 
-------+---
 Paris | 2
 Rome  | 1
 Oslo  | 1
(3 rows, 7 changes, as of t4;

`
	if last != want {
		t.Errorf("last drawing:\n%q\nwant:\n%q", last, want)
	}
}

// TestChangelogView checks that the aligned changelog sizes its columns to
// the rows that come first, and widens a column for a later, wider value.
func TestChangelogView(t *testing.T) {
	var out syncBuffer
	cols := []Column{{"op", 25}, {"op_ts", 1184}, {"city", 25}, {"n", 20}}
	v := newChangelogView(&out, cols, Format{}, true)
	v.row([][]byte{[]byte("+I"), []byte("2026-11-22 12:00:00.5+00"), []byte("Paris"), []byte("1")})
	v.row([][]byte{[]byte("+I"), []byte("2026-11-22 12:00:00.5+00"), []byte("Lyon"), []byte("10")})
	time.Sleep(2 * holdFor)
	v.row([][]byte{[]byte("-D"), []byte("2026-11-22 12:00:01.5+00"), []byte("Saint-Étienne"), nil})
	v.end(true)
	want := " op |             op_ts             | city  | n  \n" + `----+-------------------------------+-------+----
 +I | 2026-11-22 12:00:00.5+00      | Paris |  1
 +I | 2026-11-22 12:00:00.5+00      | Lyon  | 10
 -D | 2026-11-22 12:00:01.5+00      | Saint-Étienne |
(3 changes, stopped)

`
	if out.String() != want {
		t.Errorf("changelog:\n%s\nwant:\n%s", out.String(), want)
	}
}

// TestTableViewTall checks that a result taller than the terminal is cut
// to its height, so that the redraw can move back over it.
func TestTableViewTall(t *testing.T) {
	var out bytes.Buffer
	v := newTableView(&out, []Column{{"id", 23}}, Format{}, func() (int, int) { return 80, 10 })
	for i := range 100 {
		v.row([][]byte{[]byte(strconv.Itoa(i))})
	}
	v.end(false)
	text := out.String()
	last := text[strings.LastIndex(text, "\x1b[J"):]
	if n := strings.Count(last, "\n"); n != 9 { // 7 lines of table and marker, the status line, the last newline
		t.Errorf("drew %d lines on a 10-line terminal:\n%s", n, last)
	}
	if !strings.Contains(last, "… (more rows than the terminal has lines)") || !strings.Contains(last, "(100 rows, 100 changes; ended)") {
		t.Errorf("last drawing:\n%s", last)
	}
}
