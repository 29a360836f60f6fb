package shell

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Subscribe modes: how the shell shows a streaming result (SUBSCRIBE, or a
// SELECT … EMIT CHANGES) at a terminal, as Flink's SQL client does
// (\pset subscribe).
const (
	// SubscribeTable redraws the current result in place as changes come.
	SubscribeTable = "table"
	// SubscribeChangelog prints every change as a row, op first.
	SubscribeChangelog = "changelog"
)

// liveView shows a streaming result while it arrives. One goroutine calls
// row for each row, in order, then end once, when the statement is over
// (cancelled, failed, or ended by the server). row owns the row it is
// handed. A view may draw from a goroutine of its own between calls (a
// timer); end stops it, prints what is left and a footer, and returns when
// nothing more will be written.
type liveView interface {
	row(row [][]byte)
	end(cancelled bool)
}

var (
	_ liveView = (*changelogView)(nil)
	_ liveView = (*tableView)(nil)
)

// changelogView prints each change when it arrives. In the aligned format
// the header waits holdFor after the result starts, so that the column
// widths fit the rows of the snapshot that come at once; later a column
// grows when a wider value comes (rows already printed keep theirs). A
// value with line breaks is shown on one line, with \n.
type changelogView struct {
	w       io.Writer
	cols    []Column
	f       Format
	verbose bool // print a footer at the end (at a terminal)

	mu     sync.Mutex
	widths []int
	n      int
	headed bool        // the header is out: rows print as they come
	held   [][][]byte  // rows waiting for the header
	timer  *time.Timer // prints the header
}

// holdFor is how long the aligned changelog gathers rows to size its
// columns before printing anything.
const holdFor = 200 * time.Millisecond

func newChangelogView(w io.Writer, cols []Column, f Format, verbose bool) *changelogView {
	v := &changelogView{w: w, cols: cols, f: f, verbose: verbose}
	switch f.Output {
	case CSV:
		var b bytes.Buffer
		bw := bufio.NewWriter(&b)
		writeCSVHeader(bw, cols)
		bw.Flush()
		w.Write(b.Bytes())
		v.headed = true
	case JSON:
		v.headed = true
	default:
		v.widths = make([]int, len(cols))
		for j, c := range cols {
			v.widths[j] = max(displayWidth(c.Name), typicalWidth(c.TypeOID))
		}
		v.timer = time.AfterFunc(holdFor, v.release)
	}
	return v
}

// release prints the header, sized to the rows held, then those rows.
func (v *changelogView) release() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.headed {
		return
	}
	v.headed = true
	for _, row := range v.held {
		for j := range v.cols {
			v.widths[j] = max(v.widths[j], displayWidth(v.text(row, j)))
		}
	}
	var b bytes.Buffer
	for j, c := range v.cols {
		if j > 0 {
			b.WriteByte('|')
		}
		gap := v.widths[j] - displayWidth(c.Name)
		fmt.Fprintf(&b, " %s%s%s ", strings.Repeat(" ", gap/2), c.Name, strings.Repeat(" ", gap-gap/2))
	}
	b.WriteByte('\n')
	for j, wd := range v.widths {
		if j > 0 {
			b.WriteByte('+')
		}
		b.WriteString(strings.Repeat("-", wd+2))
	}
	b.WriteByte('\n')
	v.w.Write(b.Bytes())
	for _, row := range v.held {
		v.print(row)
	}
	v.held = nil
}

// typicalWidth is the width a column of a type is given before any value
// is seen: timestamps have a known width, the rest grow as needed.
func typicalWidth(oid uint32) int {
	switch oid {
	case 1184: // timestamptz: 2026-01-02 03:04:05.678901+00
		return 29
	case 1114: // timestamp: 2026-01-02 03:04:05.678901
		return 26
	}
	return 0
}

func (v *changelogView) row(row [][]byte) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.n++
	if !v.headed {
		v.held = append(v.held, row)
		return
	}
	v.print(row)
}

// text is how column j of row shows in the aligned format.
func (v *changelogView) text(row [][]byte, j int) string {
	if j >= len(row) || row[j] == nil {
		return v.f.Null
	}
	return strings.ReplaceAll(strings.ReplaceAll(string(row[j]), "\r", `\r`), "\n", `\n`)
}

func (v *changelogView) print(row [][]byte) {
	var b bytes.Buffer
	bw := bufio.NewWriter(&b)
	switch v.f.Output {
	case CSV:
		writeCSVRow(bw, row, v.f)
	case JSON:
		writeJSONRow(bw, v.cols, row)
	default:
		for j := range v.cols {
			if j > 0 {
				bw.WriteByte('|')
			}
			text := v.text(row, j)
			v.widths[j] = max(v.widths[j], displayWidth(text))
			gap := strings.Repeat(" ", v.widths[j]-displayWidth(text))
			if isNumericOID(v.cols[j].TypeOID) {
				fmt.Fprintf(bw, " %s%s ", gap, text)
			} else {
				fmt.Fprintf(bw, " %s%s ", text, gap)
			}
		}
		bw.WriteByte('\n')
	}
	bw.Flush()
	v.w.Write(bytes.TrimRight(b.Bytes(), " \n"))
	v.w.Write([]byte{'\n'})
}

