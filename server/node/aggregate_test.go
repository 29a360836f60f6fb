package node

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"riffle/connectors/kafka"

	"github.com/twmb/franz-go/pkg/kgo"
)

// upsert produces key→value records to topic; a nil value is a tombstone.
func upsert(t *testing.T, n *Node, topic string, kv ...[2]*string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(n.KafkaBrokers()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for _, p := range kv {
		r := &kgo.Record{Topic: topic, Key: []byte(*p[0])}
		if p[1] != nil {
			r.Value = []byte(*p[1])
		}
		if err := cl.ProduceSync(context.Background(), r).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
}

func s(v string) *string { return &v }

// TestAggregationOverUpserts follows the book's way of fixing bad data: a
// corrected state event replaces the old one, and every aggregate it fed is
// corrected. Tombstones delete; a tombstone for a key never seen does
// nothing; a group whose count drops to zero disappears; MIN and MAX stay
// right when the extreme row goes; the global aggregate always has one row.
func TestAggregationOverUpserts(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	c := connect(t, n)
	exec(t, c, `CREATE TABLE fines (id BIGINT, plate STRING, amount DECIMAL(10, 2), PRIMARY KEY (id) NOT ENFORCED)
		WITH ('connector' = 'upsert-kafka', 'topic' = 'fines', 'key.format' = 'json', 'value.format' = 'json')`)
	exec(t, c, `CREATE MATERIALIZED VIEW per_plate AS
		SELECT plate, COUNT(*) AS n, SUM(amount) AS total, MIN(amount) AS lo, MAX(amount) AS hi, AVG(amount) AS mean
		FROM fines GROUP BY plate`)
	exec(t, c, `CREATE MATERIALIZED VIEW overall AS SELECT COUNT(*) AS n, SUM(amount) AS total, COUNT(DISTINCT plate) AS plates FROM fines`)
	exec(t, c, `FLUSH`)
	equal(t, "empty input", rows(t, c, `SELECT * FROM overall`), "0|<nil>|0")

	exec(t, c, `INSERT INTO fines VALUES (1, 'AB-12', 50), (2, 'AB-12', 120.50), (3, 'XY-99', 35)`)
	exec(t, c, `FLUSH`)
	equal(t, "after inserts", rows(t, c, `SELECT plate, n, total, lo, hi, mean FROM per_plate`),
		"AB-12|2|170.50|50.00|120.50|85.250000", "XY-99|1|35.00|35.00|35.00|35.000000")

	// Fine 2 was recorded against the wrong plate: the corrected event moves it.
	upsert(t, n, "fines",
		[2]*string{s(`{"id": 2}`), s(`{"id": 2, "plate": "XY-99", "amount": 120.50}`)},
		[2]*string{s(`{"id": 9}`), nil}, // a tombstone for a key never seen
	)
	exec(t, c, `FLUSH`)
	equal(t, "after the correction", rows(t, c, `SELECT plate, n, total, lo, hi FROM per_plate`),
		"AB-12|1|50.00|50.00|50.00", "XY-99|2|155.50|35.00|120.50")

	// Delete the maximum of XY-99, then AB-12's only fine: its group goes.
	upsert(t, n, "fines", [2]*string{s(`{"id": 2}`), nil}, [2]*string{s(`{"id": 1}`), nil})
	exec(t, c, `FLUSH`)
	equal(t, "after deletes", rows(t, c, `SELECT plate, n, total, lo, hi FROM per_plate`), "XY-99|1|35.00|35.00|35.00")
	equal(t, "global", rows(t, c, `SELECT * FROM overall`), "1|35.00|1")

	// The same answers from a one-shot query over the table, and after a restart.
	equal(t, "snapshot aggregate", rows(t, c, `SELECT plate, COUNT(*), SUM(amount) FROM fines GROUP BY plate`), "XY-99|1|35.00")
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	n = startNode(t, dir)
	defer n.Close()
	c = connect(t, n)
	exec(t, c, `INSERT INTO fines VALUES (4, 'XY-99', 10), (1, 'AB-12', 1)`)
	exec(t, c, `FLUSH`)
	equal(t, "after restart", rows(t, c, `SELECT plate, n, total, lo FROM per_plate`), "AB-12|1|1.00|1.00", "XY-99|2|45.00|10.00")
	equal(t, "global after restart", rows(t, c, `SELECT * FROM overall`), "3|46.00|2")
}

// TestUpsertSink keeps an upsert table up to date from an aggregation, and
// reads it back as a table.
func TestUpsertSink(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, `CREATE TABLE clicks (page STRING, user_id BIGINT)`)
	exec(t, c, `CREATE TABLE page_counts (page STRING, views BIGINT, PRIMARY KEY (page) NOT ENFORCED)`)
	exec(t, c, `INSERT INTO page_counts SELECT page, COUNT(*) FROM clicks GROUP BY page`)
	exec(t, c, `INSERT INTO clicks VALUES ('home', 1), ('home', 2), ('about', 1)`)
	exec(t, c, `FLUSH`)
	equal(t, "upsert table", rows(t, c, `SELECT * FROM page_counts`), "about|1", "home|2")
	exec(t, c, `INSERT INTO clicks VALUES ('home', 3)`)
	exec(t, c, `FLUSH`)
	equal(t, "upsert table updated", rows(t, c, `SELECT * FROM page_counts`), "about|1", "home|3")
	equal(t, "distinct", rows(t, c, `SELECT DISTINCT page FROM clicks`), "about", "home")
	e := pgErr(t, c, `INSERT INTO clicks SELECT page, COUNT(*) FROM clicks GROUP BY page`)
	if e.Code != "0A000" || e.Hint == "" {
		t.Fatalf("updates into an append-only table: %+v", e)
	}
}

// TestDeleteUpdate changes an upsert table with DELETE and UPDATE, which
// write tombstones and new values, and are refused on an append-only table.
func TestDeleteUpdate(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, `CREATE TABLE users (id BIGINT, name STRING, city STRING, PRIMARY KEY (id) NOT ENFORCED)`)
	exec(t, c, `CREATE MATERIALIZED VIEW per_city AS SELECT city, COUNT(*) AS n FROM users GROUP BY city`)
	exec(t, c, `INSERT INTO users VALUES (1, 'ada', 'Paris'), (2, 'bob', 'Lyon'), (3, 'cy', 'Paris')`)
	exec(t, c, `UPDATE users SET city = 'Lyon', name = upper(name) WHERE id = 3`)
	exec(t, c, `DELETE FROM users WHERE city = 'Paris'`)
	exec(t, c, `FLUSH`)
	equal(t, "table", rows(t, c, `SELECT * FROM users`), "2|bob|Lyon", "3|CY|Lyon")
	equal(t, "view", rows(t, c, `SELECT * FROM per_city`), "Lyon|2")
	exec(t, c, `CREATE TABLE events (id BIGINT)`)
	if e := pgErr(t, c, `DELETE FROM events WHERE id = 1`); e.Code != "0A000" || e.Hint == "" {
		t.Fatalf("delete from append-only: %+v", e)
	}
	if e := pgErr(t, c, `UPDATE users SET id = 9 WHERE id = 2`); e.Code != "0A000" {
		t.Fatalf("update of the key: %+v", e)
	}
	if e := pgErr(t, c, `UPDATE users SET nope = 1`); e.Code != "42703" {
		t.Fatalf("update of a missing column: %+v", e)
	}
}

