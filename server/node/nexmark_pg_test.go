package node

import (
	"context"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"riffle/server/pgtest"
)

// nexmarkPG is each Nexmark query's logic in PostgreSQL, run in batch over
// the same events (DIALECTS.md has the rewrites): the oracle riffle's final
// results must match. Tables person, auction and bid have the views'
// columns in lower case; epoch is TIMESTAMP '1970-01-01'.
var nexmarkPG = []struct {
	query string
	pg    string
	// riffle reads the query's result from its materialized view; "" is
	// SELECT * FROM the view.
	riffle string
	// mv renames columns of the query's SELECT for its materialized view
	// (old, new, …): a view's columns need distinct names, rows written to
	// a sink table do not.
	mv []string
	// bigint are the columns the sink table declares BIGINT that the query
	// computes as decimals: INSERT casts them, rounding (see q4).
	bigint []int
}{
	{query: "q0", pg: `SELECT auction, bidder, price, datetime, extra FROM bid`},
	{query: "q1", pg: `SELECT auction, bidder, 0.908 * price, datetime, extra FROM bid`},
	{query: "q2", pg: `SELECT auction, price FROM bid WHERE auction % 123 = 0`},
	{query: "q3", pg: `SELECT P.name, P.city, P.state, A.id FROM auction A JOIN person P ON A.seller = P.id
		WHERE A.category = 10 AND P.state IN ('OR', 'ID', 'CA')`},
	// riffle's AVG of integers is PostgreSQL's, a decimal (Flink's is a
	// BIGINT, the sum divided by the count, truncated); the sink's BIGINT
	// column rounds it, as PostgreSQL's cast does.
	{query: "q4", pg: `SELECT category, avg(final)::bigint FROM (
		SELECT max(B.price) AS final, A.category FROM auction A, bid B
		WHERE A.id = B.auction AND B.datetime BETWEEN A.datetime AND A.expires GROUP BY A.id, A.category) Q
		GROUP BY category`, bigint: []int{1}},
	{query: "q5", pg: `WITH hops AS (
			SELECT auction, ws AS starttime, ws + interval '10 s' AS endtime FROM bid,
				generate_series(date_bin('2 s', datetime, epoch()) - interval '8 s', date_bin('2 s', datetime, epoch()), interval '2 s') AS ws),
		ab AS (SELECT auction, count(*) AS num, starttime, endtime FROM hops GROUP BY auction, starttime, endtime),
		mb AS (SELECT max(num) AS maxn, starttime, endtime FROM ab GROUP BY starttime, endtime)
		SELECT ab.auction, ab.num FROM ab JOIN mb ON ab.starttime = mb.starttime AND ab.endtime = mb.endtime AND ab.num >= mb.maxn`},
	{query: "q7", pg: `SELECT B.auction, B.price, B.bidder, B.datetime, B.extra FROM bid B JOIN (
		SELECT max(price) AS maxprice, date_bin('10 s', datetime, epoch()) + interval '10 s' AS datetime FROM bid GROUP BY 2) B1
		ON B.price = B1.maxprice WHERE B.datetime BETWEEN B1.datetime - interval '10 s' AND B1.datetime`},
	{query: "q8", pg: `SELECT P.id, P.name, P.starttime FROM
		(SELECT id, name, date_bin('10 s', datetime, epoch()) AS starttime FROM person GROUP BY 1, 2, 3) P
		JOIN (SELECT seller, date_bin('10 s', datetime, epoch()) AS starttime FROM auction GROUP BY 1, 2) A
		ON P.id = A.seller AND P.starttime = A.starttime`},
	{query: "q9", pg: `SELECT id, itemname, description, initialbid, reserve, datetime, expires, seller, category, extra,
		auction, bidder, price, bid_datetime, bid_extra FROM (
		SELECT A.*, B.auction, B.bidder, B.price, B.datetime AS bid_datetime, B.extra AS bid_extra,
			row_number() OVER (PARTITION BY A.id ORDER BY B.price DESC, B.datetime ASC) AS rownum
		FROM auction A, bid B WHERE A.id = B.auction AND B.datetime BETWEEN A.datetime AND A.expires) x
		WHERE rownum <= 1`},
	// Gaps and islands: a bid more than 10 s after its bidder's previous one
	// starts a session, which ends 10 s after its last bid.
	{query: "q11", pg: `WITH s AS (
			SELECT bidder, datetime, CASE WHEN datetime - lag(datetime) OVER w <= interval '10 s' THEN 0 ELSE 1 END AS new
			FROM bid WINDOW w AS (PARTITION BY bidder ORDER BY datetime)),
		g AS (SELECT bidder, datetime, sum(new) OVER (PARTITION BY bidder ORDER BY datetime, new DESC ROWS UNBOUNDED PRECEDING) AS sid FROM s)
		SELECT bidder, count(*), min(datetime), max(datetime) + interval '10 s' FROM g GROUP BY bidder, sid`},
	// q10's sink writes files partitioned by day and minute: read back,
	// they hold every bid, the partition columns from the directory names.
	{query: "q10", pg: `SELECT auction, bidder, price, datetime, extra, to_char(datetime, 'YYYY-MM-DD'), to_char(datetime, 'HH24:MI') FROM bid`,
		riffle: `SELECT * FROM nexmark_q10`, mv: []string{"'yyyy-MM-dd')", "'yyyy-MM-dd') AS dt", "'HH:mm')", "'HH:mm') AS hm"}},
	// The side input is read whole before the first bid is joined, so the
	// processing-time join gives every bid its key's value.
	{query: "q13", pg: `SELECT B.auction, B.bidder, B.price, B.datetime, S.value FROM bid B JOIN side_input S ON B.auction % 10000 = S.key`},
	// Processing-time windows depend on when rows are processed: only the
	// bids each bidder made, summed over the windows, are certain.
	{query: "q12", pg: `SELECT bidder, count(*) FROM bid GROUP BY bidder`,
		riffle: `SELECT bidder, SUM(bid_count) FROM q12 GROUP BY bidder`},
	{query: "q14", pg: `SELECT auction, bidder, 0.908 * price,
		CASE WHEN extract(hour FROM datetime) >= 8 AND extract(hour FROM datetime) <= 18 THEN 'dayTime'
			WHEN extract(hour FROM datetime) <= 6 OR extract(hour FROM datetime) >= 20 THEN 'nightTime'
			ELSE 'otherTime' END,
		datetime, extra, length(extra) - length(replace(extra, 'c', ''))
		FROM bid WHERE 0.908 * price > 1000000 AND 0.908 * price < 50000000`},
	{query: "q15", pg: `SELECT to_char(datetime, 'YYYY-MM-DD'), count(*),
		count(*) FILTER (WHERE price < 10000), count(*) FILTER (WHERE price >= 10000 AND price < 1000000),
		count(*) FILTER (WHERE price >= 1000000),
		count(DISTINCT bidder), count(DISTINCT bidder) FILTER (WHERE price < 10000),
		count(DISTINCT bidder) FILTER (WHERE price >= 10000 AND price < 1000000), count(DISTINCT bidder) FILTER (WHERE price >= 1000000),
		count(DISTINCT auction), count(DISTINCT auction) FILTER (WHERE price < 10000),
		count(DISTINCT auction) FILTER (WHERE price >= 10000 AND price < 1000000), count(DISTINCT auction) FILTER (WHERE price >= 1000000)
		FROM bid GROUP BY 1`},
	{query: "q16", pg: `SELECT channel, to_char(datetime, 'YYYY-MM-DD'), max(to_char(datetime, 'HH24:MI')), count(*),
		count(*) FILTER (WHERE price < 10000), count(*) FILTER (WHERE price >= 10000 AND price < 1000000),
		count(*) FILTER (WHERE price >= 1000000),
		count(DISTINCT bidder), count(DISTINCT bidder) FILTER (WHERE price < 10000),
		count(DISTINCT bidder) FILTER (WHERE price >= 10000 AND price < 1000000), count(DISTINCT bidder) FILTER (WHERE price >= 1000000),
		count(DISTINCT auction), count(DISTINCT auction) FILTER (WHERE price < 10000),
		count(DISTINCT auction) FILTER (WHERE price >= 10000 AND price < 1000000), count(DISTINCT auction) FILTER (WHERE price >= 1000000)
		FROM bid GROUP BY channel, to_char(datetime, 'YYYY-MM-DD')`},
	{query: "q17", pg: `SELECT auction, to_char(datetime, 'YYYY-MM-DD'), count(*),
		count(*) FILTER (WHERE price < 10000), count(*) FILTER (WHERE price >= 10000 AND price < 1000000),
		count(*) FILTER (WHERE price >= 1000000),
		min(price), max(price), avg(price)::bigint, sum(price)
		FROM bid GROUP BY auction, to_char(datetime, 'YYYY-MM-DD')`, bigint: []int{8}},
	{query: "q18", pg: `SELECT auction, bidder, price, channel, url, datetime, extra FROM (
		SELECT *, row_number() OVER (PARTITION BY bidder, auction ORDER BY datetime DESC) AS rank_number FROM bid) x
		WHERE rank_number <= 1`},
	// Bids of one auction at the same price are ranked in any order: which
	// of them gets which rank is not certain, the prices at each rank are.
	{query: "q19", pg: `SELECT auction, price, rank_number FROM (
		SELECT *, row_number() OVER (PARTITION BY auction ORDER BY price DESC) AS rank_number FROM bid) x
		WHERE rank_number <= 10`, riffle: `SELECT auction, price, rank_number FROM q19`},
	{query: "q20", pg: `SELECT auction, bidder, price, channel, url, B.datetime, B.extra,
		itemname, description, initialbid, reserve, A.datetime, expires, seller, category, A.extra
		FROM bid AS B JOIN auction AS A ON B.auction = A.id WHERE A.category = 10`,
		mv: []string{"B.`dateTime`, B.extra,", "B.`dateTime` AS bid_dateTime, B.extra AS bid_extra,",
			"A.`dateTime`, expires", "A.`dateTime` AS auction_dateTime, expires", "A.extra\n", "A.extra AS auction_extra\n"}},
	{query: "q21", pg: `SELECT auction, bidder, price, channel,
		CASE WHEN lower(channel) = 'apple' THEN '0' WHEN lower(channel) = 'google' THEN '1'
			WHEN lower(channel) = 'facebook' THEN '2' WHEN lower(channel) = 'baidu' THEN '3'
			ELSE (regexp_match(url, '(&|^)channel_id=([^&]*)'))[2] END
		FROM bid WHERE (regexp_match(url, '(&|^)channel_id=([^&]*)'))[2] IS NOT NULL
			OR lower(channel) IN ('apple', 'google', 'facebook', 'baidu')`},
	// SPLIT_INDEX counts from 0, split_part from 1; every URL has six parts.
	{query: "q22", pg: `SELECT auction, bidder, price, channel, split_part(url, '/', 4), split_part(url, '/', 5), split_part(url, '/', 6) FROM bid`},
}

