package filesystem

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// hidden reports whether a file or directory name is not data: in-progress
// files ('.part-…'), markers ('_SUCCESS') and the like.
func hidden(name string) bool { return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") }

// Files lists the data files of root, a file or a directory, sorted by
// path. A root that does not exist is an error, unless it names a
// directory (ends in '/'): a sink's, before anything was written.
func Files(root string) ([]string, error) {
	st, err := os.Stat(root)
	if errors.Is(err, fs.ErrNotExist) && strings.HasSuffix(root, "/") {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", root, err)
	}
	if !st.IsDir() {
		return []string{root}, nil
	}
	var out []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == root {
			return nil
		}
		if hidden(d.Name()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", root, err)
	}
	sort.Strings(out)
	return out, nil
}

// Partition reads the col=value directory names between root and file:
// the value of each partition column in names ("" with ok false when the
// path does not name it).
func Partition(root, file string, names []string) ([]string, []bool, error) {
	vals, oks := make([]string, len(names)), make([]bool, len(names))
	rel, err := filepath.Rel(root, filepath.Dir(file))
	if err != nil || rel == "." {
		return vals, oks, nil
	}
	for _, seg := range strings.Split(rel, string(filepath.Separator)) {
		k, v, ok := strings.Cut(seg, "=")
		if !ok {
			continue
		}
		k, err1 := Unescape(k)
		v, err2 := Unescape(v)
		if err1 != nil || err2 != nil {
			return nil, nil, fmt.Errorf("file %s: partition directory %q is not escaped as col=value", file, seg)
		}
		for i, n := range names {
			if strings.EqualFold(n, k) {
				vals[i], oks[i] = v, true
			}
		}
	}
	return vals, oks, nil
}

// PartitionDir is the directory of a row's partition below the root:
// col=value for each partition column, in order.
func PartitionDir(names, values []string) string {
	segs := make([]string, len(names))
	for i, n := range names {
		segs[i] = Escape(n) + "=" + Escape(values[i])
	}
	return filepath.Join(segs...)
}

// Escape escapes the characters a partition directory's name cannot hold
// as %XX, the set Flink (and Hive) escape: '/', ':', '=', '%', control
// characters and a few others.
func Escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f || strings.IndexByte("\"#%'*/:=?\\{[]^", c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Unescape reverses Escape.
func Unescape(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	return url.PathUnescape(s)
}
