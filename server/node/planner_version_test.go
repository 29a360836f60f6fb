package node

import (
	"strings"
	"testing"
)

// TestPlannerVersionRestart plays an upgrade: a query created by a riffle
// without column pruning (planner version 1, which SET
// 'riffle.planner.version' = '1' reproduces) keeps its join state with
// whole rows. Restarted by this riffle, it must still read that state as it
// wrote it: the columns the join needs are not first in its rows, so a
// pruned plan reading them would misread the state. A replacement keeps its
// version and state; RESET QUERY then moves it to the current planner, and
// its rebuilt state survives another restart.
func TestPlannerVersionRestart(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	c := connect(t, n)
	exec(t, c, `CREATE TABLE l (pad STRING, k BIGINT, x STRING) WITH ('connector' = 'kafka', 'topic' = 'l', 'format' = 'json')`)
	exec(t, c, `CREATE TABLE r (pad STRING, k BIGINT, v STRING) WITH ('connector' = 'kafka', 'topic' = 'r', 'format' = 'json')`)
	if pe := pgErr(t, c, `SET 'riffle.planner.version' = '5'`); pe.Code != "22023" {
		t.Fatalf("SET an unknown planner version: %s %s", pe.Code, pe.Message)
	}
	exec(t, c, `SET 'riffle.planner.version' = '1'`)
	exec(t, c, `CREATE MATERIALIZED VIEW j AS SELECT l.k, r.v FROM l JOIN r ON l.k = r.k`)
	exec(t, c, `INSERT INTO l VALUES ('a left row''s padding', 1, 'a'), ('more padding', 2, 'b')`)
	exec(t, c, `FLUSH`)
	equal(t, "join before the right side", rows(t, c, `SELECT * FROM j`))
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}

	n = startNode(t, dir)
	c = connect(t, n)
	exec(t, c, `INSERT INTO r VALUES ('right padding', 1, 'one'), ('right padding', 2, 'two')`)
	exec(t, c, `FLUSH`)
	equal(t, "version 1 query restarted by the pruning planner", rows(t, c, `SELECT * FROM j`), "1|one", "2|two")
	exec(t, c, `CREATE MATERIALIZED VIEW j2 AS SELECT l.k, r.v FROM l JOIN r ON l.k = r.k`)
	exec(t, c, `FLUSH`)
	equal(t, "the same query created now", rows(t, c, `SELECT * FROM j2`), "1|one", "2|two")

	// A replacement is planned at the version of the query it replaces,
	// so it takes over the version 1 state (at version 2 its layout would
	// differ, and the replacement would be refused).
	exec(t, c, `CREATE OR REPLACE MATERIALIZED VIEW j AS SELECT l.k, upper(r.v) AS v FROM l JOIN r ON l.k = r.k`)
	exec(t, c, `INSERT INTO l VALUES ('padding', 1, 'd')`)
	exec(t, c, `FLUSH`)
	equal(t, "replaced at version 1, on its state", rows(t, c, `SELECT * FROM j`), "1|ONE", "1|one", "2|two")

	exec(t, c, `RESET QUERY q1 FROM EARLIEST`)
	exec(t, c, `FLUSH`)
	equal(t, "reset, at the current version", rows(t, c, `SELECT * FROM j`), "1|ONE", "1|ONE", "2|TWO")
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}

	n = startNode(t, dir)
	defer n.Close()
	c = connect(t, n)
	exec(t, c, `INSERT INTO l VALUES ('padding', 2, 'c')`)
	exec(t, c, `FLUSH`)
	equal(t, "after the reset and a restart", rows(t, c, `SELECT * FROM j`), "1|ONE", "1|ONE", "2|TWO", "2|TWO")
	equal(t, "the query created now, after a restart", rows(t, c, `SELECT * FROM j2`), "1|one", "1|one", "2|two", "2|two")
}

// TestReplaceStateTTL replaces a query with the session's state TTL added
// and then removed. A COUNT(DISTINCT …) over an input that only inserts
// keeps, without a TTL, only which calls saw each value; under a TTL,
// which expires groups and so retracts, a count per call: the layouts
// differ, and a replacement that adds or drops the TTL must be refused
// (55000) rather than misread the state. Changing a TTL's length is fine.
func TestReplaceStateTTL(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, `CREATE TABLE bids (channel STRING, bidder BIGINT) WITH ('connector' = 'kafka', 'topic' = 'bids', 'format' = 'json')`)
	const view = `CREATE OR REPLACE MATERIALIZED VIEW v AS SELECT channel, COUNT(DISTINCT bidder) AS bidders FROM bids GROUP BY channel`
	exec(t, c, view)
	exec(t, c, `INSERT INTO bids VALUES ('web', 1), ('web', 2)`)
	exec(t, c, `FLUSH`)
	exec(t, c, `SET 'table.exec.state.ttl' = '1 h'`)
	if pe := pgErr(t, c, view); pe.Code != "55000" || !strings.Contains(pe.Message, "state TTL") {
		t.Fatalf("replacing with a state TTL added: %s %s", pe.Code, pe.Message)
	}
	exec(t, c, `RESET 'table.exec.state.ttl'`)
	exec(t, c, view) // the same layout: it takes over the state
	exec(t, c, `INSERT INTO bids VALUES ('web', 2), ('web', 3)`)
	exec(t, c, `FLUSH`)
	equal(t, "replaced without a TTL, on its state", rows(t, c, `SELECT * FROM v`), "web|3")

	exec(t, c, `SET 'table.exec.state.ttl' = '1 h'`)
	exec(t, c, `CREATE MATERIALIZED VIEW w AS SELECT channel, COUNT(DISTINCT bidder) AS bidders FROM bids GROUP BY channel`)
	exec(t, c, `SET 'table.exec.state.ttl' = '2 h'`)
	exec(t, c, `CREATE OR REPLACE MATERIALIZED VIEW w AS SELECT channel, COUNT(DISTINCT bidder) AS bidders FROM bids GROUP BY channel`)
	exec(t, c, `RESET 'table.exec.state.ttl'`)
	if pe := pgErr(t, c, `CREATE OR REPLACE MATERIALIZED VIEW w AS SELECT channel, COUNT(DISTINCT bidder) AS bidders FROM bids GROUP BY channel`); pe.Code != "55000" {
		t.Fatalf("replacing with the state TTL dropped: %s %s", pe.Code, pe.Message)
	}
}
