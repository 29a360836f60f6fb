package node

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestIdlePartition checks that a partition without records holds a
// table's watermark back, so that a window over it never fires, until the
// table's idle timeout leaves the partition out (TW-16). Both tables have
// two partitions and records on partition 0 only.
func TestIdlePartition(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	for _, table := range []struct{ name, idle string }{{"stalled", ""}, {"moving", ", 'scan.watermark.idle-timeout' = '200 ms'"}} {
		exec(t, c, `CREATE TABLE `+table.name+` (k STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts)
			WITH ('connector' = 'kafka', 'topic' = '`+table.name+`', 'format' = 'json', 'topic.partitions' = '2'`+table.idle+`)`)
		exec(t, c, `CREATE MATERIALIZED VIEW `+table.name+`_counts AS
			SELECT window_start, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE `+table.name+`, DESCRIPTOR(ts), INTERVAL '10' SECOND))
			GROUP BY window_start, window_end`)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(n.KafkaBrokers()...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for _, topic := range []string{"stalled", "moving"} {
		for _, v := range []string{
			`{"k": "a", "ts": "2024-01-01 00:00:01"}`,
			`{"k": "b", "ts": "2024-01-01 00:00:05"}`,
			`{"k": "c", "ts": "2024-01-01 00:00:15"}`, // past the first window's end
		} {
			if err := cl.ProduceSync(context.Background(), &kgo.Record{Topic: topic, Partition: 0, Value: []byte(v)}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
	}
	exec(t, c, `FLUSH`)
	// The idle partition of "moving" is left out after 200 ms, and its
	// first window fires; "stalled" waits for partition 1 for ever.
	deadline := time.Now().Add(10 * time.Second)
	for len(rows(t, c, `SELECT * FROM moving_counts`)) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the idle timeout did not let the watermark move")
		}
		time.Sleep(50 * time.Millisecond)
	}
	equal(t, "moving", rows(t, c, `SELECT * FROM moving_counts`), "2024-01-01 00:00:00 +0000 UTC|2")
	equal(t, "stalled", rows(t, c, `SELECT * FROM stalled_counts`))
	// A record on partition 1 moves the stalled table's watermark too.
	if err := cl.ProduceSync(context.Background(), &kgo.Record{Topic: "stalled", Partition: 1,
		Value: []byte(`{"k": "d", "ts": "2024-01-01 00:00:12"}`)}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	exec(t, c, `FLUSH`)
	equal(t, "stalled, once both partitions moved", rows(t, c, `SELECT * FROM stalled_counts`), "2024-01-01 00:00:00 +0000 UTC|2")
}

// TestIdleTable: a table whose partitions have all been idle for its idle
// timeout (here one that never had a record) stops holding back the
// watermark of a union with a table that has records, as Flink leaves an
// idle source out; without an idle timeout it holds it back for good.
func TestIdleTable(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	for _, tab := range []string{"a", "b"} {
		exec(t, c, `CREATE TABLE `+tab+` (k INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('scan.watermark.idle-timeout' = '1 s')`)
	}
	exec(t, c, `CREATE TABLE quiet (k INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts)`)
	exec(t, c, `CREATE MATERIALIZED VIEW w AS SELECT window_start, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE
		(SELECT * FROM a UNION ALL SELECT * FROM b), DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end`)
	exec(t, c, `CREATE MATERIALIZED VIEW held AS SELECT window_start, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE
		(SELECT * FROM a UNION ALL SELECT * FROM quiet), DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end`)
	exec(t, c, `INSERT INTO a VALUES (1, TIMESTAMP '2024-01-01 00:00:01'), (2, TIMESTAMP '2024-01-01 00:00:12')`)
	deadline := time.Now().Add(30 * time.Second)
	for {
		// A later record moves a's watermark after b has gone idle.
		time.Sleep(1500 * time.Millisecond)
		exec(t, c, `INSERT INTO a VALUES (3, TIMESTAMP '2024-01-01 00:00:25')`)
		exec(t, c, `FLUSH`)
		got := sorted(rows(t, c, `SELECT CAST(window_start AS STRING), n FROM w`))
		if strings.Join(got, ",") == "2024-01-01 00:00:00|1,2024-01-01 00:00:10|1" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("windows over a and an idle b: %q", got)
		}
	}
	equal(t, "a union with a quiet table without an idle timeout", rows(t, c, `SELECT window_start, n FROM held`))
}

// TestMetrics reads the queries' figures over HTTP in the Prometheus text
// format: late rows among them, as the window drops a late one.
func TestMetrics(t *testing.T) {
	n := startNode(t, t.TempDir(), func(o *Options) { o.MetricsListen = "127.0.0.1:0" })
	defer n.Close()
	c := connect(t, n)
	exec(t, c, `CREATE TABLE events (k STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts)
		WITH ('connector' = 'kafka', 'topic' = 'events', 'format' = 'json')`)
	exec(t, c, `CREATE MATERIALIZED VIEW per_window AS
		SELECT window_start, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '10' SECOND))
		GROUP BY window_start, window_end`)
	produce(t, n, "events", `{"k": "a", "ts": "2024-01-01 00:00:01"}`, `{"k": "b", "ts": "2024-01-01 00:00:15"}`,
		`{"k": "late", "ts": "2024-01-01 00:00:02"}`)
	// A query over two tables: bad records per table, and dead letters.
	exec(t, c, `CREATE TABLE a (id BIGINT) WITH ('connector' = 'kafka', 'topic' = 'a', 'format' = 'json', 'error.policy' = 'dead-letter')`)
	exec(t, c, `CREATE TABLE b (id BIGINT) WITH ('connector' = 'kafka', 'topic' = 'b', 'format' = 'json')`)
	exec(t, c, `CREATE MATERIALIZED VIEW ab AS SELECT id FROM a UNION ALL SELECT id FROM b`)
	produce(t, n, "a", `{"id": 1}`, `nope`, `{"id": "x"}`)
	produce(t, n, "b", `[]`)
	exec(t, c, `FLUSH`)
	resp, err := http.Get("http://" + n.MetricsAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# TYPE riffle_query_late_rows_total counter",
		`riffle_query_late_rows_total{query="q1",target="per_window"} 1`,
		`riffle_query_records_in_total{query="q1",target="per_window"} 3`,
		`riffle_query_running{query="q1",target="per_window"} 1`,
		`riffle_query_watermark_seconds{query="q1",target="per_window"} 1.704067215e+09`,
		`riffle_query_bad_records_total{query="q2",target="ab"} 3`,
		`riffle_query_dead_letters_total{query="q2",target="ab"} 2`,
		`riffle_table_bad_records_total{query="q2",target="ab",table="a"} 2`,
		`riffle_table_bad_records_total{query="q2",target="ab",table="b"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
}

// TestEarlyFireEvery checks early firing every interval of processing
// time: a window's current row appears before the watermark closes the
// window, at most every 100 ms, and its final row replaces it when it does.
func TestEarlyFireEvery(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, `CREATE TABLE clicks (k STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts)
		WITH ('connector' = 'kafka', 'topic' = 'clicks', 'format' = 'json')`)
	exec(t, c, `SET 'table.exec.emit.early-fire.enabled' = 'true'`)
	exec(t, c, `SET 'table.exec.emit.early-fire.delay' = '100 ms'`)
	exec(t, c, `CREATE MATERIALIZED VIEW per_window AS
		SELECT window_start, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECOND))
		GROUP BY window_start, window_end`)
	plan := strings.Join(rows(t, c, `EXPLAIN CREATE MATERIALIZED VIEW again AS
		SELECT window_start, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECOND))
		GROUP BY window_start, window_end`), "\n")
	if !strings.Contains(plan, "emits early, every 100ms of processing time") {
		t.Fatalf("EXPLAIN does not show the early firing:\n%s", plan)
	}
	waitFor := func(what string, want ...string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			got := rows(t, c, `SELECT * FROM per_window ORDER BY window_start`)
			if strings.Join(got, "\n") == strings.Join(want, "\n") {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: got %q, want %q", what, got, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	produce(t, n, "clicks", `{"k": "a", "ts": "2024-01-01 00:00:01"}`, `{"k": "b", "ts": "2024-01-01 00:00:02"}`)
	waitFor("early row of an open window", "2024-01-01 00:00:00 +0000 UTC|2")
	produce(t, n, "clicks", `{"k": "c", "ts": "2024-01-01 00:00:03"}`, `{"k": "d", "ts": "2024-01-01 00:00:12"}`)
	waitFor("the final row of the closed window and the early row of the next",
		"2024-01-01 00:00:00 +0000 UTC|3", "2024-01-01 00:00:10 +0000 UTC|1")
}

// TestProcessingTimeWindow checks a window over PROCTIME(): it fires when
// the wall clock passes its end, without any watermark.
func TestProcessingTimeWindow(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, `CREATE TABLE hits (page STRING, pt AS PROCTIME())
		WITH ('connector' = 'kafka', 'topic' = 'hits', 'format' = 'json')`)
	exec(t, c, `CREATE MATERIALIZED VIEW per_second AS
		SELECT page, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE hits, DESCRIPTOR(pt), INTERVAL '1' SECOND))
		GROUP BY page, window_start, window_end`)
	plan := strings.Join(rows(t, c, `EXPLAIN CREATE MATERIALIZED VIEW again AS
		SELECT page, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE hits, DESCRIPTOR(pt), INTERVAL '1' SECOND))
		GROUP BY page, window_start, window_end`), "\n")
	if !strings.Contains(plan, "until the wall clock passes the window's end") || !strings.Contains(plan, "nondeterministic") {
		t.Fatalf("EXPLAIN does not show a processing-time window:\n%s", plan)
	}
	produce(t, n, "hits", `{"page": "/a"}`, `{"page": "/a"}`, `{"page": "/b"}`)
	exec(t, c, `FLUSH`)
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := rows(t, c, `SELECT page, SUM(n) FROM per_second GROUP BY page ORDER BY page`)
		if strings.Join(got, ",") == "/a|2,/b|1" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the processing-time windows did not fire: %q", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestLateRowsTableChecked checks that a query is refused, with a SQLSTATE
// and the position of what it creates, when its late-rows table is missing
// or cannot take late rows.
func TestLateRowsTableChecked(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, `CREATE TABLE ev (ts TIMESTAMP(3), WATERMARK FOR ts AS ts)`)
	exec(t, c, `CREATE TABLE wrong (a INT)`)
	exec(t, c, `SET 'riffle.late-rows.table' = 'missing'`)
	view := "CREATE MATERIALIZED VIEW v AS SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '1' SECOND)) GROUP BY window_start, window_end"
	if e := pgErr(t, c, view); e.Code != "42P01" || e.Position != 26 { // at the name v
		t.Fatalf("missing late-rows table: %+v (position %d)", e, e.Position)
	}
	exec(t, c, `SET 'riffle.late-rows.table' = 'wrong'`)
	if e := pgErr(t, c, view); e.Code != "42P16" || e.Hint == "" {
		t.Fatalf("late-rows table without the columns: %+v", e)
	}
	exec(t, c, `RESET 'riffle.late-rows.table'`)
	exec(t, c, view)
}
