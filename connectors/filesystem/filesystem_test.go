package filesystem

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// visible reads the visible files under root: path → contents.
func visible(t *testing.T, root string) map[string]string {
	t.Helper()
	files, err := Files(root)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, f)
		out[rel] = string(b)
	}
	return out
}

// TestSinkEpochs walks the sink through the epochs of a query that
// crashes twice: once before its commit (the epoch's files must vanish),
// once after the commit but before the renames (they must appear when it
// opens again), checking what a reader sees at every point.
func TestSinkEpochs(t *testing.T) {
	root := t.TempDir()
	s := NewSink(root, "q1", "csv")
	if err := s.Write("dt=1", []byte("a,1")); err != nil {
		t.Fatal(err)
	}
	if err := s.Write("", []byte("b,2")); err != nil {
		t.Fatal(err)
	}
	if got := visible(t, root); len(got) != 0 {
		t.Fatalf("in-progress files are visible: %v", got)
	}
	p0, err := s.Prepare(0)
	if err != nil {
		t.Fatal(err)
	}
	if got := visible(t, root); len(got) != 0 {
		t.Fatalf("pending files are visible before the commit: %v", got)
	}
	if err := Commit(root, p0); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"part-q1-0-0.csv": "b,2\n", "dt=1/part-q1-0-1.csv": "a,1\n"}
	if got := visible(t, root); !equal(got, want) {
		t.Fatalf("after commit 0: %v, want %v", got, want)
	}
	// Epoch 1 is written and prepared, but the process dies before its
	// commit: reopened, the sink removes its files.
	s.Write("dt=1", []byte("lost,3"))
	if _, err := s.Prepare(1); err != nil {
		t.Fatal(err)
	}
	s.Write("dt=2", []byte("open,4")) // and one still in progress
	s = NewSink(root, "q1", "csv")
	if err := Commit(root, p0); err != nil { // the last commit's list, again: idempotent
		t.Fatal(err)
	}
	if err := s.Abort(nil); err != nil {
		t.Fatal(err)
	}
	if got := visible(t, root); !equal(got, want) {
		t.Fatalf("after the crash before commit 1: %v, want %v", got, want)
	}
	if hidden := hiddenFiles(t, root); len(hidden) != 0 {
		t.Fatalf("hidden files left: %v", hidden)
	}
	// Epoch 1 again, committed, but the renames never happen: opening
	// again finishes them.
	s.Write("dt=1", []byte("c,5"))
	p1, err := s.Prepare(1)
	if err != nil {
		t.Fatal(err)
	}
	other := NewSink(root, "q2", "csv") // another query's files are not q1's to touch
	other.Write("", []byte("z,9"))
	s = NewSink(root, "q1", "csv")
	if err := Commit(root, p1); err != nil {
		t.Fatal(err)
	}
	if err := s.Abort(nil); err != nil {
		t.Fatal(err)
	}
	want["dt=1/part-q1-1-0.csv"] = "c,5\n"
	if got := visible(t, root); !equal(got, want) {
		t.Fatalf("after the crash after commit 1: %v, want %v", got, want)
	}
	if hidden := hiddenFiles(t, root); len(hidden) != 1 || !strings.HasPrefix(hidden[0], ".part-q2-") {
		t.Fatalf("hidden files: %v, want q2's in-progress file only", hidden)
	}
}

func hiddenFiles(t *testing.T, root string) []string {
	var out []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), ".") {
			out = append(out, d.Name())
		}
		return nil
	})
	slices.Sort(out)
	return out
}

func equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestPartitionPaths(t *testing.T) {
	dir := PartitionDir([]string{"dt", "hm"}, []string{"2024-01-01", "10:30"})
	if dir != "dt=2024-01-01/hm=10%3A30" {
		t.Fatalf("dir %q", dir)
	}
	vals, oks, err := Partition("/r", "/r/"+dir+"/part-0.csv", []string{"hm", "dt", "x"})
	if err != nil || !slices.Equal(vals, []string{"10:30", "2024-01-01", ""}) || !slices.Equal(oks, []bool{true, true, false}) {
		t.Fatalf("Partition: %q %v %v", vals, oks, err)
	}
	for _, s := range []string{"a/b", "x=y", "%", "plain", "new\nline"} {
		if got, err := Unescape(Escape(s)); err != nil || got != s {
			t.Errorf("Unescape(Escape(%q)) = %q, %v", s, got, err)
		}
	}
}

func TestFilesSkipsHidden(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"b.csv", "a/c.csv", "_SUCCESS", ".part-x.inprogress", "_tmp/d.csv", ".hidden/e.csv"} {
		p := filepath.Join(root, f)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte("1\n"), 0o644)
	}
	files, err := Files(root)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(root, "a/c.csv"), filepath.Join(root, "b.csv")}
	if !slices.Equal(files, want) {
		t.Fatalf("Files = %v, want %v", files, want)
	}
	if _, err := Files(filepath.Join(root, "missing.csv")); err == nil {
		t.Fatal("a missing file reads without an error")
	}
	if files, err := Files(filepath.Join(root, "missing") + "/"); err != nil || len(files) != 0 {
		t.Fatalf("a missing directory: %v, %v; want none, no error", files, err)
	}
}
