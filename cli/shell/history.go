package shell

import (
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/term"
)

// history keeps the last maxHistory entries for up/down, and appends each
// new one to a file, if it has one, so that the next session recalls them.
// Appending (rather than rewriting the file at exit) keeps the entries of a
// shell that is killed, and of two shells running at once.
//
// An entry is a whole statement, not a line: a statement typed over several
// lines is recalled as one line, its lines joined by spaces, so that up
// then Enter runs it again. A statement with a -- comment keeps its lines
// as separate entries, since joining would comment out what follows. The
// shell adds entries itself (remember); the Add that x/term calls for every
// line is ignored. It implements term.History.
type history struct {
	lines []string // oldest first
	file  string
	mu    sync.Mutex
}

const maxHistory = 500

var _ term.History = (*history)(nil)

// DefaultHistoryFile is where the shell keeps its history: $RIFFLE_HISTORY
// if set (empty turns the history file off), else
// $XDG_STATE_HOME/riffle/history when XDG_STATE_HOME is set, else
// ~/.riffle_history. lookup reads the environment (os.LookupEnv).
func DefaultHistoryFile(lookup func(string) (string, bool)) string {
	if f, ok := lookup("RIFFLE_HISTORY"); ok {
		return f
	}
	if d, ok := lookup("XDG_STATE_HOME"); ok && d != "" {
		return filepath.Join(d, "riffle", "history")
	}
	if h, ok := lookup("HOME"); ok && h != "" {
		return filepath.Join(h, ".riffle_history")
	}
	return ""
}

// loadHistory reads the history file, if there is one. A file grown past
// twice maxHistory entries is cut back to the last maxHistory.
func loadHistory(file string) *history {
	h := &history{file: file}
	if file == "" {
		return h
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return h
	}
	all := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	for _, l := range all {
		h.add(l)
	}
	if len(all) > 2*maxHistory {
		h.mu.Lock()
		data := strings.Join(h.lines, "\n") + "\n"
		h.mu.Unlock()
		os.WriteFile(file, []byte(data), 0o600)
	}
	return h
}

// Add is x/term's hook for every line read; the shell adds whole
// statements with remember instead.
func (h *history) Add(string) {}

// remember adds the lines of one statement or command, as typed, and
// appends the entries to the file. Errors writing the file are ignored: a
// read-only home must not stop the shell.
func (h *history) remember(typed []string) {
	entries := historyEntries(typed)
	var added []string
	for _, e := range entries {
		if h.add(e) {
			added = append(added, e)
		}
	}
	if h.file == "" || len(added) == 0 {
		return
	}
	os.MkdirAll(filepath.Dir(h.file), 0o700)
	f, err := os.OpenFile(h.file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return
	}
	f.WriteString(strings.Join(added, "\n") + "\n")
	f.Close()
}

// historyEntries turns the lines of a statement into history entries.
func historyEntries(typed []string) []string {
	var lines []string
	comment := false
	for _, l := range typed {
		l = strings.TrimRight(l, "\r\n")
		if strings.TrimSpace(l) == "" {
			continue
		}
		lines = append(lines, l)
		comment = comment || strings.Contains(l, "--")
	}
	if comment || len(lines) < 2 {
		return lines
	}
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return []string{strings.Join(lines, " ")}
}

// add appends an entry unless it is blank or repeats the last one.
func (h *history) add(entry string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if strings.TrimSpace(entry) == "" || (len(h.lines) > 0 && h.lines[len(h.lines)-1] == entry) {
		return false
	}
	h.lines = append(h.lines, entry)
	if len(h.lines) > maxHistory {
		h.lines = append(h.lines[:0], h.lines[len(h.lines)-maxHistory:]...)
	}
	return true
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
