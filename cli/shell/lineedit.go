package shell

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
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
	// Close saves what needs saving (the history) and restores the terminal.
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

func (p *plainReader) Close() error { return nil }

// editReader edits lines in the terminal's raw mode with x/term: cursor
// keys, Ctrl-A/E/K/U/W, and history on up/down. The terminal is raw only
// while a line is read, so that Ctrl-C during a statement still reaches the
// shell as SIGINT and cancels the statement.
type editReader struct {
	fd      int // the terminal to switch to raw mode; -1 leaves it alone (tests)
	t       *term.Terminal
	in      *ctrlC
	history *history

	mu  sync.Mutex
	raw *term.State // the cooked state to return to while the terminal is raw
}

var _ lineReader = (*editReader)(nil)

// newEditReader edits lines read from in and echoed to out. fd is in's
// terminal, or -1.
func newEditReader(in io.Reader, out io.Writer, fd int, h *history) *editReader {
	c := &ctrlC{r: in}
	h.skip = c.pending
	t := term.NewTerminal(struct {
		io.Reader
		io.Writer
	}{c, out}, "")
	t.History = h
	return &editReader{fd: fd, t: t, in: c, history: h}
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
		}
	}
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

// Close restores the terminal even while a ReadLine is still blocked in it
// (Run returning because its context ended), and saves the history.
func (e *editReader) Close() error {
	e.restore()
	return e.history.save()
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

// pending reports whether Ctrl-C was pressed since the last take.
func (c *ctrlC) pending() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.interrupted
}

// take reports whether Ctrl-C was pressed since the last call.
func (c *ctrlC) take() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	was := c.interrupted
	c.interrupted = false
	return was
}

// history keeps the last maxHistory lines for up/down, optionally in a
// file. It implements term.History.
type history struct {
	lines []string // oldest first
	file  string
	// skip reports whether the line being added was cut short by Ctrl-C.
	// It is set before the history is in use.
	skip func() bool
	mu   sync.Mutex
}

const maxHistory = 500

var _ term.History = (*history)(nil)

// loadHistory reads the history file, if there is one.
func loadHistory(file string) *history {
	h := &history{file: file}
	if file == "" {
		return h
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return h
	}
	for _, l := range strings.Split(string(data), "\n") {
		h.add(l)
	}
	return h
}

func (h *history) Add(entry string) {
	if h.skip != nil && h.skip() {
		return
	}
	h.add(entry)
}

func (h *history) add(entry string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if strings.TrimSpace(entry) == "" || (len(h.lines) > 0 && h.lines[len(h.lines)-1] == entry) {
		return
	}
	h.lines = append(h.lines, entry)
	if len(h.lines) > maxHistory {
		h.lines = append(h.lines[:0], h.lines[len(h.lines)-maxHistory:]...)
	}
}

func (h *history) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.lines)
}

func (h *history) At(idx int) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lines[len(h.lines)-1-idx]
}

// save writes the history file, if there is one.
func (h *history) save() error {
	if h.file == "" {
		return nil
	}
	h.mu.Lock()
	data := strings.Join(h.lines, "\n") + "\n"
	h.mu.Unlock()
	return os.WriteFile(h.file, []byte(data), 0o600)
}
