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
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"

	"riffle/server/engine"
)

// connectCancel connects with pgx set to cancel a statement whose context
// ends with a CancelRequest (pgx's default closes the connection instead).
func connectCancel(t *testing.T, n *Node, mode pgx.QueryExecMode) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig("postgres://riffle@" + n.Addr() + "/riffle?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = mode
	cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, DeadlineDelay: 10 * time.Second}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// changeRows reads a subscription's rows as "op|col|col…", without op_ts
// (checked to be set), skipping progress rows unless keepProgress.
type changeRows struct {
	t    *testing.T
	rs   pgx.Rows
	keep bool
	at   time.Time // the op_ts of the last row
}

func (c *changeRows) next() string {
	c.t.Helper()
	for {
		if !c.rs.Next() {
			c.t.Fatalf("subscription ended: %v", c.rs.Err())
		}
		vals, err := c.rs.Values()
		if err != nil {
			c.t.Fatal(err)
		}
		at, ok := vals[1].(time.Time)
		if !ok {
			c.t.Fatalf("op_ts is %T %v, want a time", vals[1], vals[1])
		}
		c.at = at
		parts := []string{fmt.Sprint(vals[0])}
		for _, v := range vals[2:] {
			parts = append(parts, fmt.Sprint(v))
		}
		if vals[0] == "progress" && !c.keep {
			continue
		}
		return strings.Join(parts, "|")
	}
}

// take reads n rows and returns them sorted (the order of changes within
// one commit is not part of the contract).
func (c *changeRows) take(n int) []string {
	c.t.Helper()
	out := make([]string, n)
	for i := range out {
		out[i] = c.next()
	}
	sort.Strings(out)
	return out
}

// waitIdle waits until the engine holds no subscription, temporary query
// or cursor any more.
func waitIdle(t *testing.T, n *Node) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		a := n.Engine.Activity()
		if a == (engine.Activity{}) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still open: %+v", a)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func showQueryIDs(t *testing.T, c *pgx.Conn) []string {
	t.Helper()
	var ids []string
	for _, r := range rows(t, c, `SHOW QUERIES`) {
		ids = append(ids, strings.SplitN(r, "|", 2)[0])
	}
	return ids
}

// TestSubscribeQuery follows an aggregate that is no view: SUBSCRIBE runs
// it as a temporary query (listed by SHOW QUERIES, and a dependent that
// keeps its table from being dropped), streams its result as of now, then
// its changes; a CancelRequest ends it with 57014 and frees the query.
func TestSubscribeQuery(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	for i, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeCacheStatement} {
		t.Run(mode.String(), func(t *testing.T) {
			table := fmt.Sprintf("clicks%d", i)
			exec(t, c, `CREATE TABLE `+table+` (page STRING, ms BIGINT)`)
			exec(t, c, `INSERT INTO `+table+` VALUES ('home', 10), ('home', 20), ('about', 5), ('gone', 0)`)
			sc := connectCancel(t, n, mode)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			rs, err := sc.Query(ctx, `SUBSCRIBE (SELECT page, COUNT(*) AS n, SUM(ms) AS total FROM `+table+` WHERE ms > $1 GROUP BY page)`, 1)
			if err != nil {
				t.Fatal(err)
			}
			cr := &changeRows{t: t, rs: rs}
			equal(t, "snapshot", cr.take(2), "+I|about|1|5", "+I|home|2|30")
			if a := n.Engine.Activity(); a.TempQueries != 1 || a.Subscriptions != 1 {
				t.Fatalf("activity while subscribed: %+v", a)
			}
			ids := showQueryIDs(t, c)
			if len(ids) != 1 || !strings.HasPrefix(ids[0], "sub") {
				t.Fatalf("SHOW QUERIES while subscribed: %v", ids)
			}
			if e := pgErr(t, c, `DROP TABLE `+table); e.Code != "2BP01" || !strings.Contains(e.Message, "subscription "+ids[0]) {
				t.Fatalf("drop a table a subscription reads: %+v", e)
			}
			exec(t, c, `INSERT INTO `+table+` VALUES ('home', 1), ('home', 7), ('blog', 3)`)
			equal(t, "changes", cr.take(3), "+I|blog|1|3", "+U|home|3|37", "-U|home|2|30")

			cancel()
			for rs.Next() {
			}
			var pe *pgconn.PgError
			if !errors.As(rs.Err(), &pe) || pe.Code != "57014" {
				t.Fatalf("after cancel: %v", rs.Err())
			}
			waitIdle(t, n)
			if ids := showQueryIDs(t, c); len(ids) != 0 {
				t.Fatalf("SHOW QUERIES after the subscription: %v", ids)
			}
			// The connection is usable after the cancel.
			equal(t, "after", rows(t, sc, `SELECT COUNT(*) FROM `+table), "7")
		})
	}
}

