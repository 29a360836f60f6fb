package shell

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"sync"

	"golang.org/x/term"
)

// lineReader reads input one line at a time. ReadLine shows prompt (if the
// reader shows prompts at all) and returns the line with a trailing "\n",
// errInterrupted when the user pressed Ctrl-C while typing it, or the error
// that ended the input (io.EOF at its end). It is called from one goroutine.
type lineReader interface {
	ReadLine(prompt string) (string, error)
	// Remember adds a statement or command, as the lines it was typed in,
	// to the history, if the reader keeps one.
	Remember(typed []string)
	// Close restores the terminal.
	Close() error
}

// errInterrupted is returned by a lineReader for Ctrl-C at the prompt.
var errInterrupted = errors.New("interrupted")

// plainReader reads lines with bufio: scripts, pipes, and terminals where
// line editing is off. The terminal's own line discipline does the editing
// and turns Ctrl-C into SIGINT.
type plainReader struct {
	r   *bufio.Reader
	out io.Writer
}

var _ lineReader = (*plainReader)(nil)

func (p *plainReader) ReadLine(prompt string) (string, error) {
	if prompt != "" {
		io.WriteString(p.out, prompt)
	}
	text, err := p.r.ReadString('\n')
	if text != "" {
		// A last line without its newline still counts; its error comes next time.
		return strings.TrimRight(text, "\r\n") + "\n", nil
	}
	return "", err
}

func (p *plainReader) Remember([]string) {}

func (p *plainReader) Close() error { return nil }

// editReader edits lines in the terminal's raw mode with x/term: cursor
// keys, Ctrl-A/E/K/U/W, history on up/down, and Tab completion. The terminal is raw only
// while a line is read, so that Ctrl-C during a statement still reaches the
// shell as SIGINT and cancels the statement.
type editReader struct {
	fd      int // the terminal to switch to raw mode; -1 leaves it alone (tests)
	t       *term.Terminal
	in      *ctrlC
	history *history

	prompt string // the prompt of the line being read, to redraw it under a list of candidates
	width  int    // the terminal's width, for that list

	// Ctrl-R's search: the text searched for, the history index of the
	// entry found last, and whether the last key was Ctrl-R.
	searchFor string
	searchAt  int
	searching bool

	mu  sync.Mutex
	raw *term.State // the cooked state to return to while the terminal is raw
}

var _ lineReader = (*editReader)(nil)

// newEditReader edits lines read from in and echoed to out. fd is in's
// terminal, or -1. complete, if not nil, answers the Tab key.
func newEditReader(in io.Reader, out io.Writer, fd int, h *history, complete completer) *editReader {
	c := &ctrlC{r: in}
	t := term.NewTerminal(struct {
		io.Reader
		io.Writer
	}{c, out}, "")
	t.History = h
	e := &editReader{fd: fd, t: t, in: c, history: h}
	t.AutoCompleteCallback = e.keys(complete)
	return e
}

func (e *editReader) ReadLine(prompt string) (string, error) {
	if e.fd >= 0 {
		if err := e.makeRaw(); err != nil {
			return "", err
		}
		defer e.restore()
		// A size of 0 (a pty nobody sized) would wrap after every character.
		if w, h, err := term.GetSize(e.fd); err == nil && w > 0 && h > 0 {
			e.t.SetSize(w, h)
			e.width = w
		}
	}
	e.prompt = prompt
	e.t.SetPrompt(prompt)
	text, err := e.t.ReadLine()
	if e.in.take() {
		return "", errInterrupted
	}
	if err != nil {
		return "", err
	}
	return text + "\n", nil
}

// keyCtrlR searches the history.
const keyCtrlR = 0x12

// keys returns x/term's key hook, for the keys it does not handle itself:
// Tab and Ctrl-R.
func (e *editReader) keys(complete completer) func(line string, pos int, key rune) (string, int, bool) {
	tab := e.tab(complete)
	return func(line string, pos int, key rune) (string, int, bool) {
		searching := e.searching
		e.searching = false
		switch {
		case key == '\t' && complete != nil:
			return tab(line, pos)
		case key == keyCtrlR:
			return e.search(line, pos, searching)
		}
		return "", 0, false
	}
}

