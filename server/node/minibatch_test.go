package node

import (
	"fmt"
	"strings"
	"testing"
)

// TestMiniBatchSize reads a backlog of six records in rounds of the size
// 'table.exec.mini-batch.size' gives: a count's upsert sink gets one
// update per round, so rounds of two records write three updates (2, 4,
// 6) where the default round takes the six at once and writes one. The
// query keeps its size across a restart, and a bad size is refused.
func TestMiniBatchSize(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	c := connect(t, n)
	if pe := pgErr(t, c, `SET 'table.exec.mini-batch.size' = '0'`); pe.Code != "22023" {
		t.Fatalf("SET a bad mini-batch size: %s %s", pe.Code, pe.Message)
	}
	exec(t, c, `CREATE TABLE clicks (page STRING) WITH ('connector' = 'kafka', 'topic' = 'clicks', 'format' = 'json')`)
	for _, sink := range []string{"small", "whole"} {
		exec(t, c, fmt.Sprintf(`CREATE TABLE %s (page STRING, n BIGINT, PRIMARY KEY (page) NOT ENFORCED)
			WITH ('connector' = 'upsert-kafka', 'topic' = '%s', 'key.format' = 'json', 'value.format' = 'json')`, sink, sink))
	}
	for range 6 {
		produce(t, n, "clicks", `{"page": "a"}`)
	}
	exec(t, c, `SET 'table.exec.mini-batch.size' = '2'`)
	exec(t, c, `INSERT INTO small SELECT page, COUNT(*) FROM clicks GROUP BY page`)
	exec(t, c, `RESET 'table.exec.mini-batch.size'`)
	exec(t, c, `INSERT INTO whole SELECT page, COUNT(*) FROM clicks GROUP BY page`)
	exec(t, c, `FLUSH`)
	values := func(topic string) []string {
		var out []string
		for _, r := range readTopic(t, n, topic) {
			out = append(out, string(r.Value))
		}
		return out
	}
	equal(t, "rounds of two", values("small"), `{"page":"a","n":2}`, `{"page":"a","n":4}`, `{"page":"a","n":6}`)
	equal(t, "the default round", values("whole"), `{"page":"a","n":6}`)

	// After a restart the query still reads in rounds of two: reprocessed
	// from the start, it writes the same three updates again.
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	n = startNode(t, dir)
	defer n.Close()
	c = connect(t, n)
	var id string
	for _, q := range rows(t, c, `SHOW QUERIES`) {
		if strings.Contains(q, "INSERT INTO small") {
			id, _, _ = strings.Cut(q, "|")
		}
	}
	exec(t, c, `RESET QUERY `+id+` FROM EARLIEST`)
	exec(t, c, `FLUSH`)
	got := values("small")
	equal(t, "rounds of two after a restart", got[3:], `{"page":"a","n":2}`, `{"page":"a","n":4}`, `{"page":"a","n":6}`)
}