// TestSubscribeOptions covers SNAPSHOT = false (changes only), PROGRESS
// (rows that say the view is alive though nothing changes), EMIT CHANGES,
// and the errors of bad options.
func TestSubscribeOptions(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, `CREATE TABLE clicks (page STRING)`)
	exec(t, c, `CREATE MATERIALIZED VIEW views AS SELECT page, COUNT(*) AS n FROM clicks GROUP BY page`)
	exec(t, c, `INSERT INTO clicks VALUES ('home')`)
	exec(t, c, `FLUSH`)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sc := connectCancel(t, n, pgx.QueryExecModeCacheStatement)
	rs, err := sc.Query(ctx, `SUBSCRIBE views WITH (SNAPSHOT = false, PROGRESS)`)
	if err != nil {
		t.Fatal(err)
	}
	cr := &changeRows{t: t, rs: rs, keep: true}
	// The first row closes the (empty) snapshot; then an idle view still
	// sends progress, its time moving on.
	var last time.Time
	for i := range 3 {
		if got := cr.next(); got != "progress|<nil>|<nil>" {
			t.Fatalf("progress row %d: %s", i, got)
		}
		if i > 0 && !cr.at.After(last) {
			t.Fatalf("progress did not advance: %v after %v", cr.at, last)
		}
		last = cr.at
	}
	exec(t, c, `INSERT INTO clicks VALUES ('home'), ('blog')`)
	cr.keep = false
	equal(t, "changes only", cr.take(3), "+I|blog|1", "+U|home|2", "-U|home|1")
	cancel()
	rs.Close()

	ctx, cancel = context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rs, err = sc.Query(ctx, `SELECT page FROM clicks WHERE page <> 'blog' EMIT CHANGES`)
	if err != nil {
		t.Fatal(err)
	}
	cr = &changeRows{t: t, rs: rs}
	equal(t, "emit changes snapshot", cr.take(2), "+I|home", "+I|home")
	exec(t, c, `INSERT INTO clicks VALUES ('blog'), ('about')`)
	equal(t, "emit changes", cr.take(1), "+I|about")
	cancel()
	rs.Close()
	waitIdle(t, n)

	for sql, code := range map[string]string{
		`SUBSCRIBE views WITH (SNAPSHOT = maybe)`: "22023",
		`SUBSCRIBE views WITH (FAST)`:             "22023",
		`SUBSCRIBE clicks`:                        "42809",
		`SUBSCRIBE nothing`:                       "42P01",
		`SUBSCRIBE (SELECT nope FROM clicks)`:     "42703",
	} {
		if e := pgErr(t, c, sql); e.Code != code {
			t.Errorf("%s: %s %s, want %s", sql, e.Code, e.Message, code)
		}
	}
	waitIdle(t, n)
}

