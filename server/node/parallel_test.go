package node

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"
)

// parallelViews are queries of every kind of parallel plan: stateless,
// hashed by a group, a window, a join key or a partition, gathered for a
// global aggregate or a Top-N, two exchanges in a row, an OVER window,
// grouping sets, and a view over another view ({par}: the parallelism of
// the copy being made), whose changes topic one task reads.
var parallelViews = map[string]string{
	"big":     `SELECT auction, bidder, price FROM bids WHERE price > 900`,
	"totals":  `SELECT auction, COUNT(*) AS n, SUM(price) AS total, MAX(price) AS hi FROM bids GROUP BY auction`,
	"bidders": `SELECT COUNT(DISTINCT bidder) AS bidders, COUNT(*) AS n, SUM(price) AS total FROM bids`,
	"hist":    `SELECT n, COUNT(*) AS auctions FROM (SELECT auction, COUNT(*) AS n FROM bids GROUP BY auction) GROUP BY n`,
	"windows": `SELECT auction, window_start, window_end, COUNT(*) AS n, SUM(price) AS total
		FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY auction, window_start, window_end`,
	// HOP aggregates run by slices, hashed by the grouping without the
	// window's columns below the window TVF, or gathered without one.
	"hops": `SELECT auction, window_start, window_end, COUNT(*) AS n, SUM(price) AS total, MIN(price) AS lo,
		MAX(price) AS hi, AVG(price) AS mean FROM TABLE(HOP(TABLE bids, DESCRIPTOR(ts), INTERVAL '2' SECOND, INTERVAL '6' SECOND))
		GROUP BY auction, window_start, window_end`,
	"hops_all": `SELECT window_end, COUNT(*) AS n, MAX(price) AS hi
		FROM TABLE(HOP(TABLE bids, DESCRIPTOR(ts), INTERVAL '3' SECOND, INTERVAL '9' SECOND)) GROUP BY window_start, window_end`,
	"sellers": `SELECT a.seller, COUNT(*) AS n, SUM(b.price) AS total FROM bids b JOIN auctions a ON b.auction = a.id GROUP BY a.seller`,
	"top":     `SELECT auction, price, bidder FROM bids ORDER BY price DESC, bidder LIMIT 5`,
	"best": `SELECT auction, price, bidder FROM (
		SELECT auction, price, bidder, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC, bidder) AS rn FROM bids) WHERE rn <= 2`,
	// An OVER drops the rows behind the watermark they were stamped with,
	// and the stamp depends on the order in which the partitions were read
	// (one task reads them all, each of four tasks one): over a watermark
	// behind the bids' disorder no row is late, in any order.
	"over": `SELECT auction, ts, price, COUNT(*) OVER (PARTITION BY auction ORDER BY ts) AS n,
		MAX(price) OVER (PARTITION BY auction ORDER BY ts RANGE BETWEEN INTERVAL '10' SECOND PRECEDING AND CURRENT ROW) AS hi10s FROM bids_5s`,
	"sets":        `SELECT auction, bidder % 3 AS b, COUNT(*) AS n, SUM(price) AS total FROM bids GROUP BY GROUPING SETS ((auction), (auction, bidder % 3), ())`,
	"totals_hist": `SELECT n, COUNT(*) AS auctions, SUM(total) AS total FROM totals_{par} GROUP BY n`,
}