// TestStateTTL bounds a query's state with the session's
// 'table.exec.state.ttl': a group idle for longer leaves the view.
func TestStateTTL(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	if e := pgErr(t, c, `SET 'table.exec.state.ttl' = 'soon'`); e.Code != "22023" {
		t.Fatalf("bad TTL: %+v", e)
	}
	exec(t, c, `CREATE TABLE hits (k STRING)`)
	explained := strings.Join(rows(t, c, `EXPLAIN CREATE MATERIALIZED VIEW x AS SELECT k, COUNT(*) FROM hits GROUP BY k`), "\n")
	if !strings.Contains(explained, "(unbounded)") {
		t.Fatalf("without a TTL EXPLAIN should mark unbounded state:\n%s", explained)
	}
	exec(t, c, `SET 'table.exec.state.ttl' = '300 ms'`)
	explained = strings.Join(rows(t, c, `EXPLAIN CREATE MATERIALIZED VIEW x AS SELECT k, COUNT(*) FROM hits GROUP BY k`), "\n")
	if !strings.Contains(explained, "expires after 300ms without updates") {
		t.Fatalf("with a TTL EXPLAIN should say when state expires:\n%s", explained)
	}
	exec(t, c, `CREATE MATERIALIZED VIEW recent AS SELECT k, COUNT(*) AS n FROM hits GROUP BY k`)
	exec(t, c, `INSERT INTO hits VALUES ('a'), ('a'), ('b')`)
	exec(t, c, `FLUSH`)
	equal(t, "before expiry", rows(t, c, `SELECT * FROM recent`), "a|2", "b|1")
	time.Sleep(500 * time.Millisecond) // longer than the TTL: behaviour after it, not a timing assertion
	exec(t, c, `INSERT INTO hits VALUES ('b')`)
	exec(t, c, `FLUSH`)
	equal(t, "after expiry", rows(t, c, `SELECT * FROM recent`), "b|1")
}

