package state

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// harness runs testdata/state/*.test. Commands (txn=NAME picks a Txn, one
// per name, default ""; keys and values are plain words, or Go-quoted
// strings for odd bytes):
//
//	put t=ID [txn=]         input lines "key value"
//	delete t=ID k=KEY [txn=]
//	delete-range t=ID [start=] [end=] [txn=]
//	get t=ID k=KEY [txn=|committed]
//	scan t=ID [prefix=] [txn=|committed]
//	iter t=ID [lower=] [upper=] [reverse] [seek-ge=] [txn=|committed]
//	commit [sync=false] [txn=]      abort [txn=]
//	meta-put k= v= [txn=]   meta-delete k= [txn=]   meta-get k= [txn=]   meta-scan [prefix=] [txn=]
//	pos-put q= part= v= [txn=]      positions q= [txn=]
//	next-table-id           drop-table t=ID [txn=]
//	crash                   reopen from what a crash now would leave
//	reopen                  close cleanly and reopen
type harness struct {
	fs   *vfs.MemFS
	st   *Store
	txns map[string]*Txn
}

const testDir = "/db"

func TestTableDataDriven(t *testing.T) {
	// The files directly in testdata/state; codec/ has its own runner.
	paths, err := filepath.Glob("../../testdata/state/*.test")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no test files: %v", err)
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			h := &harness{fs: vfs.NewCrashableMem()}
			h.open(t)
			defer h.close(t)
			datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
				out, err := h.run(t, d)
				if err != nil {
					return "error: " + err.Error() + "\n"
				}
				return out
			})
		})
	}
}

func (h *harness) open(t *testing.T) {
	st, err := OpenFS(h.fs, testDir)
	if err != nil {
		t.Fatal(err)
	}
	h.st, h.txns = st, map[string]*Txn{}
}

