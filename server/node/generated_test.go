package node

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"riffle/connectors/datagen"
	"riffle/connectors/gen"
	"riffle/connectors/nexmark"
	"riffle/sql/types"
)

// nexmarkDir is the Nexmark reference material beside the checkout
// (../shared/nexmark); the tests that read it skip without it.
const nexmarkDir = "../../../shared/nexmark"

func nexmarkFile(t *testing.T, name string, subs ...string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(nexmarkDir, name))
	if err != nil {
		t.Skipf("the Nexmark material is absent (%v); it lives in the shared folder beside the checkout", err)
	}
	return strings.NewReplacer(subs...).Replace(string(b))
}

// statements cuts a script into its statements at semicolons that end a
// line, dropping comment lines.
func statements(script string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(script, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		cur.WriteString(line + "\n")
		if strings.HasSuffix(strings.TrimSpace(line), ";") {
			out = append(out, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

// querySelect is the SELECT of a Nexmark query file's INSERT INTO … SELECT.
func querySelect(t *testing.T, name string) string {
	for _, st := range statements(nexmarkFile(t, "queries/"+name)) {
		if _, sel, ok := strings.Cut(st, "\nSELECT"); ok && strings.HasPrefix(st, "INSERT INTO") {
			return "SELECT" + sel
		}
	}
	t.Fatalf("%s has no INSERT INTO … SELECT", name)
	return ""
}

// events generates a Nexmark table's events directly, the independent
// side of the comparisons below.
func events(t *testing.T, opts map[string]string) []nexmark.Event {
	t.Helper()
	cfg, err := nexmark.ParseOptions(opts)
	if err != nil {
		t.Fatal(err)
	}
	g := nexmark.NewGenerator(cfg)
	out := make([]nexmark.Event, cfg.Limit())
	for n := range out {
		g.Next(int64(n), &out[n])
	}
	return out
}

func ts(ms int64) string { return fmt.Sprint(time.UnixMilli(ms).UTC()) }

// q1Rows is Nexmark q1 computed in Go: every bid, its price in euros
// (0.908 × price, exact to three places).
func q1Rows(evs []nexmark.Event) []string {
	var out []string
	for _, e := range evs {
		if e.Kind != nexmark.BidEvent {
			continue
		}
		b := e.Bid
		euros := b.Price * 908
		out = append(out, fmt.Sprintf("%d|%d|%d.%03d|%s|%s", b.Auction, b.Bidder, euros/1000, euros%1000, ts(b.DateTime), b.Extra))
	}
	slices.Sort(out)
	return out
}

// q2Rows is Nexmark q2 in Go: the bids on every 123rd auction.
func q2Rows(evs []nexmark.Event) []string {
	var out []string
	for _, e := range evs {
		if e.Kind == nexmark.BidEvent && e.Bid.Auction%123 == 0 {
			out = append(out, fmt.Sprintf("%d|%d", e.Bid.Auction, e.Bid.Price))
		}
	}
	slices.Sort(out)
	return out
}

// q3Rows is Nexmark q3 in Go: the people in OR, ID or CA selling in
// category 10, with each such auction.
func q3Rows(evs []nexmark.Event) []string {
	people := map[int64]nexmark.Person{}
	for _, e := range evs {
		if e.Kind == nexmark.PersonEvent && (e.Person.State == "OR" || e.Person.State == "ID" || e.Person.State == "CA") {
			people[e.Person.ID] = e.Person
		}
	}
	var out []string
	for _, e := range evs {
		if p, ok := people[e.Auction.Seller]; ok && e.Kind == nexmark.AuctionEvent && e.Auction.Category == 10 {
			out = append(out, fmt.Sprintf("%s|%s|%s|%d", p.Name, p.City, p.State, e.Auction.ID))
		}
	}
	slices.Sort(out)
	return out
}

func sameRows(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(want) == 0 {
		t.Fatalf("%s: the expected result is empty; the test proves nothing", what)
	}
	if !slices.Equal(got, want) {
		missing, extra := 0, 0
		for _, w := range want {
			if _, ok := slices.BinarySearch(got, w); !ok {
				missing++
			}
		}
		for _, g := range got {
			if _, ok := slices.BinarySearch(want, g); !ok {
				extra++
			}
		}
		first := ""
		for i := range min(len(got), len(want)) {
			if got[i] != want[i] {
				first = fmt.Sprintf("; first difference:\ngot  %q\nwant %q", got[i], want[i])
				break
			}
		}
		t.Fatalf("%s: %d rows, want %d (%d missing, %d unexpected)%s", what, len(got), len(want), missing, extra, first)
	}
}

// TestNexmarkQueries creates the Nexmark source table of Flink's
// ddl_gen.sql and the views of ddl_views.sql, runs q1 and q2 (the SELECTs
// of queries/q1.sql and q2.sql) and a window count into materialized views
// over 10,000 events, and checks them against the same queries computed in
// Go over events generated directly. With 'events.num' the table ends, so
// the queries finish.
func TestNexmarkQueries(t *testing.T) {
	ddl := nexmarkFile(t, "flink-ddl/ddl_gen.sql", "${TPS}", "1000", "${EVENTS_NUM}", "10000",
		"${PERSON_PROPORTION}", "1", "${AUCTION_PROPORTION}", "3", "${BID_PROPORTION}", "46")
	views := nexmarkFile(t, "flink-ddl/ddl_views.sql", "${NEXMARK_TABLE}", "datagen")
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	before := time.Now().UnixMilli()
	exec(t, c, ddl)
	after := time.Now().UnixMilli()
	for _, v := range statements(views) {
		exec(t, c, v)
	}
	exec(t, c, "CREATE MATERIALIZED VIEW q1 AS "+querySelect(t, "q1.sql"))
	exec(t, c, "CREATE MATERIALIZED VIEW q2 AS "+querySelect(t, "q2.sql"))
	exec(t, c, "CREATE MATERIALIZED VIEW q3 AS "+querySelect(t, "q3.sql"))
	exec(t, c, "CREATE MATERIALIZED VIEW per_second AS SELECT window_end, COUNT(*) AS bids, MAX(price) AS top "+
		"FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '1' SECOND)) GROUP BY window_start, window_end")
	exec(t, c, "FLUSH")

	// The table's base time is fixed at CREATE TABLE. A one-shot SELECT
	// over the bounded table reads the first event's time, 1 ms after it
	// at 1000 events/s.
	var first time.Time
	if err := c.QueryRow(t.Context(), "SELECT MIN(`dateTime`) FROM datagen").Scan(&first); err != nil {
		t.Fatal(err)
	}
	base := first.UnixMilli() - 1
	if base < before || base > after {
		t.Fatalf("base time %d is not the time of CREATE TABLE (%d..%d)", base, before, after)
	}
	evs := events(t, map[string]string{"first-event.rate": "1000", "events.num": "10000", "base-time": fmt.Sprint(base)})
	sameRows(t, "q1", rows(t, c, "SELECT * FROM q1"), q1Rows(evs))
	sameRows(t, "q2", rows(t, c, "SELECT * FROM q2"), q2Rows(evs))
	sameRows(t, "q3 (two scans of the table, joined)", rows(t, c, "SELECT * FROM q3"), q3Rows(evs))
	counts := map[int64]int{}
	tops := map[int64]int64{}
	for _, e := range evs {
		if e.Kind == nexmark.BidEvent {
			end := (e.Bid.DateTime/1000 + 1) * 1000
			counts[end]++
			tops[end] = max(tops[end], e.Bid.Price)
		}
	}
	var want []string
	for end, k := range counts {
		want = append(want, fmt.Sprintf("%s|%d|%d", ts(end), k, tops[end]))
	}
	slices.Sort(want)
	sameRows(t, "bids per second (every window fires at the end of the table)", rows(t, c, "SELECT * FROM per_second"), want)
	if len(want) < 10 {
		t.Fatalf("10,000 events at 1000/s should span 10 windows, not %d", len(want))
	}
	finished := regexp.MustCompile(`\|FINISHED\|`)
	for _, q := range rows(t, c, "SHOW QUERIES") {
		if !finished.MatchString(q) {
			t.Errorf("query %s: want FINISHED, its table having ended", q)
		}
	}
}

// count is how many rows a view holds now.
func count(t *testing.T, c *pgx.Conn, view string) int {
	return len(rows(t, c, "SELECT * FROM "+view))
}

// TestNexmarkRestart paces a Nexmark table in three splits at 5000 events/s
// of wall clock, stops the node while q1 is part way through, and checks
// that after the restart q1 holds every bid exactly once: the query
// resumes from the positions it committed and regenerates the rest.
func TestNexmarkRestart(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	c := connect(t, n)
	opts := map[string]string{"first-event.rate": "5000", "events.num": "15000", "max-emit-speed": "false",
		"base-time": "2024-01-01 00:00:00", "scan.parallelism": "3"}
	exec(t, c, `CREATE TABLE nexmark (
		event_type INT,
		bid ROW<auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR, `+"`dateTime`"+` TIMESTAMP(3), extra VARCHAR>,
		`+"`dateTime`"+` AS bid.`+"`dateTime`"+`,
		WATERMARK FOR `+"`dateTime`"+` AS `+"`dateTime`"+` - INTERVAL '4' SECOND
	) WITH ('connector' = 'nexmark', 'first-event.rate' = '5000', 'events.num' = '15000', 'max-emit-speed' = 'false',
		'base-time' = '2024-01-01 00:00:00', 'scan.parallelism' = '3')`)
	exec(t, c, "CREATE VIEW bid AS SELECT bid.auction, bid.bidder, bid.price, bid.channel, bid.url, `dateTime`, bid.extra FROM nexmark WHERE event_type = 2")
	exec(t, c, "CREATE MATERIALIZED VIEW q1 AS SELECT auction, bidder, 0.908 * price AS price, `dateTime`, extra FROM bid")
	want := q1Rows(events(t, opts))
	deadline := time.Now().Add(10 * time.Second)
	for count(t, c, "q1") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no bids after 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	if k := count(t, c, "q1"); k >= len(want) {
		t.Fatalf("all %d bids are there after 0.3 s at 5000 events/s: the table is not paced", k)
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	n = startNode(t, dir)
	defer n.Close()
	c = connect(t, n)
	exec(t, c, "FLUSH")
	sameRows(t, "q1 after a restart part way", rows(t, c, "SELECT * FROM q1"), want)
}

// TestDatagenRestart reads a paced datagen table (400 rows/s in two splits,
// a sequence id, random columns, timestamps at each row's due time with a
// watermark on them) into a view of its rows and a view of per-second
// windows; checks that windows fire while the table is still being read,
// restarts the node part way, and checks both views against the rows the
// generator makes directly.
func TestDatagenRestart(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	c := connect(t, n)
	const ddl = `CREATE TABLE clicks (id BIGINT NOT NULL, user_id INT, url STRING, ts TIMESTAMP(3),
		WATERMARK FOR ts AS ts) WITH ('connector' = 'datagen', 'rows-per-second' = '400', 'number-of-rows' = '2000',
		'base-time' = '2024-01-01 00:00:00', 'scan.parallelism' = '2', 'fields.id.kind' = 'sequence',
		'fields.id.start' = '1', 'fields.id.end' = '1000000', 'fields.user_id.min' = '1', 'fields.user_id.max' = '20',
		'fields.url.length' = '8', 'fields.url.null-rate' = '0.1')`
	exec(t, c, ddl)
	exec(t, c, `CREATE MATERIALIZED VIEW all_clicks AS SELECT id, user_id, COALESCE(url, 'none') AS url, ts FROM clicks`)
	exec(t, c, `CREATE MATERIALIZED VIEW per_second AS SELECT window_end, COUNT(*) AS n, SUM(user_id) AS users
		FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' SECOND)) GROUP BY window_start, window_end`)

	// The rows, generated directly.
	schema := types.Schema{Columns: []types.Column{{Name: "id", Type: types.TBigInt}, {Name: "user_id", Type: types.TInt, Nullable: true},
		{Name: "url", Type: types.TString, Nullable: true}, {Name: "ts", Type: types.TTimestamp, Nullable: true}}}
	src, err := datagen.New(gen.Table{Schema: schema, Fill: []int{0, 1, 2, 3}, Options: map[string]string{
		"connector": "datagen", "rows-per-second": "400", "number-of-rows": "2000", "base-time": "2024-01-01 00:00:00",
		"scan.parallelism": "2", "fields.id.kind": "sequence", "fields.id.start": "1", "fields.id.end": "1000000",
		"fields.user_id.min": "1", "fields.user_id.max": "20", "fields.url.length": "8", "fields.url.null-rate": "0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	total, _ := src.Len()
	gen := make([]types.Row, total)
	for i := range gen {
		gen[i] = make(types.Row, 4)
	}
	src.Fill(0, 1, gen)
	var want []string
	perSecond := map[int64][2]int64{}
	for _, r := range gen {
		url := "none"
		if !r[2].IsNull() {
			url = r[2].S
		}
		want = append(want, fmt.Sprintf("%d|%d|%s|%s", r[0].I, r[1].I, url, ts(r[3].I/1000)))
		end := (r[3].I/1_000_000 + 1) * 1000
		perSecond[end] = [2]int64{perSecond[end][0] + 1, perSecond[end][1] + r[1].I}
	}
	slices.Sort(want)
	var windows []string
	for end, v := range perSecond {
		windows = append(windows, fmt.Sprintf("%s|%d|%d", ts(end), v[0], v[1]))
	}
	slices.Sort(windows)
	if len(windows) != 5 {
		t.Fatalf("2000 rows at 400/s span %d windows, want 5", len(windows))
	}

	// The watermark follows the rows as they come: the first window fires
	// after about a second, long before the table ends.
	deadline := time.Now().Add(10 * time.Second)
	for count(t, c, "per_second") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no window fired in 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if k := count(t, c, "all_clicks"); k >= int(total) {
		t.Fatalf("all %d rows were read before the first window fired: the table is not paced", k)
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	n = startNode(t, dir)
	defer n.Close()
	c = connect(t, n)
	exec(t, c, "FLUSH")
	sameRows(t, "rows after a restart part way", rows(t, c, "SELECT * FROM all_clicks"), want)
	sameRows(t, "windows after a restart part way", rows(t, c, "SELECT * FROM per_second"), windows)
}

// TestGeneratedTableErrors: a generated table's bad declaration gets an
// error with SQLSTATE at the option or column it is about, and what
// cannot be done with such a table is refused clearly.
func TestGeneratedTableErrors(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	cases := []struct {
		sql, code, msg string
		at             string // the text the error points at
	}{
		{`CREATE TABLE g (a INT) WITH ('connector' = 'datagen', 'rows-per-sec' = '5')`, "22023",
			`unknown option "rows-per-sec" for connector "datagen"`, `'rows-per-sec'`},
		{`CREATE TABLE g (a INT) WITH ('connector' = 'datagen', 'fields.a.max' = 'x')`, "22023",
			`'fields.a.max' must be an integer`, `'fields.a.max'`},
		{`CREATE TABLE g (event_type INT, price BIGINT) WITH ('connector' = 'nexmark')`, "42P16",
			`column "price" is not a column of a nexmark table`, `price BIGINT`},
		{`CREATE TABLE g (event_type INT) WITH ('connector' = 'nexmark', 'events.num' = '-5')`, "22023",
			`'events.num' must be an integer of at least 0`, `'events.num'`},
		{`CREATE TABLE g (a INT, p INT METADATA FROM 'partition') WITH ('connector' = 'datagen')`, "42P16",
			`cannot read metadata "partition"`, `p INT`},
	}
	for _, cs := range cases {
		e := pgErr(t, c, cs.sql)
		if e.Code != cs.code || !strings.Contains(e.Message, cs.msg) || int(e.Position) != strings.Index(cs.sql, cs.at)+1 {
			t.Errorf("%s:\ngot %s %q at %d, want %s %q at %d", cs.sql, e.Code, e.Message, e.Position, cs.code, cs.msg, strings.Index(cs.sql, cs.at)+1)
		}
	}
	exec(t, c, `CREATE TABLE forever (a INT) WITH ('connector' = 'datagen')`)
	exec(t, c, `CREATE TABLE few (a INT) WITH ('connector' = 'datagen', 'number-of-rows' = '3', 'fields.a.kind' = 'sequence',
		'fields.a.start' = '1', 'fields.a.end' = '10')`)
	equal(t, "a one-shot SELECT reads a bounded generated table", rows(t, c, `SELECT a FROM few`), "1", "2", "3")
	equal(t, "SHOW TABLES", rows(t, c, `SHOW TABLES`), "few||", "forever||")
	for _, cs := range []struct{ sql, code, msg string }{
		{`SELECT * FROM forever`, "0A000", `table "forever" never ends`},
		{`INSERT INTO few VALUES (1)`, "42809", `its rows are generated by the 'datagen' connector`},
		{`INSERT INTO few SELECT a FROM forever`, "42809", `its rows are generated by the 'datagen' connector`},
		{`COPY few FROM STDIN`, "42809", `cannot copy to table "few": its rows are generated`},
		{`ALTER TABLE few SET ('scan.bounded.mode' = 'latest-offset')`, "0A000", `the options of table "few" cannot be changed`},
		{`DELETE FROM few WHERE a = 1`, "42809", `DELETE cannot change table "few": its rows are generated`},
	} {
		if e := pgErr(t, c, cs.sql); e.Code != cs.code || !strings.Contains(e.Message, cs.msg) {
			t.Errorf("%s: got %s %q, want %s %q", cs.sql, e.Code, e.Message, cs.code, cs.msg)
		}
	}
}
