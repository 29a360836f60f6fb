package node

import (
	"strings"
	"testing"
)

// TestDebeziumJSON reads a Debezium topic as a changelog table: creates and
// snapshot reads insert, updates retract the old row and insert the new,
// deletes retract, and the tombstone after a delete is accepted silently;
// the envelope may come wrapped with its schema. Every view over the table
// follows, across a restart. A query into a debezium-json table writes its
// updates as Debezium deletes and creates, which a table over that topic
// reads back as the same result.
func TestDebeziumJSON(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	c := connect(t, n)
	exec(t, c, `CREATE TABLE products (id BIGINT, name STRING, price INT, PRIMARY KEY (id) NOT ENFORCED)
		WITH ('connector' = 'kafka', 'topic' = 'pg.products', 'format' = 'debezium-json')`)
	exec(t, c, `CREATE TABLE wrapped (id BIGINT, name STRING, price INT)
		WITH ('connector' = 'kafka', 'topic' = 'pg.wrapped', 'format' = 'debezium-json',
		      'debezium-json.schema-include' = 'true', 'error.policy' = 'skip')`)
	exec(t, c, `CREATE MATERIALIZED VIEW stock AS SELECT COUNT(*) AS n, SUM(price) AS total FROM products`)
	exec(t, c, `CREATE MATERIALIZED VIEW cheap AS SELECT id, name FROM products WHERE price < 10`)
	exec(t, c, `CREATE MATERIALIZED VIEW wrapped_names AS SELECT name FROM wrapped`)
	// Per price band, written as Debezium records, and read back.
	exec(t, c, `CREATE TABLE bands (band INT, n BIGINT) WITH ('connector' = 'kafka', 'topic' = 'bands', 'format' = 'debezium-json')`)
	exec(t, c, `INSERT INTO bands SELECT price / 10 AS band, COUNT(*) AS n FROM products GROUP BY price / 10`)
	exec(t, c, `CREATE MATERIALIZED VIEW bands_back AS SELECT band, n FROM bands`)

	produce(t, n, "pg.products",
		`{"before": null, "after": {"id": 1, "name": "pen", "price": 5}, "op": "r", "source": {"db": "shop"}, "ts_ms": 1}`,
		`{"before": null, "after": {"id": 2, "name": "ink", "price": 20}, "op": "c"}`,
		`{"before": null, "after": {"id": 3, "name": "pad", "price": 8}, "op": "c"}`)
	produce(t, n, "pg.wrapped",
		`{"schema": {"type": "struct"}, "payload": {"before": null, "after": {"id": 1, "name": "a", "price": 1}, "op": "c"}}`,
		`{"schema": {"type": "struct"}, "payload": {"before": null, "after": {"id": 2, "name": "b", "price": 1}, "op": "x"}}`,
		`{"before": null, "after": {"id": 3, "name": "c", "price": 1}, "op": "c"}`)
	exec(t, c, `FLUSH`)
	equal(t, "stock before the changes", rows(t, c, `SELECT * FROM stock`), "3|33")
	equal(t, "cheap before the changes", rows(t, c, `SELECT * FROM cheap ORDER BY id`), "1|pen", "3|pad")
	check := func(when string) {
		t.Helper()
		equal(t, when+": stock", rows(t, c, `SELECT * FROM stock`), "2|32")
		equal(t, when+": cheap", rows(t, c, `SELECT * FROM cheap ORDER BY id`))
		equal(t, when+": wrapped (an unknown op and an unwrapped record are bad)", rows(t, c, `SELECT * FROM wrapped_names`), "a")
		equal(t, when+": bands read back", rows(t, c, `SELECT * FROM bands_back ORDER BY band`), "1|1", "2|1")
	}
	// The update moves the pen out of the cheap ones and into band 1; the
	// delete takes the pad, and its tombstone is no bad record.
	produceRecords(t, n, "pg.products",
		[2][]byte{nil, []byte(`{"before": {"id": 1, "name": "pen", "price": 5}, "after": {"id": 1, "name": "pen", "price": 12}, "op": "u"}`)},
		[2][]byte{nil, []byte(`{"before": {"id": 3, "name": "pad", "price": 8}, "after": null, "op": "d"}`)},
		[2][]byte{[]byte(`{"id": 3}`), nil})
	exec(t, c, `FLUSH`)
	check("after the changes")
	if got := badRecords(t, c, "stock"); got != 0 {
		t.Fatalf("stock: %d bad records, want 0 (a tombstone after a delete is expected)", got)
	}
	if got := badRecords(t, c, "wrapped_names"); got != 2 {
		t.Fatalf("wrapped_names: %d bad records, want 2", got)
	}
	// The band changes went out as Debezium records: band 0 came and went.
	var ops []string
	for _, r := range readTopic(t, n, "bands") {
		for _, op := range []string{`"op":"c"`, `"op":"d"`} {
			if strings.Contains(string(r.Value), op) {
				ops = append(ops, op[6:7])
			}
		}
	}
	if got := strings.Join(ops, ""); !strings.Contains(got, "d") || strings.Count(got, "c")-strings.Count(got, "d") != 2 {
		t.Fatalf("bands topic ops %q: want creates and deletes netting to the two live bands", got)
	}

	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	n = startNode(t, dir)
	defer n.Close()
	c = connect(t, n)
	exec(t, c, `FLUSH`)
	check("after a restart")
}