func (h *harness) close(t *testing.T) {
	for _, txn := range h.txns {
		if err := txn.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.st.Close(); err != nil {
		t.Fatal(err)
	}
}

func (h *harness) txn(d *datadriven.TestData) *Txn {
	name := ""
	if a, ok := d.Arg("txn"); ok && len(a.Vals) > 0 {
		name = a.Vals[0]
	}
	if h.txns[name] == nil {
		h.txns[name] = h.st.Begin()
	}
	return h.txns[name]
}

// table returns the table named by t=, through a Txn or, with the
// committed argument, the store's read-only view.
func (h *harness) table(t *testing.T, d *datadriven.TestData) *Table {
	var id uint32
	d.ScanArgs(t, "t", &id)
	if d.HasArg("committed") {
		return h.st.Table(id)
	}
	return h.txn(d).Table(id)
}

// arg returns a key or value argument, unquoting Go-quoted strings.
func arg(t *testing.T, d *datadriven.TestData, key string) ([]byte, bool) {
	a, ok := d.Arg(key)
	if !ok {
		return nil, false
	}
	return word(t, a.SingleVal(t)), true
}

func word(t *testing.T, s string) []byte {
	if strings.HasPrefix(s, `"`) {
		u, err := strconv.Unquote(s)
		if err != nil {
			t.Fatalf("bad quoted string %s: %v", s, err)
		}
		return []byte(u)
	}
	return []byte(s)
}

// show renders bytes as a plain word when they are printable, else quoted.
func showBytes(b []byte) string {
	s := string(b)
	if s == "" || strings.ContainsAny(s, " \"=") || strconv.Quote(s) != `"`+s+`"` {
		return strconv.Quote(s)
	}
	return s
}

func (h *harness) run(t *testing.T, d *datadriven.TestData) (string, error) {
	switch d.Cmd {
	case "put":
		tbl := h.table(t, d)
		for _, line := range strings.Split(strings.TrimSpace(d.Input), "\n") {
			kv := strings.Fields(line)
			if len(kv) != 2 {
				t.Fatalf("put: want \"key value\", got %q", line)
			}
			tbl.Put(word(t, kv[0]), word(t, kv[1]))
		}
		return "", nil
	case "delete":
		k, _ := arg(t, d, "k")
		h.table(t, d).Delete(k)
		return "", nil
	case "delete-range":
		start, _ := arg(t, d, "start")
		end, _ := arg(t, d, "end")
		h.table(t, d).DeleteRange(start, end)
		return "", nil
	case "get":
		k, _ := arg(t, d, "k")
		v, ok, err := h.table(t, d).Get(k)
		if err != nil || !ok {
			return showBytes(k) + ": not found\n", err
		}
		return showBytes(k) + "=" + showBytes(v) + "\n", nil
	case "scan", "iter":
		return h.iter(t, d)
	case "commit":
		sync := true
		d.MaybeScanArgs(t, "sync", &sync)
		return "", h.txn(d).Commit(sync)
	case "abort":
		h.txn(d).Abort()
		return "", nil
	case "crash", "reopen":
		return h.reopen(t, d.Cmd == "crash")
	case "next-table-id":
		id, err := h.st.NextTableID()
		return fmt.Sprintf("%d\n", id), err
	case "drop-table":
		var id uint32
		d.ScanArgs(t, "t", &id)
		h.txn(d).DropTable(id)
		return "", nil
	}
	return h.runMeta(t, d)
}

func (h *harness) runMeta(t *testing.T, d *datadriven.TestData) (string, error) {
	k, _ := arg(t, d, "k")
	switch d.Cmd {
	case "meta-put":
		v, _ := arg(t, d, "v")
		h.txn(d).PutMeta(string(k), v)
		return "", nil
	case "meta-delete":
		h.txn(d).DeleteMeta(string(k))
		return "", nil
	case "meta-get":
		v, ok, err := h.txn(d).GetMeta(string(k))
		if err != nil || !ok {
			return showBytes(k) + ": not found\n", err
		}
		return showBytes(k) + "=" + showBytes(v) + "\n", nil
	case "meta-scan":
		prefix, _ := arg(t, d, "prefix")
		var b strings.Builder
		err := h.txn(d).ScanMeta(string(prefix), func(key string, val []byte) error {
			fmt.Fprintf(&b, "%s=%s\n", showBytes([]byte(key)), showBytes(val))
			return nil
		})
		return b.String(), err
	case "pos-put":
		q, _ := arg(t, d, "q")
		part, _ := arg(t, d, "part")
		v, _ := arg(t, d, "v")
		h.txn(d).PutPosition(string(q), string(part), v)
		return "", nil
	case "positions":
		q, _ := arg(t, d, "q")
		ps, err := h.txn(d).Positions(string(q))
		var b strings.Builder
		for _, p := range ps {
			fmt.Fprintf(&b, "%s=%s\n", showBytes([]byte(p.Part)), showBytes(p.Pos))
		}
		return b.String(), err
	}
	t.Fatalf("unknown command %s", d.Cmd)
	return "", nil
}

func (h *harness) iter(t *testing.T, d *datadriven.TestData) (string, error) {
	tbl := h.table(t, d)
	var it *Iter
	var err error
	if d.Cmd == "scan" {
		prefix, _ := arg(t, d, "prefix")
		it, err = tbl.Scan(prefix)
	} else {
		lower, _ := arg(t, d, "lower")
		upper, _ := arg(t, d, "upper")
		it, err = tbl.Iter(lower, upper)
	}
	if err != nil {
		return "", err
	}
	var b strings.Builder
	ok := it.First()
	step := it.Next
	if seek, has := arg(t, d, "seek-ge"); has {
		ok = it.SeekGE(seek)
	}
	if d.HasArg("reverse") {
		ok, step = it.Last(), it.Prev
		if seek, has := arg(t, d, "seek-lt"); has {
			ok = it.SeekLT(seek)
		}
	}
	for ; ok; ok = step() {
		fmt.Fprintf(&b, "%s=%s\n", showBytes(it.Key()), showBytes(it.Value()))
	}
	if b.Len() == 0 {
		b.WriteString("(empty)\n")
	}
	return b.String(), it.Close()
}

// reopen closes the store and opens it again: after a clean close, or from
// a crash clone taken first, which keeps exactly what was synced.
func (h *harness) reopen(t *testing.T, crash bool) (string, error) {
	fs := h.fs
	if crash {
		fs = h.fs.CrashClone(vfs.CrashCloneCfg{})
	}
	h.close(t)
	h.fs = fs
	h.open(t)
	return "", nil
}
