package node

import (
	"slices"
	"strings"
	"testing"

	"riffle/connectors/kafka"
)

// TestDropQuery: DROP QUERY stops an INSERT INTO … SELECT query and deletes
// its state, its changelog topic and its consumer group; DROP MATERIALIZED
// VIEW deletes the view query's changelog and changes topics. The query of
// a view is dropped only with its view, and an unknown id is 42704 (a
// notice with IF EXISTS).
func TestDropQuery(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	defer c.Close(t.Context())
	kc, err := kafka.Connect(t.Context(), n.KafkaBrokers())
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	internal := func() []string {
		t.Helper()
		topics, err := kc.ListTopics(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return slices.DeleteFunc(topics, func(s string) bool { return !strings.HasPrefix(s, "_riffle-") })
	}

	exec(t, c, `CREATE TABLE clicks (page STRING, uid BIGINT)`)
	exec(t, c, `CREATE TABLE seen (page STRING, uid BIGINT)`)
	exec(t, c, `INSERT INTO seen SELECT page, uid FROM clicks`)
	exec(t, c, `CREATE MATERIALIZED VIEW per_page AS SELECT page, COUNT(*) AS n FROM clicks GROUP BY page`)
	exec(t, c, `INSERT INTO clicks VALUES ('a', 1), ('b', 2)`)
	exec(t, c, `FLUSH`)
	equal(t, "the view", sorted(rows(t, c, `SELECT page, n FROM per_page`)), "a|1", "b|1")
	ids := rows(t, c, `SHOW QUERIES`)
	before := internal()
	// q1 writes seen; q2 maintains per_page.
	for _, want := range []string{"-q1-changelog", "-q2-changelog", "-q2-changes"} {
		if !slices.ContainsFunc(before, func(s string) bool { return strings.HasSuffix(s, want) }) {
			t.Fatalf("no internal topic *%s among %v (queries %v)", want, before, ids)
		}
	}

	if e := pgErr(t, c, `DROP QUERY q2`); e.Code != "2BP01" || !strings.Contains(e.Message, "per_page") {
		t.Errorf("DROP QUERY of a view's query: %s %s", e.Code, e.Message)
	}
	exec(t, c, `DROP QUERY q1`)
	if e := pgErr(t, c, `DROP QUERY q1`); e.Code != "42704" {
		t.Errorf("DROP QUERY of a dropped query: %s %s", e.Code, e.Message)
	}
	exec(t, c, `DROP QUERY IF EXISTS q1`)
	after := internal()
	if slices.ContainsFunc(after, func(s string) bool { return strings.HasSuffix(s, "-q1-changelog") }) {
		t.Errorf("q1's changelog topic outlived DROP QUERY: %v", after)
	}
	// The query is gone, its output stays, and nothing more reaches it.
	exec(t, c, `INSERT INTO clicks VALUES ('c', 3)`)
	exec(t, c, `FLUSH`)
	equal(t, "seen after the drop", sorted(rows(t, c, `SELECT page, uid FROM seen`)), "a|1", "b|2")

	exec(t, c, `DROP MATERIALIZED VIEW per_page`)
	if left := internal(); len(left) != 0 {
		t.Errorf("internal topics left after dropping every query: %v", left)
	}
}