// TestTopNAndUnion runs ROW_NUMBER Top-N, deduplication and UNION ALL as
// continuous queries.
func TestTopNAndUnion(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, `CREATE TABLE items (item STRING, category STRING, price BIGINT)`)
	exec(t, c, `CREATE TABLE more_items (item STRING, category STRING, price BIGINT)`)
	exec(t, c, `CREATE MATERIALIZED VIEW top2 AS
		SELECT item, category, price, rn FROM (
		  SELECT *, ROW_NUMBER() OVER (PARTITION BY category ORDER BY price DESC) AS rn FROM items
		) WHERE rn <= 2`)
	exec(t, c, `CREATE MATERIALIZED VIEW cheapest AS
		SELECT item, category, price FROM (
		  SELECT *, ROW_NUMBER() OVER (PARTITION BY category ORDER BY price) AS rn FROM items
		) WHERE rn = 1`)
	exec(t, c, `CREATE MATERIALIZED VIEW everything AS
		SELECT item, price FROM items UNION ALL SELECT item, price FROM more_items`)
	exec(t, c, `INSERT INTO items VALUES ('a', 'books', 10), ('b', 'books', 30), ('c', 'books', 20), ('d', 'toys', 5)`)
	exec(t, c, `INSERT INTO more_items VALUES ('x', 'misc', 1)`)
	exec(t, c, `FLUSH`)
	equal(t, "top 2", rows(t, c, `SELECT * FROM top2`), "b|books|30|1", "c|books|20|2", "d|toys|5|1")
	equal(t, "cheapest", rows(t, c, `SELECT * FROM cheapest`), "a|books|10", "d|toys|5")
	equal(t, "union", rows(t, c, `SELECT * FROM everything`), "a|10", "b|30", "c|20", "d|5", "x|1")
	exec(t, c, `INSERT INTO items VALUES ('e', 'books', 40), ('f', 'toys', 1)`)
	exec(t, c, `FLUSH`)
	equal(t, "top 2 after", rows(t, c, `SELECT * FROM top2`), "b|books|30|2", "d|toys|5|1", "e|books|40|1", "f|toys|1|2")
	equal(t, "cheapest after", rows(t, c, `SELECT * FROM cheapest`), "a|books|10", "f|toys|1")
	equal(t, "snapshot top-n", rows(t, c, `SELECT item FROM (SELECT item, ROW_NUMBER() OVER (PARTITION BY category ORDER BY price DESC) AS rn FROM items) WHERE rn = 1`), "d", "e")
}

// TestSubscribe follows an aggregate's changes with SUBSCRIBE: its contents,
// then each change as it is committed, as +I/-U/+U/-D.
func TestSubscribe(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, `CREATE TABLE clicks (page STRING)`)
	exec(t, c, `CREATE MATERIALIZED VIEW views AS SELECT page, COUNT(*) AS n FROM clicks GROUP BY page`)
	exec(t, c, `INSERT INTO clicks VALUES ('home'), ('home')`)
	exec(t, c, `FLUSH`)

	sc := connect(t, n)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rs, err := sc.Query(ctx, `SUBSCRIBE TO views`)
	if err != nil {
		t.Fatal(err)
	}
	next := func() string {
		if !rs.Next() {
			t.Fatalf("subscription ended: %v", rs.Err())
		}
		var op, page string
		var at time.Time
		var cnt int64
		if err := rs.Scan(&op, &at, &page, &cnt); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%s %s %d", op, page, cnt)
	}
	if got := next(); got != "+I home 2" {
		t.Fatalf("snapshot: %s", got)
	}
	exec(t, c, `INSERT INTO clicks VALUES ('home'), ('about')`)
	got := []string{next(), next(), next()}
	want := []string{"-U home 2", "+U home 3", "+I about 1"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("changes: %q, want %q", got, want)
	}
	cancel()
	rs.Close()
	if e := pgErr(t, c, `SUBSCRIBE TO clicks`); e.Code != "42809" {
		t.Fatalf("subscribe to a table: %+v", e)
	}
}