// TestParallelEqualsOneTask runs each of parallelViews at parallelism 1
// and 4 over topics of 4 and 3 partitions, and checks that both give the
// same rows: after a first batch of records, after a clean restart with
// more records, and after the final watermark fires every window. The
// parallel plans have their exchanges, and SHOW QUERIES their tasks.
func TestParallelEqualsOneTask(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	c := connect(t, n)
	exec(t, c, `CREATE TABLE bids (auction BIGINT, bidder BIGINT, price BIGINT, ts TIMESTAMP(3),
		WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
		WITH ('connector' = 'kafka', 'topic' = 'bids', 'format' = 'json', 'topic.partitions' = '4')`)
	exec(t, c, `CREATE TABLE bids_5s (auction BIGINT, bidder BIGINT, price BIGINT, ts TIMESTAMP(3),
		WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
		WITH ('connector' = 'kafka', 'topic' = 'bids', 'format' = 'json', 'topic.partitions' = '4')`)
	exec(t, c, `CREATE TABLE auctions (id BIGINT, seller BIGINT)
		WITH ('connector' = 'kafka', 'topic' = 'auctions', 'format' = 'json', 'topic.partitions' = '3')`)
	for _, par := range []int{1, 4} {
		exec(t, c, fmt.Sprintf(`SET 'parallelism.default' = '%d'`, par))
		for _, name := range slices.Sorted(maps.Keys(parallelViews)) {
			// Sorted, a view comes after the view it reads (totals, totals_hist).
			q := strings.ReplaceAll(parallelViews[name], "{par}", strconv.Itoa(par))
			exec(t, c, fmt.Sprintf(`CREATE MATERIALIZED VIEW %s_%d AS %s`, name, par, q))
		}
	}
	plan := strings.Join(rows(t, c, `EXPLAIN CREATE MATERIALIZED VIEW x AS `+parallelViews["sellers"]), "\n")
	for _, want := range []string{"Exchange hash=(auction#0)", "Exchange hash=(id#0)", "Exchange hash=(seller#", "Exchange gather", "parallelism=4"} {
		if !strings.Contains(plan, want) {
			t.Errorf("EXPLAIN at parallelism 4 lacks %q:\n%s", want, plan)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	feedParallel(t, n, rng, 0, 3000)
	exec(t, c, `FLUSH`)
	compareParallel(t, c, "first batch")
	var metrics strings.Builder
	if err := n.Engine.WriteMetrics(context.Background(), &metrics); err != nil {
		t.Fatal(err)
	}
	// The sink's task, the aggregate's 4, the join's 4, each scan's 4.
	for _, want := range []string{`riffle_query_tasks{query="q\d+",target="sellers_1"} 1\n`, `riffle_query_tasks{query="q\d+",target="sellers_4"} 17\n`} {
		if !regexp.MustCompile(want).MatchString(metrics.String()) {
			t.Errorf("metrics lack %s:\n%s", want, metrics.String())
		}
	}

	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	n = startNode(t, dir)
	defer n.Close()
	c = connect(t, n)
	feedParallel(t, n, rng, 3000, 2000)
	// A bid far in the future moves every partition's watermark past
	// every window but its own.
	end := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC).UnixMilli()
	cl := kafkaClient(t, n)
	for p := range int32(4) {
		rec := &kgo.Record{Topic: "bids", Partition: p, Value: fmt.Appendf(nil, `{"auction": 1, "bidder": 1, "price": 1, "ts": %d}`, end)}
		if err := cl.ProduceSync(context.Background(), rec).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	exec(t, c, `FLUSH`)
	compareParallel(t, c, "after a restart and the final watermark")
	if got := rows(t, c, `SELECT COUNT(*) FROM windows_4`); len(got) != 1 || got[0] == "0" {
		t.Errorf("no window fired: %q", got)
	}
}

// feedParallel produces n bids (numbered from first) and an auction for
// each new auction id, spread over the partitions, with times that go
// forward by about a second a bid.
func feedParallel(t *testing.T, node *Node, rng *rand.Rand, first, n int) {
	t.Helper()
	cl := kafkaClient(t, node)
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	var recs []*kgo.Record
	for i := first; i < first+n; i++ {
		auction := rng.IntN(50)
		ts := base + int64(i)*1000 + rng.Int64N(3000) // out of order by up to 3 s
		recs = append(recs, &kgo.Record{Topic: "bids", Partition: int32(rng.IntN(4)),
			Value: fmt.Appendf(nil, `{"auction": %d, "bidder": %d, "price": %d, "ts": %d}`, auction, rng.IntN(200), rng.IntN(1000), ts)})
		if i < 50 {
			recs = append(recs, &kgo.Record{Topic: "auctions", Partition: int32(i % 3),
				Value: fmt.Appendf(nil, `{"id": %d, "seller": %d}`, i, i%7)})
		}
	}
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

func kafkaClient(t *testing.T, n *Node) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(n.KafkaBrokers()...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// compareParallel checks that every view at parallelism 4 holds what its
// twin at parallelism 1 holds, and that they hold something.
func compareParallel(t *testing.T, c *pgx.Conn, when string) {
	t.Helper()
	for name := range parallelViews {
		one := rows(t, c, fmt.Sprintf(`SELECT * FROM %s_1`, name))
		four := rows(t, c, fmt.Sprintf(`SELECT * FROM %s_4`, name))
		if len(one) == 0 {
			t.Errorf("%s: view %s_1 is empty", when, name)
		}
		if strings.Join(one, "\n") != strings.Join(four, "\n") {
			t.Errorf("%s: view %s differs at parallelism 4 (%d rows) from parallelism 1 (%d rows)", when, name, len(four), len(one))
		}
	}
}

// TestParallelismChange: a query keeps the parallelism it was created
// with across restarts; a replacement at another parallelism is refused
// when the query keeps keyed state (55000, saying why and what to do) and
// leaves the query as it was; RESET QUERY rebuilds the state at the
// session's parallelism; a stateless query changes parallelism freely.
func TestParallelismChange(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	c := connect(t, n)
	if e := pgErr(t, c, `SET 'parallelism.default' = '0'`); e.Code != "22023" {
		t.Errorf("SET 'parallelism.default' = '0': %s %s", e.Code, e.Message)
	}
	exec(t, c, `CREATE TABLE bids (auction BIGINT, price BIGINT)
		WITH ('connector' = 'kafka', 'topic' = 'bids', 'format' = 'json', 'topic.partitions' = '2')`)
	exec(t, c, `SET 'parallelism.default' = '2'`)
	const totals = `SELECT auction, COUNT(*) AS n, SUM(price) AS total FROM bids GROUP BY auction`
	exec(t, c, `CREATE MATERIALIZED VIEW totals AS `+totals)
	exec(t, c, `CREATE MATERIALIZED VIEW big AS SELECT auction, price FROM bids WHERE price > 10`)
	exec(t, c, `INSERT INTO bids VALUES (1, 10), (2, 20), (1, 30), (3, 5)`)
	exec(t, c, `FLUSH`)
	want := []string{"1|2|40", "2|1|20", "3|1|5"}
	equal(t, "totals", rows(t, c, `SELECT * FROM totals`), want...)
	if got := rows(t, c, `SHOW QUERIES`); !strings.Contains(strings.Join(got, "\n"), "'parallelism.default' = '2'") {
		t.Errorf("SHOW QUERIES does not show the queries' parallelism: %q", got)
	}

	exec(t, c, `SET 'parallelism.default' = '3'`)
	e := pgErr(t, c, `CREATE OR REPLACE MATERIALIZED VIEW totals AS `+totals)
	if e.Code != "55000" || !strings.Contains(e.Message, "keeps its keyed state in 2 parts") || !strings.Contains(e.Hint, "RESET QUERY") {
		t.Errorf("a replacement at another parallelism: %s %s (hint %q)", e.Code, e.Message, e.Hint)
	}
	exec(t, c, `INSERT INTO bids VALUES (2, 1)`)
	exec(t, c, `FLUSH`)
	want = []string{"1|2|40", "2|2|21", "3|1|5"}
	equal(t, "totals after the refused replacement", rows(t, c, `SELECT * FROM totals`), want...)
	exec(t, c, `CREATE OR REPLACE MATERIALIZED VIEW big AS SELECT auction, price FROM bids WHERE price > 10`)

	// A restart keeps each query's parallelism, whatever the session says.
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	n = startNode(t, dir, func(o *Options) { o.Parallelism = 1 })
	defer n.Close()
	c = connect(t, n)
	exec(t, c, `INSERT INTO bids VALUES (3, 100)`)
	exec(t, c, `FLUSH`)
	want = []string{"1|2|40", "2|2|21", "3|2|105"}
	equal(t, "totals after a restart", rows(t, c, `SELECT * FROM totals`), want...)
	equal(t, "big", rows(t, c, `SELECT * FROM big`), "1|30", "2|20", "3|100")

	// RESET QUERY rebuilds the state from the inputs, at the session's
	// parallelism.
	exec(t, c, `SET 'parallelism.default' = '3'`)
	exec(t, c, `RESET QUERY `+viewQuery(t, c, "totals")["id"].(string)+` FROM EARLIEST`)
	exec(t, c, `FLUSH`)
	equal(t, "totals after RESET QUERY at parallelism 3", rows(t, c, `SELECT * FROM totals`), want...)
	if s := viewQuery(t, c, "totals")["settings"]; s != "'parallelism.default' = '3'" {
		t.Errorf("the reset query's settings: %v, want it at parallelism 3", s)
	}
}
