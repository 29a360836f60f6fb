package filesystem

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Sink writes one writer's part files under a root directory. A writer
// (a query) names its files with its own prefix, so writers of one
// directory never touch each other's files. One goroutine uses a Sink.
type Sink struct {
	root, prefix, ext string
	open              map[string]*part // by partition directory
}

type part struct {
	f *os.File
	w *bufio.Writer
}

// Pending is a part file written and synced, to become visible once the
// epoch that wrote it commits.
type Pending struct {
	InProgress, Final string // paths below the root
}

// NewSink returns a sink of part files under root named with prefix and
// ext ("csv", "json").
func NewSink(root, prefix, ext string) *Sink {
	return &Sink{root: root, prefix: prefix, ext: ext, open: map[string]*part{}}
}

// Write appends one record, and a line break, to the epoch's part file of
// partition directory dir ("" for an unpartitioned table).
func (s *Sink) Write(dir string, record []byte) error {
	p, ok := s.open[dir]
	if !ok {
		d := filepath.Join(s.root, dir)
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("filesystem sink: %w", err)
		}
		name := filepath.Join(d, "."+s.partName(len(s.open), -1)+".inprogress")
		f, err := os.OpenFile(name, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
		if err != nil {
			return fmt.Errorf("filesystem sink: %w", err)
		}
		p = &part{f: f, w: bufio.NewWriterSize(f, 256<<10)}
		s.open[dir] = p
	}
	p.w.Write(record)
	return p.w.WriteByte('\n')
}

// partName is a part file's name (without the in-progress decoration);
// seq < 0 stands for the epoch being written.
func (s *Sink) partName(i int, seq int64) string {
	q := "next"
	if seq >= 0 {
		q = strconv.FormatInt(seq, 10)
	}
	return fmt.Sprintf("part-%s-%s-%d.%s", s.prefix, q, i, s.ext)
}

// Prepare ends epoch seq's part files: flushed, synced, closed and moved
// to their pending names (still hidden), which it returns for the caller
// to record with the epoch's commit. Nothing written: none.
func (s *Sink) Prepare(seq int64) ([]Pending, error) {
	dirs := make([]string, 0, len(s.open))
	for d := range s.open {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	var out []Pending
	var errs []error
	for i, d := range dirs {
		p := s.open[d]
		err := errors.Join(p.w.Flush(), p.f.Sync())
		err = errors.Join(err, p.f.Close())
		final := filepath.Join(d, s.partName(i, seq))
		pending := filepath.Join(d, "."+s.partName(i, seq)+".pending")
		if err == nil {
			err = os.Rename(p.f.Name(), filepath.Join(s.root, pending))
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, Pending{InProgress: pending, Final: final})
	}
	clear(s.open)
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("filesystem sink: %w", err)
	}
	return out, nil
}

// Commit makes committed part files visible: each pending file is renamed
// to its final name. A file already renamed (Commit again after a crash)
// is passed over.
func Commit(root string, ps []Pending) error {
	dirs := map[string]bool{}
	for _, p := range ps {
		from, to := filepath.Join(root, p.InProgress), filepath.Join(root, p.Final)
		if err := os.Rename(from, to); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // renamed before a crash (and maybe moved on since)
			}
			return fmt.Errorf("filesystem sink: commit %s: %w", to, err)
		}
		dirs[filepath.Dir(to)] = true
	}
	for d := range dirs {
		syncDir(d)
	}
	return nil
}

// syncDir makes the renames in directory d durable, where the platform
// allows it.
func syncDir(d string) {
	if f, err := os.Open(d); err == nil {
		f.Sync()
		f.Close()
	}
}

// Abort removes the writer's hidden part files under the sink's root
// that keep does not name: those of an epoch that never committed. It
// also forgets the part files open in the sink.
func (s *Sink) Abort(keep []Pending) error {
	for _, p := range s.open {
		p.f.Close()
		os.Remove(p.f.Name())
	}
	clear(s.open)
	kept := map[string]bool{}
	for _, p := range keep {
		kept[filepath.Join(s.root, p.InProgress)] = true
	}
	mine := ".part-" + s.prefix + "-"
	err := filepath.WalkDir(s.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.IsDir() && strings.HasPrefix(d.Name(), mine) && !kept[p] {
			return os.Remove(p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("filesystem sink: clean up %s: %w", s.root, err)
	}
	return nil
}

// Close closes the open part files, leaving them for Abort.
func (s *Sink) Close() {
	for _, p := range s.open {
		p.f.Close()
	}
	clear(s.open)
}