// pgTables are the views' columns in PostgreSQL.
const pgTables = `
CREATE FUNCTION epoch() RETURNS timestamp AS $$ SELECT TIMESTAMP '1970-01-01' $$ LANGUAGE SQL IMMUTABLE;
CREATE TABLE person (id bigint, name text, emailaddress text, creditcard text, city text, state text, datetime timestamp(3), extra text);
CREATE TABLE auction (id bigint, itemname text, description text, initialbid bigint, reserve bigint, datetime timestamp(3),
	expires timestamp(3), seller bigint, category bigint, extra text);
CREATE TABLE bid (auction bigint, bidder bigint, price bigint, channel text, url text, datetime timestamp(3), extra text);
CREATE TABLE side_input AS SELECT i::bigint AS key, i::text AS value FROM generate_series(0, 9999) AS i;`

// sideInput writes q13's side input under dir (its ${FLINK_HOME}), which
// the Nexmark folder does not ship: key i, value the text of i, for every
// key of its join (as riffle bench nexmark writes it, and pgTables has it).
func sideInput(t *testing.T, dir string) {
	var b strings.Builder
	for i := range 10000 {
		fmt.Fprintf(&b, "%d,%d\n", i, i)
	}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data", "side_input.txt"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// canonical renders a value the same way whichever server sent it:
// numbers by value (908.000 and 908 alike), times in UTC to the
// millisecond.
func canonical(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case pgtype.Numeric:
		f, _ := v.Value()
		s := fmt.Sprint(f)
		if strings.Contains(s, ".") {
			s = strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
		}
		return s
	case float64:
		return strconv.FormatFloat(v, 'g', 12, 64)
	case time.Time:
		return v.UTC().Format("2006-01-02 15:04:05.000")
	}
	return fmt.Sprint(v)
}

