package node

import (
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"riffle/catalog"
	"riffle/connectors/kafka"
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

// committedCount is how many records of topic a read_committed reader sees.
func committedCount(t *testing.T, n *Node, topic string) int {
	t.Helper()
	ctx := t.Context()
	kc, err := kafka.Connect(ctx, n.KafkaBrokers())
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	end, err := kc.EndOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := kafka.ReadRange(ctx, kc, topic, nil, end)
	if err != nil {
		t.Fatal(err)
	}
	return len(recs)
}

// TestResetQuery reprocesses queries' inputs: from the earliest records
// with the output written again, muted until caught up, and from a time;
// and across a restart.
func TestResetQuery(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	eosQueries(t, n) // q1: seen, q2: page_counts
	clicks(t, n, 0, 6)
	c := connect(t, n)
	exec(t, c, `RESET QUERY q1 FROM EARLIEST`)
	exec(t, c, `FLUSH`)
	if got := len(rows(t, c, `SELECT * FROM seen`)); got != 12 {
		t.Fatalf("after RESET … FROM EARLIEST: %d rows in seen, want each of 6 clicks twice", got)
	}
	before := committedCount(t, n, "page_counts")
	exec(t, c, `RESET QUERY q2 FROM EARLIEST MUTE OUTPUT`)
	exec(t, c, `FLUSH`)
	if after := committedCount(t, n, "page_counts"); after != before {
		t.Fatalf("muted reprocessing wrote %d records to page_counts", after-before)
	}
	// The state was rebuilt, not added to: the counts go on from 6.
	clicks(t, n, 6, 3)
	sameRows(t, "counts after a muted reset", sorted(rows(t, c, `SELECT * FROM page_counts`)), []string{"p0|3|3", "p1|3|3", "p2|3|3"})

	// From a time: only the clicks after it are read again.
	time.Sleep(20 * time.Millisecond)
	from := time.Now().UTC()
	time.Sleep(20 * time.Millisecond)
	clicks(t, n, 9, 2)
	exec(t, c, `RESET QUERY q1 FROM TIMESTAMP '`+from.Format("2006-01-02 15:04:05.000")+`'`)
	exec(t, c, `FLUSH`)
	if got := len(rows(t, c, `SELECT * FROM seen`)); got != 12+3+2+2 {
		t.Fatalf("after RESET … FROM TIMESTAMP: %d rows in seen, want %d", got, 12+3+2+2)
	}

	// A reset commits like an epoch: it holds after a restart.
	exec(t, c, `RESET QUERY q2 FROM EARLIEST MUTE OUTPUT`)
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	n = startNode(t, dir)
	defer n.Close()
	c = connect(t, n)
	clicks(t, n, 11, 1)
	sameRows(t, "counts after reset and restart", sorted(rows(t, c, `SELECT * FROM page_counts`)), []string{"p0|4|4", "p1|4|4", "p2|4|4"})

	for _, tc := range []struct{ sql, code string }{
		{`RESET QUERY q9 FROM EARLIEST`, "42704"},
		{`RESET QUERY q1 FROM TIMESTAMP 'yesterday'`, "22007"},
	} {
		if e := pgErr(t, c, tc.sql); e.Code != tc.code || e.Position == 0 {
			t.Errorf("%s: %s %q at %d, want %s with a position", tc.sql, e.Code, e.Message, e.Position, tc.code)
		}
	}
	exec(t, c, `CREATE MATERIALIZED VIEW v AS SELECT page, COUNT(*) AS n FROM clicks GROUP BY page`)
	if e := pgErr(t, c, `RESET QUERY q3 FROM EARLIEST MUTE OUTPUT`); e.Code != "0A000" {
		t.Errorf("MUTE OUTPUT of a view: %s %q", e.Code, e.Message)
	}
	exec(t, c, `RESET QUERY q3 FROM EARLIEST`)
	exec(t, c, `FLUSH`)
	equal(t, "view rebuilt", rows(t, c, `SELECT * FROM v ORDER BY page`), "p0|4", "p1|4", "p2|4")
}