// TestStateTTLHint bounds one input's state with a STATE_TTL hint, with no
// session TTL, and keeps it bounded after a restart (the hint is part of the
// stored statement).
func TestStateTTLHint(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	c := connect(t, n)
	exec(t, c, `CREATE TABLE hits (k STRING)`)
	exec(t, c, `CREATE MATERIALIZED VIEW recent AS SELECT /*+ STATE_TTL('h' = '300 ms') */ k, COUNT(*) AS n FROM hits AS h GROUP BY k`)
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	n = startNode(t, dir)
	defer n.Close()
	c = connect(t, n)
	exec(t, c, `INSERT INTO hits VALUES ('a'), ('b')`)
	exec(t, c, `FLUSH`)
	equal(t, "before expiry", rows(t, c, `SELECT * FROM recent`), "a|1", "b|1")
	time.Sleep(500 * time.Millisecond) // longer than the TTL
	exec(t, c, `INSERT INTO hits VALUES ('b')`)
	exec(t, c, `FLUSH`)
	equal(t, "after expiry", rows(t, c, `SELECT * FROM recent`), "b|1")
}

// TestCompactedUpsertTopic checks that riffle creates an upsert table's
// topic compacted, and that reading it from the start after compaction
// (with gaps in the offsets) builds the same table and aggregates as a
// reader that saw every record.
func TestCompactedUpsertTopic(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, `CREATE TABLE acct (id BIGINT, owner STRING, balance BIGINT, PRIMARY KEY (id) NOT ENFORCED)`)
	exec(t, c, `CREATE MATERIALIZED VIEW before AS SELECT owner, COUNT(*) AS n, SUM(balance) AS total FROM acct GROUP BY owner`)
	for i := range 20 {
		exec(t, c, fmt.Sprintf(`INSERT INTO acct VALUES (1, 'ada', %d), (2, 'bob', %d), (3, 'cy', 7)`, i, 100+i))
	}
	exec(t, c, `DELETE FROM acct WHERE id = 3`)
	exec(t, c, `FLUSH`)
	n.broker.Compact()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	kc, err := kafka.Connect(ctx, n.KafkaBrokers())
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	from, _ := kc.StartOffsets(ctx, "acct")
	to, _ := kc.EndOffsets(ctx, "acct")
	recs, err := kafka.ReadRange(ctx, kc, "acct", from, to)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) == 0 || len(recs) >= 61 || to[0] != 61 {
		t.Fatalf("after compaction the topic holds %d records below offset %d; want fewer than the 61 written", len(recs), to[0])
	}
	exec(t, c, `CREATE MATERIALIZED VIEW after AS SELECT owner, COUNT(*) AS n, SUM(balance) AS total FROM acct GROUP BY owner`)
	exec(t, c, `FLUSH`)
	want := []string{"ada|1|19", "bob|1|119"}
	equal(t, "view that saw every record", rows(t, c, `SELECT * FROM before`), want...)
	equal(t, "view built from the compacted topic", rows(t, c, `SELECT * FROM after`), want...)
	equal(t, "table read from the compacted topic", rows(t, c, `SELECT * FROM acct`), "1|ada|19", "2|bob|119")
}