func canonicalRows(t *testing.T, c *pgx.Conn, sql string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rs, err := c.Query(ctx, sql)
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
			parts[i] = canonical(v)
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rs.Err(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	slices.Sort(out)
	return out
}

// roundColumns rounds the decimals of columns cols of canonical rows to
// integers, half away from zero, as a cast to BIGINT does.
func roundColumns(t *testing.T, rows []string, cols []int) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		f := strings.Split(r, "|")
		for _, c := range cols {
			x, ok := new(big.Rat).SetString(f[c])
			if !ok {
				t.Fatalf("column %d of %q is not a number", c, r)
			}
			half := big.NewRat(1, 2)
			if x.Sign() < 0 {
				half.Neg(half)
			}
			x.Add(x, half)
			f[c] = new(big.Int).Quo(x.Num(), x.Denom()).String()
		}
		out[i] = strings.Join(f, "|")
	}
	slices.Sort(out)
	return out
}

// copyView copies the rows of one of riffle's Nexmark views into the
// PostgreSQL table of the same name.
func copyView(t *testing.T, riffle, pg *pgx.Conn, view string) int {
	t.Helper()
	ctx := context.Background()
	rs, err := riffle.Query(ctx, "SELECT * FROM "+view)
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, f := range rs.FieldDescriptions() {
		cols = append(cols, strings.ToLower(f.Name))
	}
	var data [][]any
	for rs.Next() {
		vals, err := rs.Values()
		if err != nil {
			t.Fatal(err)
		}
		data = append(data, vals)
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := pg.CopyFrom(ctx, pgx.Identifier{view}, cols, pgx.CopyFromRows(data)); err != nil {
		t.Fatalf("copy %s into PostgreSQL: %v", view, err)
	}
	return len(data)
}

// TestNexmarkAgainstPostgres runs every Nexmark query riffle supports from
// its file as written (the ddl_gen.sql source with 20,000 events 1 ms apart
// in event time, the views of ddl_views.sql, the query's sink table and
// INSERT INTO it), and the SELECT of each into a materialized view; then
// copies the events into PostgreSQL and checks every view's final contents
// against the same logic run there in batch.
func TestNexmarkAgainstPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and runs 20 queries")
	}
	ddl := nexmarkFile(t, "flink-ddl/ddl_gen.sql", "${TPS}", "1000", "${EVENTS_NUM}", "20000",
		"${PERSON_PROPORTION}", "1", "${AUCTION_PROPORTION}", "3", "${BID_PROPORTION}", "46")
	views := nexmarkFile(t, "flink-ddl/ddl_views.sql", "${NEXMARK_TABLE}", "datagen")
	srv, skip, err := pgtest.Start(pgtest.Options{Prefix: "riffle-nexmark-", Settings: []string{"TimeZone=UTC"}})
	if err != nil {
		t.Fatal(err)
	}
	if srv == nil {
		t.Skip(skip)
	}
	defer srv.Stop()
	pg, err := pgx.Connect(context.Background(), srv.Conn)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close(context.Background())
	if _, err := pg.Exec(context.Background(), pgTables); err != nil {
		t.Fatal(err)
	}

	// The files of q10's sink and q13's side input.
	files := t.TempDir()
	sideInput(t, files)
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, ddl)
	for _, v := range statements(views) {
		exec(t, c, v)
	}
	// A query riffle refuses fails its own subtest below; the others run.
	refused := map[string]error{}
	for _, q := range nexmarkPG {
		sel := querySelect(t, q.query+".sql")
		for i := 0; i < len(q.mv); i += 2 {
			if !strings.Contains(sel, q.mv[i]) {
				t.Fatalf("%s: no %q to rename", q.query, q.mv[i])
			}
			sel = strings.Replace(sel, q.mv[i], q.mv[i+1], 1)
		}
		script := nexmarkFile(t, "queries/"+q.query+".sql", "${NEXMARK_DIR}", files, "${FLINK_HOME}", files, "${SUBMIT_TIME}", "0")
		stmts := append(statements(script), // its sink table, and the query into it
			"CREATE MATERIALIZED VIEW "+q.query+" AS "+sel)
		for _, st := range stmts {
			if _, err := c.Exec(context.Background(), st); err != nil {
				refused[q.query] = fmt.Errorf("%s: %w", st, err)
				break
			}
		}
	}
	exec(t, c, "FLUSH")
	for _, q := range rows(t, c, "SHOW QUERIES") {
		if !strings.Contains(q, "|FINISHED|") {
			t.Errorf("query %s: want FINISHED, its table having ended", q)
		}
	}

	events := 0
	for _, v := range []string{"person", "auction", "bid"} {
		events += copyView(t, c, pg, v)
	}
	if events != 20000 {
		t.Fatalf("copied %d events into PostgreSQL, want 20000", events)
	}
	for _, q := range nexmarkPG {
		t.Run(q.query, func(t *testing.T) {
			if err := refused[q.query]; err != nil {
				t.Fatal(err)
			}
			sql := q.riffle
			if sql == "" {
				sql = "SELECT * FROM " + q.query
			}
			got := canonicalRows(t, c, sql)
			if len(q.bigint) > 0 {
				got = roundColumns(t, got, q.bigint)
			}
			sameRows(t, q.query, got, canonicalRows(t, pg, q.pg))
		})
	}
}
