package node

import (
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"riffle/catalog"
	"riffle/exec/runtime"
	"riffle/exec/state"
)

// eosQueries declares a stream, a stateless query and an aggregation into
// Kafka tables, both exactly-once (the default).
func eosQueries(t *testing.T, n *Node) {
	c := connect(t, n)
	defer c.Close(t.Context())
	exec(t, c, `CREATE TABLE clicks (page STRING, uid BIGINT) WITH ('topic.partitions' = '2')`)
	exec(t, c, `CREATE TABLE seen (page STRING, uid BIGINT)`)
	exec(t, c, `CREATE TABLE page_counts (page STRING, views BIGINT, users BIGINT, PRIMARY KEY (page) NOT ENFORCED)`)
	exec(t, c, `INSERT INTO seen SELECT page, uid FROM clicks`)
	exec(t, c, `INSERT INTO page_counts SELECT page, COUNT(*), COUNT(DISTINCT uid) FROM clicks GROUP BY page`)
}

// clicks inserts n clicks numbered from first and flushes.
func clicks(t *testing.T, n *Node, first, count int) {
	c := connect(t, n)
	defer c.Close(t.Context())
	var vals []string
	for i := first; i < first+count; i++ {
		vals = append(vals, fmt.Sprintf("('p%d', %d)", i%3, i%5))
	}
	exec(t, c, `INSERT INTO clicks VALUES `+strings.Join(vals, ", "))
	exec(t, c, `FLUSH`)
}

// checkEOS checks the outputs after clicks 0..total-1: every click seen
// once, and counts that saw each once.
func checkEOS(t *testing.T, n *Node, total int) {
	t.Helper()
	c := connect(t, n)
	defer c.Close(t.Context())
	var want []string
	for i := range total {
		want = append(want, fmt.Sprintf("p%d|%d", i%3, i%5))
	}
	slices.Sort(want)
	sameRows(t, "each click once", sorted(rows(t, c, `SELECT page, uid FROM seen`)), want)
	counts := map[string]int{}
	users := map[string]map[int]bool{}
	for i := range total {
		p := fmt.Sprintf("p%d", i%3)
		counts[p]++
		if users[p] == nil {
			users[p] = map[int]bool{}
		}
		users[p][i%5] = true
	}
	want = want[:0]
	for p, k := range counts {
		want = append(want, fmt.Sprintf("%s|%d|%d", p, k, len(users[p])))
	}
	slices.Sort(want)
	sameRows(t, "counts", sorted(rows(t, c, `SELECT * FROM page_counts`)), want)
}

// TestExactlyOnceOlderState restarts queries on a state store that is one
// commit behind Kafka (a backup, or a crash between the Kafka transaction
// and the store's commit): the state comes from the changelog, and nothing
// is read or written twice.
func TestExactlyOnceOlderState(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	eosQueries(t, n)
	clicks(t, n, 0, 10)
	checkEOS(t, n, 10)
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	older := filepath.Join(t.TempDir(), "state")
	if out, err := osexec.Command("cp", "-a", filepath.Join(dir, "state"), older).CombinedOutput(); err != nil {
		t.Fatalf("copy the state: %v\n%s", err, out)
	}
	n = startNode(t, dir)
	clicks(t, n, 10, 7)
	checkEOS(t, n, 17)
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "state")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(older, filepath.Join(dir, "state")); err != nil {
		t.Fatal(err)
	}
	n = startNode(t, dir)
	defer n.Close()
	checkEOS(t, n, 17)
	clicks(t, n, 17, 5)
	checkEOS(t, n, 22)
}

// TestExactlyOnceLostState restarts queries whose state the store lost
// (their tables, positions and changelog offset): it is rebuilt from the
// changelog alone.
func TestExactlyOnceLostState(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	eosQueries(t, n)
	clicks(t, n, 0, 12)
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := state.Open(filepath.Join(dir, "state"))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Open(st)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range cat.Queries() {
		if err := runtime.Forget(st, q.ID, q.Tables); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	n = startNode(t, dir)
	defer n.Close()
	checkEOS(t, n, 12)
	clicks(t, n, 12, 4)
	checkEOS(t, n, 16)
}