// TestStringAndArrayAgg checks PostgreSQL's string_agg and array_agg, in a
// materialized view and a one-shot SELECT: each value as often as it is
// counted, in value order, and corrected when a row changes or goes.
func TestStringAndArrayAgg(t *testing.T) {
	n := startNode(t, t.TempDir())
	c := connect(t, n)
	exec(t, c, `CREATE TABLE tags (id BIGINT PRIMARY KEY, item STRING, tag STRING)`)
	exec(t, c, `CREATE MATERIALIZED VIEW item_tags AS
		SELECT item, string_agg(tag, ', ') AS tags, array_agg(id) AS ids FROM tags GROUP BY item`)
	exec(t, c, `INSERT INTO tags VALUES (1, 'cup', 'red'), (2, 'cup', 'blue'), (3, 'cup', 'red'), (4, 'pen', NULL)`)
	exec(t, c, `FLUSH`)
	equal(t, "view", rows(t, c, `SELECT item, tags, ids FROM item_tags`),
		"cup|blue, red, red|[1 2 3]", "pen|<nil>|[4]")
	exec(t, c, `DELETE FROM tags WHERE id = 3`)
	exec(t, c, `INSERT INTO tags VALUES (2, 'cup', 'green')`)
	exec(t, c, `FLUSH`)
	equal(t, "after a change and a delete", rows(t, c, `SELECT item, tags, ids FROM item_tags`),
		"cup|green, red|[1 2]", "pen|<nil>|[4]")
	equal(t, "one-shot", rows(t, c, `SELECT string_agg(item, '/') FROM tags`), "cup/cup/pen")
	equal(t, "distinct", rows(t, c, `SELECT max(DISTINCT item), count(DISTINCT item) FROM tags`), "pen|2")
}

// TestWindowFunctionsOneShot checks window functions in a one-shot SELECT
// (pgjdbc's getColumns numbers columns with row_number() OVER): ranking,
// counts and running extremes over the default frame, LAG and LEAD.
func TestWindowFunctionsOneShot(t *testing.T) {
	n := startNode(t, t.TempDir())
	c := connect(t, n)
	exec(t, c, `CREATE TABLE sales (id BIGINT PRIMARY KEY, who STRING, amount INT)`)
	exec(t, c, `INSERT INTO sales VALUES (1, 'ann', 5), (2, 'ann', 7), (3, 'bob', 1), (4, 'ann', 7), (5, 'cy', NULL)`)
	exec(t, c, `FLUSH`)
	equal(t, "window functions", rows(t, c, `SELECT id,
			row_number() OVER (PARTITION BY who ORDER BY amount DESC, id) AS rn,
			rank() OVER (ORDER BY amount DESC) AS rk,
			dense_rank() OVER (ORDER BY amount DESC) AS drk,
			count(*) OVER (PARTITION BY who) AS n,
			count(amount) OVER (ORDER BY id) AS seen,
			max(amount) OVER (ORDER BY id) AS hi,
			lag(id) OVER (ORDER BY id) AS prev,
			lead(id, 2, -1) OVER (ORDER BY id) AS next2
		FROM sales ORDER BY id`),
		"1|3|4|3|3|1|5|<nil>|3",
		"2|1|2|2|3|2|7|1|4",
		"3|1|5|4|1|3|7|2|5",
		"4|2|2|2|3|4|7|3|-1",
		"5|1|1|1|1|4|7|4|-1")
}

// TestValueSubqueriesInEveryOneShot: a subquery used as a value runs in
// each kind of one-shot statement: SELECT, a cursor's SELECT, and the
// WHERE of DELETE.
func TestValueSubqueriesInEveryOneShot(t *testing.T) {
	n := startNode(t, t.TempDir())
	c := connect(t, n)
	exec(t, c, `CREATE TABLE nums (id BIGINT PRIMARY KEY, v INT)`)
	exec(t, c, `INSERT INTO nums VALUES (1, 10), (2, 20), (3, 30)`)
	exec(t, c, `FLUSH`)
	equal(t, "select", rows(t, c, `SELECT id, v - (SELECT min(v) FROM nums) AS d, EXISTS (SELECT 1 FROM nums m WHERE m.v > n.v) AS more
		FROM nums n ORDER BY id`), "1|0|true", "2|10|true", "3|20|false")
	tx, err := c.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	exec(t, c, `DECLARE cur CURSOR FOR SELECT id FROM nums WHERE v > (SELECT avg(v) FROM nums)`)
	equal(t, "cursor", rows(t, c, `FETCH ALL FROM cur`), "3")
	if err := tx.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	exec(t, c, `DELETE FROM nums WHERE v < (SELECT max(v) FROM nums)`)
	exec(t, c, `FLUSH`)
	equal(t, "after delete", rows(t, c, `SELECT id FROM nums`), "3")
}
