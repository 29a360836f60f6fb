package node

import (
	"context"
	"strings"
	"testing"
)

// TestBlackhole: a 'blackhole' table is a real continuous query's sink
// that takes every kind of change and discards it, counting it; it cannot
// be read, altered or declared with options or a watermark, and rows
// written to it directly are discarded.
func TestBlackhole(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, `CREATE TABLE clicks (user_id STRING, url STRING) WITH ('connector' = 'kafka', 'topic' = 'clicks', 'format' = 'json')`)
	exec(t, c, `CREATE TABLE discard (user_id STRING, n BIGINT) WITH ('connector' = 'blackhole')`)
	equal(t, "SHOW TABLES", rows(t, c, `SHOW TABLES`), "clicks|clicks|json", "discard||")
	// An updating query (a count per user) into a table with no key: a
	// topic would refuse it, a blackhole takes it.
	exec(t, c, `INSERT INTO discard SELECT user_id, COUNT(*) FROM clicks GROUP BY user_id`)
	produce(t, n, "clicks", `{"user_id":"ann","url":"/a"}`, `{"user_id":"bob","url":"/b"}`, `{"user_id":"ann","url":"/c"}`)
	exec(t, c, "FLUSH")
	// ann +1, bob +1, then ann's count retracted and inserted again.
	qs := rows(t, c, `SHOW QUERIES`)
	if len(qs) != 1 || !strings.Contains(qs[0], "|RUNNING|3|4|") {
		t.Fatalf("SHOW QUERIES: %q, want the query RUNNING with 3 records in and 4 changes out", qs)
	}

	tag, err := c.Exec(context.Background(), `INSERT INTO discard VALUES ('cy', 1), ('dee', 2)`)
	if err != nil || tag.String() != "INSERT 0 2" {
		t.Fatalf("INSERT … VALUES into a blackhole: %v %v", tag, err)
	}
	for _, cs := range []struct{ sql, code, msg string }{
		{`SELECT * FROM discard`, "42809", `table "discard" cannot be read: it is a 'blackhole' table`},
		{`CREATE MATERIALIZED VIEW v AS SELECT COUNT(*) FROM discard`, "42809", `cannot be read`},
		{`ALTER TABLE discard SET ('scan.bounded.mode' = 'latest-offset')`, "0A000", `it is a 'blackhole' table, which has none`},
		{`CREATE TABLE d2 (a INT) WITH ('connector' = 'blackhole', 'topic' = 'x')`, "22023", `unknown option "topic" for connector "blackhole"`},
		{`CREATE TABLE d3 (a INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'blackhole')`, "42P16", `no watermark`},
	} {
		if e := pgErr(t, c, cs.sql); e.Code != cs.code || !strings.Contains(e.Message, cs.msg) {
			t.Errorf("%s: got %s %q, want %s %q", cs.sql, e.Code, e.Message, cs.code, cs.msg)
		}
	}
}
