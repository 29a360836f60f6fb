package filesystem

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
)

// maxLine is the longest record a file may hold.
const maxLine = 64 << 20

// Lines calls fn with each line of file (without its line break, a
// trailing '\r' removed) and its number, from 1. Blank lines are not
// records and are skipped. The line's bytes are valid only during the call.
func Lines(file string, fn func(line []byte, n int) error) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("read %s: %w", file, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSuffix(sc.Bytes(), []byte{'\r'})
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if err := fn(line, n); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", file, err)
	}
	return nil
}
