package shell

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// A result taller than the terminal goes through a pager, as in psql, so
// that its first rows do not scroll away: $RIFFLE_PAGER, else $PAGER, else
// less (with -S: long lines are cut, not wrapped; -F: a result that fits
// after all is just printed; -X: it stays on the screen after quitting).
// \pset pager off turns it off. Only interactive output to a terminal is
// paged.

// render prints a result in the current format, through the pager if it
// is long.
func (s *shell) render(r *Result) error {
	var b bytes.Buffer
	if err := Render(&b, r, s.format); err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	if err := s.page(b.Bytes()); err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	return nil
}

// page writes text to Out, through the pager when it is on, Out is a
// terminal and text has more lines than the terminal.
func (s *shell) page(text []byte) error {
	if cmd := s.pagerFor(text); cmd != nil {
		cmd.Stdin = bytes.NewReader(text)
		cmd.Stdout, cmd.Stderr = s.cfg.Out, s.cfg.Err
		if err := cmd.Run(); err == nil {
			return nil
		}
		// A pager that cannot run (or failed) must not lose the result.
	}
	_, err := s.cfg.Out.Write(text)
	return err
}

// pagerFor returns the pager command for text, or nil to print it as is.
func (s *shell) pagerFor(text []byte) *exec.Cmd {
	if !s.pager || !s.cfg.Interactive {
		return nil
	}
	size, ok := s.terminalSize()
	if !ok {
		return nil
	}
	if _, height := size(); bytes.Count(text, []byte{'\n'}) < height-1 {
		return nil
	}
	pager := os.Getenv("RIFFLE_PAGER")
	if pager == "" {
		pager = os.Getenv("PAGER")
	}
	if strings.TrimSpace(pager) == "" {
		path, err := exec.LookPath("less")
		if err != nil {
			return nil
		}
		return exec.Command(path, "-S", "-F", "-X")
	}
	return exec.Command("/bin/sh", "-c", pager)
}
