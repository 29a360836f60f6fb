package node

import "testing"

// TestComputedColumns writes a table with a computed column (which is not
// part of the record) and reads the column back from a snapshot and from a
// view.
func TestComputedColumns(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, `CREATE TABLE p (price BIGINT, qty INT, total AS price * qty)`)
	exec(t, c, `INSERT INTO p VALUES (3, 4)`)
	exec(t, c, `INSERT INTO p (qty, price) VALUES (2, 5)`)
	exec(t, c, `CREATE MATERIALIZED VIEW v AS SELECT total FROM p WHERE total > 10`)
	exec(t, c, `FLUSH`)
	equal(t, "table", rows(t, c, `SELECT * FROM p`), "3|4|12", "5|2|10")
	equal(t, "view", rows(t, c, `SELECT * FROM v`), "12")
	if e := pgErr(t, c, `INSERT INTO p VALUES (1, 2, 3)`); e.Code != "42601" {
		t.Fatalf("a value for the computed column: %+v", e)
	}
}