// TestSubscribeEnds checks that a subscription ends, and frees its query,
// when the client disconnects, and that one following a view ends with an
// error when the view is dropped.
func TestSubscribeEnds(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, `CREATE TABLE clicks (page STRING)`)
	exec(t, c, `CREATE MATERIALIZED VIEW pages AS SELECT page FROM clicks`)
	exec(t, c, `INSERT INTO clicks VALUES ('home')`)
	exec(t, c, `FLUSH`)

	sc := connect(t, n)
	rs, err := sc.Query(context.Background(), `SUBSCRIBE (SELECT page, COUNT(*) FROM clicks GROUP BY page)`)
	if err != nil {
		t.Fatal(err)
	}
	cr := &changeRows{t: t, rs: rs}
	equal(t, "snapshot", cr.take(1), "+I|home|1")
	sc.PgConn().Conn().Close() // the client goes away mid-stream
	waitIdle(t, n)

	vc := connect(t, n)
	rs, err = vc.Query(context.Background(), `SUBSCRIBE pages`)
	if err != nil {
		t.Fatal(err)
	}
	cr = &changeRows{t: t, rs: rs}
	equal(t, "view snapshot", cr.take(1), "+I|home")
	exec(t, c, `DROP MATERIALIZED VIEW pages`)
	for rs.Next() {
	}
	var pe *pgconn.PgError
	if !errors.As(rs.Err(), &pe) || pe.Code != "55006" {
		t.Fatalf("after DROP: %v", rs.Err())
	}
	waitIdle(t, n)
}

// TestSubscribeGenerated follows a query over a generated table, which has
// no topic to read (the temporary query waits on its generator's pacing
// alone): the rows that pass the filter come as they are generated, each
// commit followed by a progress row, and a cancel frees the query.
func TestSubscribeGenerated(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, `CREATE TABLE g (a INT) WITH ('connector' = 'datagen', 'rows-per-second' = '20',
		'fields.a.min' = '1', 'fields.a.max' = '4')`)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sc := connectCancel(t, n, pgx.QueryExecModeCacheStatement)
	rs, err := sc.Query(ctx, `SUBSCRIBE (SELECT a FROM g WHERE a < 3) WITH (PROGRESS)`)
	if err != nil {
		t.Fatal(err)
	}
	cr := &changeRows{t: t, rs: rs, keep: true}
	inserts, progress := 0, 0
	for inserts < 5 || progress < 3 {
		switch row := cr.next(); row {
		case "progress|<nil>":
			progress++
		case "+I|1", "+I|2":
			inserts++
		default:
			t.Fatalf("row %q from SUBSCRIBE (SELECT a FROM g WHERE a < 3)", row)
		}
	}
	cancel()
	rs.Close()
	waitIdle(t, n)
}

// TestSubscribeBounded subscribes to results over a bounded generated
// table: the query reads the table to its end, so the subscription gives
// the whole result and then completes, as a one-shot SELECT would, both
// for a query and for a materialized view whose query has finished.
func TestSubscribeBounded(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, `CREATE TABLE g (id BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '4',
		'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '4')`)
	exec(t, c, `CREATE MATERIALIZED VIEW total AS SELECT COUNT(*) AS n, SUM(id) AS s FROM g`)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	all := func(q string) []string {
		var got []string
		rs, err := c.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for rs.Next() {
			vals, _ := rs.Values()
			row := fmt.Sprint(vals[0]) // op, then the result's columns
			for _, v := range vals[2:] {
				row += fmt.Sprint("|", v)
			}
			got = append(got, row)
		}
		if err := rs.Err(); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		sort.Strings(got)
		return got
	}
	for _, q := range []string{`SUBSCRIBE (SELECT id * 10 FROM g)`, `SELECT id * 10 FROM g EMIT CHANGES`} {
		equal(t, q, all(q), "+I|10", "+I|20", "+I|30", "+I|40")
	}
	// The view's query finishes once it has read the table's four rows.
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(strings.Join(rows(t, c, `SHOW QUERIES`), ","), "FINISHED") {
		if time.Now().After(deadline) {
			t.Fatal("the view's query did not finish")
		}
		time.Sleep(20 * time.Millisecond)
	}
	equal(t, "finished view", all(`SUBSCRIBE total`), "+I|4|10")
	waitIdle(t, n)
}
