package main

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// block is one fenced code block of the README.
type block struct {
	lang string
	text string
}

func readmeBlocks(t *testing.T) []block {
	t.Helper()
	f, err := os.Open("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var blocks []block
	var cur *block
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &block{lang: strings.TrimPrefix(line, "```")}
		case cur != nil && line == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.text += line + "\n"
		}
	}
	return blocks
}

// TestReadmeTour runs the README's tour as a user would paste it: the SQL
// blocks through psql, the Kafka client command against riffle's broker,
// and checks each output block shown after a SQL block.
func TestReadmeTour(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Skip("psql is not installed; install postgresql-client to run the README tour")
	}
	if _, err := exec.LookPath("kcat"); err != nil {
		t.Skip("kcat is not installed; install kcat to run the README tour")
	}
	addr, kafkaAddr := freePort(t), freePort(t)
	s := startServer(t, t.TempDir(), addr, kafkaAddr)
	defer s.stop(t)
	host, port, _ := net.SplitHostPort(addr)

	var lastOut string
	ran := 0
	for _, b := range readmeBlocks(t) {
		switch b.lang {
		case "sql":
			cmd := exec.Command(psql, "-X", "-h", host, "-p", port, "-U", "riffle", "riffle", "-v", "ON_ERROR_STOP=1")
			cmd.Stdin = strings.NewReader(b.text)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("README SQL failed: %v\n%s\n%s", err, b.text, out)
			}
			lastOut = string(out)
			ran++
		case "sh":
			if !strings.Contains(b.text, "kcat") {
				continue // starting riffle or psql, which the test does itself
			}
			text := strings.ReplaceAll(b.text, "127.0.0.1:9092", kafkaAddr)
			if out, err := exec.Command("sh", "-c", text).CombinedOutput(); err != nil {
				t.Fatalf("README command failed: %v\n%s\n%s", err, text, out)
			}
			ran++
		case "":
			if lastOut == "" {
				t.Fatalf("README output block without a SQL block before it:\n%s", b.text)
			}
			if !containsLines(lastOut, b.text) {
				t.Errorf("README shows:\n%s\npsql printed:\n%s", b.text, lastOut)
			}
			lastOut = ""
		}
	}
	if ran < 4 {
		t.Fatalf("the README tour has only %d runnable blocks; did its format change?", ran)
	}
}

// containsLines reports whether want's lines appear, consecutively, in got,
// ignoring trailing spaces (psql pads its header line).
func containsLines(got, want string) bool {
	trim := func(s string) []string {
		var out []string
		for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
			out = append(out, strings.TrimRight(l, " "))
		}
		return out
	}
	g, w := trim(got), trim(want)
	for i := 0; i+len(w) <= len(g); i++ {
		match := true
		for j := range w {
			if g[i+j] != w[j] {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}
