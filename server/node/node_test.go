package node

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/twmb/franz-go/pkg/kgo"
)

// startNode starts a node on free ports over dir.
func startNode(t *testing.T, dir string, mod ...func(*Options)) *Node {
	t.Helper()
	o := Options{DataDir: dir, Listen: "127.0.0.1:0", KafkaListen: "127.0.0.1:0", RegistryListen: "127.0.0.1:0"}
	for _, m := range mod {
		m(&o)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := Start(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func connect(t *testing.T, n *Node) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, "postgres://riffle@"+n.Addr()+"/riffle?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func exec(t *testing.T, c *pgx.Conn, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// rows runs a query and renders each row as "a|b|c", sorted.
func rows(t *testing.T, c *pgx.Conn, sql string, args ...any) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rs, err := c.Query(ctx, sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rs.Close()
	var out []string
	for rs.Next() {
		vals, err := rs.Values()
		if err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			if n, ok := v.(pgtype.Numeric); ok {
				v, _ = n.Value() // its text form: 170.50
			}
			parts[i] = fmt.Sprint(v)
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rs.Err(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	sort.Strings(out)
	return out
}

func pgErr(t *testing.T, c *pgx.Conn, sql string) *pgconn.PgError {
	t.Helper()
	_, err := c.Exec(context.Background(), sql)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		t.Fatalf("%s: want a Postgres error, got %v", sql, err)
	}
	return pe
}

func equal(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%s:\ngot  %q\nwant %q", what, got, want)
	}
}

func produce(t *testing.T, n *Node, topic string, values ...string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(n.KafkaBrokers()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for _, v := range values {
		if err := cl.ProduceSync(context.Background(), &kgo.Record{Topic: topic, Value: []byte(v)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestEndToEnd walks the first slice through the real pipeline: DDL,
// INSERT … VALUES, a materialized view kept up to date, records produced by
// a plain Kafka client, a bad record skipped and counted, SELECT with
// WHERE/ORDER BY/LIMIT, an INSERT … SELECT into another topic, and a clean
// restart that continues without counting anything twice.
func TestEndToEnd(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	c := connect(t, n)

	exec(t, c, `CREATE TABLE bids (auction BIGINT, price BIGINT, channel STRING)
		WITH ('connector' = 'kafka', 'topic' = 'bids', 'format' = 'json', 'topic.partitions' = '2')`)
	exec(t, c, `INSERT INTO bids VALUES (1, 100, 'web'), (2, 5, 'app'), (3, 70, NULL)`)
	exec(t, c, `CREATE MATERIALIZED VIEW big_bids AS
		SELECT auction, price * 2 AS doubled, COALESCE(channel, 'unknown') AS channel,
		       CASE WHEN price > 80 THEN 'high' ELSE 'mid' END AS band
		FROM bids WHERE price > 10`)
	exec(t, c, `FLUSH`)
	equal(t, "view after insert", rows(t, c, `SELECT * FROM big_bids`),
		"1|200|web|high", "3|140|unknown|mid")

	produce(t, n, "bids", `{"auction": 4, "price": 50, "channel": "kafka"}`, `{not json`, `{"auction": 5, "price": 1}`)
	exec(t, c, `FLUSH`)
	equal(t, "view after produce", rows(t, c, `SELECT auction, doubled FROM big_bids`),
		"1|200", "3|140", "4|100")
	equal(t, "ordered, limited", rows(t, c, `SELECT auction FROM big_bids WHERE doubled >= $1 ORDER BY doubled DESC LIMIT 2`, 100),
		"1", "3")
	equal(t, "select without FROM", rows(t, c, `SELECT 1`), "1")
	q := rows(t, c, `SHOW QUERIES`)
	if len(q) != 1 || !strings.Contains(q[0], "|RUNNING|6|3|1|0|") {
		t.Fatalf("SHOW QUERIES: %q", q)
	}

	exec(t, c, `CREATE TABLE cheap (auction BIGINT, price BIGINT)`)
	exec(t, c, `INSERT INTO cheap SELECT auction, price FROM bids WHERE price < 10`)
	exec(t, c, `FLUSH`)
	equal(t, "sink topic read back", rows(t, c, `SELECT * FROM cheap`), "2|5", "5|1")

	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	n = startNode(t, dir)
	defer n.Close()
	c = connect(t, n)
	equal(t, "tables after restart", rows(t, c, `SHOW TABLES`), "bids|bids|json", "cheap|cheap|json")
	exec(t, c, `INSERT INTO bids VALUES (6, 300, 'web'), (7, 2, 'web')`)
	exec(t, c, `FLUSH`)
	equal(t, "view after restart", rows(t, c, `SELECT auction, doubled FROM big_bids`),
		"1|200", "3|140", "4|100", "6|600")
	equal(t, "sink after restart", rows(t, c, `SELECT * FROM cheap`), "2|5", "5|1", "7|2")
}

// TestErrors checks that bad statements get clear errors with SQLSTATE and
// position, and that the session goes on working.
func TestErrors(t *testing.T) {
	n := startNode(t, t.TempDir(), func(o *Options) { o.NoAutoCreateTopics = true })
	defer n.Close()
	c := connect(t, n)

	e := pgErr(t, c, `CREATE TABLE t (a INT) WITH ('connector' = 'kafka', 'topik' = 't')`)
	if e.Code != "22023" || !strings.Contains(e.Message, `"topik"`) || !strings.Contains(e.Hint, "'topic'") || e.Position != 53 {
		t.Fatalf("unknown option: %+v", e)
	}
	e = pgErr(t, c, `CREATE TABLE t (a INT) WITH ('connector' = 'kafka', 'topic' = 'nope')`)
	if e.Code != "42704" || !strings.Contains(e.Message, `topic "nope" does not exist`) {
		t.Fatalf("missing topic: %+v", e)
	}
	exec(t, c, `CREATE TABLE t (a INT, b STRING) WITH ('connector' = 'kafka', 'topic' = 't', 'topic.auto-create' = 'true')`)
	e = pgErr(t, c, "SELECT a,\n  bb FROM t")
	if e.Code != "42703" || e.Message != `column "bb" does not exist` || e.Position != 13 {
		t.Fatalf("missing column: %+v", e)
	}
	e = pgErr(t, c, `CREATE MATERIALIZED VIEW v AS SELECT nope FROM t`)
	if e.Code != "42703" {
		t.Fatalf("missing column in view: %+v", e)
	}
	e = pgErr(t, c, `SELECT * FROM missing`)
	if e.Code != "42P01" {
		t.Fatalf("missing table: %+v", e)
	}
	e = pgErr(t, c, `SELEC 1`)
	if e.Code != "42601" || e.Position != 1 {
		t.Fatalf("syntax error: %+v", e)
	}
	e = pgErr(t, c, `CREATE TABLE t (x INT)`)
	if e.Code != "42P07" {
		t.Fatalf("duplicate: %+v", e)
	}
	exec(t, c, `CREATE MATERIALIZED VIEW v AS SELECT a FROM t`)
	e = pgErr(t, c, `DROP TABLE t`)
	if e.Code != "2BP01" {
		t.Fatalf("drop with dependents: %+v", e)
	}
	equal(t, "an empty string is not NULL", rows(t, c, `SELECT '' IS NULL, '', 'x'`), "false||x")
	equal(t, "TRY_CAST gives NULL", rows(t, c, `SELECT TRY_CAST('x' AS INT), CAST('5' AS INT)`), "<nil>|5")
	e = pgErr(t, c, `SELECT CAST('x' AS INT)`)
	if e.Code != "22P02" {
		t.Fatalf("bad cast: %+v", e)
	}
	exec(t, c, `DROP MATERIALIZED VIEW v`)
	exec(t, c, `DROP TABLE t`)
	equal(t, "after drops", rows(t, c, `SHOW TABLES`))
}

// TestTransactionalProducer checks that records written in a Kafka
// transaction by another client are read once committed, aborted ones never,
// and that FLUSH returns even though the topic ends in transaction markers.
func TestTransactionalProducer(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, `CREATE TABLE tx (a INT)`)
	exec(t, c, `CREATE MATERIALIZED VIEW txv AS SELECT a FROM tx`)
	cl, err := kgo.NewClient(kgo.SeedBrokers(n.KafkaBrokers()...), kgo.TransactionalID("test-tx"), kgo.DefaultProduceTopic("tx"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx := context.Background()
	// FLUSH after each transaction, so that the last one (aborted) leaves the
	// reader a fetch of nothing but an aborted record and its marker.
	for i, commit := range []bool{true, false, true, false} {
		if err := cl.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte(fmt.Sprintf(`{"a": %d}`, i))}).FirstErr(); err != nil {
			t.Fatal(err)
		}
		if err := cl.EndTransaction(ctx, kgo.TransactionEndTry(commit)); err != nil {
			t.Fatal(err)
		}
		exec(t, c, `FLUSH`)
	}
	equal(t, "committed records only", rows(t, c, `SELECT a FROM txv`), "0", "2")
	equal(t, "snapshot of the table", rows(t, c, `SELECT a FROM tx`), "0", "2")
}

// TestMetadataColumns checks that metadata columns read the Kafka record,
// and that a writable timestamp column sets the record's timestamp rather
// than a field of the JSON value.
func TestMetadataColumns(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, `CREATE TABLE m (id INT, ts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp',
		part INT METADATA FROM 'partition' VIRTUAL, off BIGINT METADATA FROM 'offset' VIRTUAL)
		WITH ('topic.partitions' = '1')`)
	exec(t, c, `INSERT INTO m VALUES (1, CAST('2024-05-01 10:00:00.123' AS TIMESTAMP_LTZ(3))), (2, NULL)`)
	exec(t, c, `CREATE TABLE m2 (id INT, ts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp')`)
	exec(t, c, `INSERT INTO m2 SELECT id + 10, ts FROM m WHERE id = 1`)
	exec(t, c, `FLUSH`)
	equal(t, "metadata read back", rows(t, c, `SELECT id, CAST(ts AS STRING), part, off FROM m WHERE id = 1`),
		"1|2024-05-01 10:00:00.123|0|0")
	equal(t, "sink carries the timestamp", rows(t, c, `SELECT id, CAST(ts AS STRING) FROM m2`),
		"11|2024-05-01 10:00:00.123")

	cl, err := kgo.NewClient(kgo.SeedBrokers(n.KafkaBrokers()...), kgo.ConsumeTopics("m"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []string
	for len(got) < 2 && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
			got = append(got, fmt.Sprintf("%s@%d", r.Value, r.Timestamp.UnixMilli()))
		})
	}
	if len(got) != 2 || got[0] != `{"id":1}@1714557600123` || strings.Contains(got[1], "ts") {
		t.Fatalf("records: %q", got)
	}
}

// TestViewErrorPositions checks that a continuous query that cannot start
// reports its error at the name of what it creates, and that a table a
// view reads cannot be dropped from under it.
func TestViewErrorPositions(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, `CREATE TABLE t (a INT)`)
	exec(t, c, `CREATE MATERIALIZED VIEW m AS SELECT a FROM t`)
	e := pgErr(t, c, "CREATE MATERIALIZED VIEW m2 AS\n  SELECT 1 AS x")
	if e.Code != "0A000" || e.Position != 26 {
		t.Fatalf("a continuous query over constant rows: %+v", e)
	}
	exec(t, c, `CREATE VIEW v AS SELECT a FROM t`)
	exec(t, c, `DROP MATERIALIZED VIEW m`)
	if e := pgErr(t, c, `DROP TABLE t`); e.Code != "2BP01" || !strings.Contains(e.Message, `view v`) {
		t.Fatalf("drop a table a view reads: %+v", e)
	}
}