// search answers Ctrl-R: the line becomes the latest history entry holding
// the text typed (ignoring case); Ctrl-R again finds the one before.
func (e *editReader) search(line string, pos int, again bool) (string, int, bool) {
	if !again {
		e.searchFor, e.searchAt = strings.ToLower(line), -1
	}
	for i := e.searchAt + 1; i < e.history.Len(); i++ {
		if entry := e.history.At(i); strings.Contains(strings.ToLower(entry), e.searchFor) {
			e.searchAt, e.searching = i, true
			return entry, len(entry), true
		}
	}
	// Nothing (more) matches: the line stays, and Ctrl-R again searches anew.
	return line, pos, true
}

// tab answers Tab as readline does: a single candidate replaces the word
// (with a space after it), several extend it to their common prefix, and
// when they share no more than what is typed they are listed above a fresh
// prompt.
func (e *editReader) tab(complete completer) func(line string, pos int) (string, int, bool) {
	return func(line string, pos int) (string, int, bool) {
		start, cands := complete(line[:pos], line[pos:])
		start = min(max(start, 0), pos)
		word := line[start:pos]
		switch {
		case len(cands) == 0:
			return line, pos, true
		case len(cands) == 1:
			c := cands[0]
			if !strings.HasSuffix(c, "/") {
				c += " "
			}
			return line[:start] + c + line[pos:], start + len(c), true
		}
		if p := commonPrefix(cands); len(p) > len(word) {
			return line[:start] + p + line[pos:], start + len(p), true
		}
		e.t.Write([]byte(e.prompt + line + "\n" + columnize(cands, e.width)))
		return line, pos, true
	}
}

// columnize lays candidates out in columns across a terminal width wide, as
// readline lists them.
func columnize(cands []string, width int) string {
	if width <= 0 {
		width = 80
	}
	w := 0
	for _, c := range cands {
		w = max(w, displayWidth(c))
	}
	w += 2
	perLine := max(1, width/w)
	rows := (len(cands) + perLine - 1) / perLine
	var b strings.Builder
	for r := range rows {
		for c := 0; c < perLine; c++ {
			i := c*rows + r
			if i >= len(cands) {
				break
			}
			b.WriteString(cands[i])
			if c < perLine-1 && (c+1)*rows+r < len(cands) {
				b.WriteString(strings.Repeat(" ", w-displayWidth(cands[i])))
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func (e *editReader) Remember(typed []string) { e.history.remember(typed) }

// Close restores the terminal even while a ReadLine is still blocked in it
// (Run returning because its context ended).
func (e *editReader) Close() error {
	e.restore()
	return nil
}

func (e *editReader) makeRaw() error {
	state, err := term.MakeRaw(e.fd)
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.raw = state
	e.mu.Unlock()
	return nil
}

func (e *editReader) restore() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.raw != nil {
		term.Restore(e.fd, e.raw)
		e.raw = nil
	}
}

// ctrlC stands between the terminal and x/term, which would end input on
// Ctrl-C as it does on Ctrl-D. It turns Ctrl-C into "end of line, Enter", so
// the typed text stays on screen and the line ends, and remembers the
// interrupt so the reader discards that line instead of running it. Like a
// terminal's line discipline, it drops input typed ahead of the Ctrl-C.
type ctrlC struct {
	r           io.Reader
	mu          sync.Mutex
	interrupted bool
}

func (c *ctrlC) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if i := bytes.IndexByte(p[:n], 0x03); i >= 0 && len(p) >= i+2 {
		c.mu.Lock()
		c.interrupted = true
		c.mu.Unlock()
		p[i], p[i+1] = 0x05, '\r' // ^E, Enter
		n = i + 2
	}
	return n, err
}

// take reports whether Ctrl-C was pressed since the last call.
func (c *ctrlC) take() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	was := c.interrupted
	c.interrupted = false
	return was
}