func (v *changelogView) end(cancelled bool) {
	if v.timer != nil {
		v.timer.Stop()
		v.release()
	}
	if !v.verbose || v.f.Output != Aligned {
		return
	}
	how := ""
	if cancelled {
		how = ", stopped"
	}
	fmt.Fprintf(v.w, "(%s%s)\n\n", plural(v.n, "change"), how)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// tableView keeps the current result of a subscription, applying each
// change (+I and +U add a row, -U and -D take one away), and redraws it in
// place on the terminal at most every redrawEvery, with a status line
// under it. The result is drawn without the op and op_ts columns. Rows
// keep their place: a row updated by -U then +U stays where it was.
type tableView struct {
	w    io.Writer
	cols []Column // the result's own columns
	skip int      // how many leading columns (op, op_ts) are the change's, not the result's
	f    Format
	size func() (width, height int)

	mu      sync.Mutex
	rows    [][][]byte
	changes int
	asOf    string // op_ts of the last change or progress row
	hole    int    // where the row taken away by the last -U was, -1 if none
	dirty   bool
	drawn   int // lines drawn last time, to move back over them
	stop    chan struct{}
	stopped chan struct{}
}

const redrawEvery = 100 * time.Millisecond

func newTableView(w io.Writer, cols []Column, f Format, size func() (int, int)) *tableView {
	v := &tableView{w: w, cols: cols, f: f, size: size, hole: -1, dirty: true,
		stop: make(chan struct{}), stopped: make(chan struct{})}
	if len(cols) >= 2 && cols[0].Name == "op" && cols[1].Name == "op_ts" {
		v.skip = 2
	}
	v.cols = cols[v.skip:]
	io.WriteString(w, "\x1b[?25l") // hide the cursor while redrawing
	go v.redrawLoop()
	return v
}

func (v *tableView) redrawLoop() {
	defer close(v.stopped)
	t := time.NewTicker(redrawEvery)
	defer t.Stop()
	for {
		v.mu.Lock()
		if v.dirty {
			v.draw("Ctrl-C to stop")
		}
		v.mu.Unlock()
		select {
		case <-t.C:
		case <-v.stop:
			return
		}
	}
}

func (v *tableView) row(row [][]byte) {
	v.mu.Lock()
	defer v.mu.Unlock()
	op := "+I"
	if v.skip == 2 && len(row) >= 2 {
		op = string(row[0])
		if row[1] != nil {
			v.asOf = string(row[1])
		}
	}
	vals := row[min(v.skip, len(row)):]
	switch op {
	case "progress":
	case "-U", "-D":
		v.changes++
		if i := v.find(vals); i >= 0 {
			v.rows = append(v.rows[:i], v.rows[i+1:]...)
			if op == "-U" {
				v.hole = i
			}
		}
	default: // +I, +U
		v.changes++
		if op == "+U" && v.hole >= 0 && v.hole <= len(v.rows) {
			v.rows = append(v.rows[:v.hole], append([][][]byte{vals}, v.rows[v.hole:]...)...)
		} else {
			v.rows = append(v.rows, vals)
		}
		v.hole = -1
	}
	v.dirty = true
}

// find returns the index of the last row equal to vals, or -1.
func (v *tableView) find(vals [][]byte) int {
	for i := len(v.rows) - 1; i >= 0; i-- {
		if rowsEqual(v.rows[i], vals) {
			return i
		}
	}
	return -1
}

func rowsEqual(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if (a[i] == nil) != (b[i] == nil) || !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func (v *tableView) end(cancelled bool) {
	close(v.stop)
	<-v.stopped
	v.mu.Lock()
	defer v.mu.Unlock()
	how := "ended"
	if cancelled {
		how = "stopped"
	}
	v.draw(how)
	io.WriteString(v.w, "\x1b[?25h\n")
}

// draw replaces what was drawn last with the current result. Lines are cut
// to the terminal's width and the rows to its height, so that moving the
// cursor back up over them lands where the drawing began.
func (v *tableView) draw(status string) {
	width, height := v.size()
	// Only the rows that can fit are rendered: a large result is redrawn
	// ten times a second.
	shown := v.rows[:min(len(v.rows), height)]
	var b bytes.Buffer
	Render(&b, &Result{Columns: v.cols, Rows: shown}, Format{Null: v.f.Null})
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	// Render's last line is its "(N rows)" footer: the status line replaces it.
	lines = lines[:len(lines)-1]
	if room := max(height-3, 3); len(lines) > room {
		lines = append(lines[:room-1], "… (more rows than the terminal has lines)")
	}
	asOf := ""
	if v.asOf != "" {
		asOf = ", as of " + v.asOf
	}
	lines = append(lines, fmt.Sprintf("(%s, %s%s; %s)", plural(len(v.rows), "row"), plural(v.changes, "change"), asOf, status))
	var out bytes.Buffer
	if v.drawn > 0 {
		fmt.Fprintf(&out, "\x1b[%dF", v.drawn) // to the start of the first line drawn
	}
	out.WriteString("\r\x1b[J") // clear from there to the end of the screen
	for _, l := range lines {
		out.WriteString(cut(l, width-1))
		out.WriteString("\r\n")
	}
	v.w.Write(out.Bytes())
	v.drawn = len(lines)
	v.dirty = false
}

// cut shortens s to at most width terminal columns.
func cut(s string, width int) string {
	if width <= 0 || displayWidth(s) <= width {
		return s
	}
	w := 0
	for i, r := range s {
		if w+runeWidth(r) > width {
			return s[:i]
		}
		w += runeWidth(r)
	}
	return s
}
