package shell

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
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
