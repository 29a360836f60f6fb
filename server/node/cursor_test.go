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
)

// tagOf runs a statement and returns its command tag.
func tagOf(t *testing.T, c *pgx.Conn, sql string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tag, err := c.Exec(ctx, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return tag.String()
}

// fetched runs a FETCH and renders its rows in order, "a|b" each.
func fetched(t *testing.T, c *pgx.Conn, sql string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rs, err := c.Query(ctx, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rs.Close()
	out := []string{}
	for rs.Next() {
		vals, err := rs.Values()
		if err != nil {
			t.Fatal(err)
		}
		var parts []string
		for i, v := range vals {
			if i == 1 && rs.FieldDescriptions()[1].Name == "op_ts" {
				continue // a subscription's commit time
			}
			parts = append(parts, fmt.Sprint(v))
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rs.Err(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

// TestCursorSelect walks a cursor over a SELECT the way psql (FETCH_COUNT)
// and psycopg2's named cursors use one, in both protocols: DECLARE in a
// transaction block, FETCH in pieces, MOVE, the end of the rows, and the
// cursor gone with the block; WITH HOLD outlives it; CLOSE ALL and
// disconnecting free the rest.
func TestCursorSelect(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, `CREATE TABLE orders (id BIGINT, customer STRING)`)
	exec(t, c, `INSERT INTO orders VALUES (1, 'ann'), (2, 'bob'), (3, 'cy'), (4, 'di'), (5, 'ed')`)

	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeCacheStatement} {
		t.Run(mode.String(), func(t *testing.T) {
			cc := connectCancel(t, n, mode)
			equal(t, "begin", []string{tagOf(t, cc, `BEGIN`)}, "BEGIN")
			equal(t, "declare", []string{tagOf(t, cc, `DECLARE _psql_cursor NO SCROLL CURSOR FOR SELECT id, customer FROM orders ORDER BY id`)}, "DECLARE CURSOR")
			equal(t, "first", fetched(t, cc, `FETCH FORWARD 2 FROM _psql_cursor`), "1|ann", "2|bob")
			equal(t, "move", []string{tagOf(t, cc, `MOVE 1 IN _psql_cursor`)}, "MOVE 1")
			equal(t, "fetch tag", []string{tagOf(t, cc, `FETCH 1 FROM _psql_cursor`)}, "FETCH 1")
			equal(t, "rest", fetched(t, cc, `FETCH ALL FROM _psql_cursor`), "5|ed")
			equal(t, "past the end", fetched(t, cc, `FETCH NEXT FROM _psql_cursor`))
			exec(t, cc, `DECLARE held CURSOR WITH HOLD FOR SELECT customer FROM orders WHERE id > 3 ORDER BY id`)
			equal(t, "commit", []string{tagOf(t, cc, `COMMIT`)}, "COMMIT")
			e := pgErr(t, cc, `FETCH 1 FROM _psql_cursor`)
			if e.Code != "34000" || e.Message != `cursor "_psql_cursor" does not exist` {
				t.Fatalf("fetch after commit: %+v", e)
			}
			equal(t, "held", fetched(t, cc, `FETCH 5 FROM held`), "di", "ed")
			// (Outside a block: inside one, the error would fail it.)
			equal(t, "dup", []string{pgErr(t, cc, `DECLARE held CURSOR FOR SELECT 1`).Code}, "42P03")
			// Outside a block a cursor lives until CLOSE.
			exec(t, cc, `DECLARE "Outside" CURSOR FOR SELECT id FROM orders WHERE id = 2`)
			equal(t, "outside", fetched(t, cc, `FETCH ALL IN "Outside"`), "2")
			equal(t, "close", []string{tagOf(t, cc, `CLOSE "Outside"`)}, "CLOSE CURSOR")
			equal(t, "close unknown", []string{pgErr(t, cc, `CLOSE "Outside"`).Code}, "34000")
			equal(t, "close all", []string{tagOf(t, cc, `CLOSE ALL`)}, "CLOSE CURSOR ALL")
			equal(t, "rollback", []string{tagOf(t, cc, `BEGIN; DECLARE r CURSOR FOR SELECT 1; ROLLBACK`)}, "ROLLBACK")
			equal(t, "after rollback", []string{pgErr(t, cc, `FETCH r`).Code}, "34000")
			exec(t, cc, `DECLARE left1 CURSOR WITH HOLD FOR SELECT 1`)
			if a := n.Engine.Activity(); a.Cursors != 1 {
				t.Fatalf("cursors: %+v", a)
			}
			cc.Close(context.Background())
			waitIdle(t, n)
		})
	}
}

// TestCursorSubscribe reads a subscription through a cursor, Materialize's
// way: FETCH n returns the rows ready (at most n), waits for the first one
// when none is, and with a timeout returns none when none comes in time. A
// CancelRequest ends a waiting FETCH with 57014 and leaves the cursor
// usable (outside a transaction block, which a cancel would fail); CLOSE
// and the end of the block free the subscription and its temporary query.
func TestCursorSubscribe(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, `CREATE TABLE clicks (page STRING)`)
	exec(t, c, `CREATE MATERIALIZED VIEW views AS SELECT page, COUNT(*) AS n FROM clicks GROUP BY page`)
	exec(t, c, `INSERT INTO clicks VALUES ('home'), ('home'), ('about')`)
	exec(t, c, `FLUSH`)

	cc := connectCancel(t, n, pgx.QueryExecModeCacheStatement)
	// Outside a transaction block: a cancelled FETCH in a block would fail
	// the block, as in PostgreSQL.
	exec(t, cc, `DECLARE s CURSOR FOR SUBSCRIBE views`)
	equal(t, "snapshot", sorted(fetched(t, cc, `FETCH 10 s`)), "+I|about|1", "+I|home|2")
	start := time.Now()
	equal(t, "timeout", fetched(t, cc, `FETCH 10 s WITH (TIMEOUT = '300ms')`))
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Fatalf("FETCH with a timeout returned after %v", d)
	}
	equal(t, "no wait", fetched(t, cc, `FETCH ALL s WITH (TIMEOUT = 0)`))
	go func() {
		time.Sleep(300 * time.Millisecond)
		ic := connect(t, n)
		exec(t, ic, `INSERT INTO clicks VALUES ('home')`)
	}()
	// FETCH waits for the change, and returns both rows of the update.
	equal(t, "waits", fetched(t, cc, `FETCH 10 FROM s`), "-U|home|2", "+U|home|3")

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	_, err := cc.Exec(ctx, `FETCH 1 s`)
	cancel()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57014" {
		t.Fatalf("cancelled FETCH: %v", err)
	}
	exec(t, c, `INSERT INTO clicks VALUES ('blog')`)
	equal(t, "after cancel", fetched(t, cc, `FETCH 10 s`), "+I|blog|1")
	equal(t, "move", []string{tagOf(t, cc, `MOVE 5 s WITH (TIMEOUT = '10ms')`)}, "MOVE 0")

	exec(t, cc, `BEGIN`)
	exec(t, cc, `DECLARE q CURSOR FOR SELECT page FROM clicks WHERE page = 'home' EMIT CHANGES`)
	equal(t, "query snapshot", fetched(t, cc, `FETCH ALL q`), "+I|home", "+I|home", "+I|home")
	if a := n.Engine.Activity(); a.Cursors != 2 || a.TempQueries != 1 || a.Subscriptions != 2 {
		t.Fatalf("activity: %+v", a)
	}
	equal(t, "close", []string{tagOf(t, cc, `CLOSE s`)}, "CLOSE CURSOR")
	if a := n.Engine.Activity(); a.Cursors != 1 || a.ViewSubscribers != 0 {
		t.Fatalf("activity after CLOSE: %+v", a)
	}
	exec(t, cc, `COMMIT`)
	waitIdle(t, n)
	if ids := showQueryIDs(t, c); len(ids) != 1 || ids[0] != "q1" {
		t.Fatalf("SHOW QUERIES: %v", ids)
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// TestCursorOverView reads a filtered view through a cursor in pieces, the
// view read a chunk at a time rather than all at once: every row once, in
// FETCHes of the size asked for, as of the DECLARE (a change committed
// later is not seen).
func TestCursorOverView(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, `CREATE TABLE nums (id BIGINT)`)
	exec(t, c, `CREATE MATERIALIZED VIEW nums_v AS SELECT id FROM nums`)
	var vals []string
	for i := 1; i <= 1500; i++ {
		vals = append(vals, fmt.Sprintf("(%d)", i))
	}
	exec(t, c, `INSERT INTO nums VALUES `+strings.Join(vals, ", "))
	exec(t, c, `FLUSH`)

	cc := connect(t, n)
	exec(t, cc, `BEGIN`)
	exec(t, cc, `DECLARE v CURSOR FOR SELECT id, id * 10 AS tens FROM nums_v WHERE id > 300`)
	exec(t, c, `INSERT INTO nums VALUES (5000)`)
	exec(t, c, `FLUSH`)
	seen := map[string]bool{}
	for {
		got := fetched(t, cc, `FETCH 250 FROM v`)
		for _, r := range got {
			if seen[r] {
				t.Fatalf("row %s twice", r)
			}
			seen[r] = true
		}
		if len(got) < 250 {
			if len(got) != 1200%250 {
				t.Fatalf("last FETCH: %d rows", len(got))
			}
			break
		}
	}
	if len(seen) != 1200 || !seen["301|3010"] || !seen["1500|15000"] || seen["5000|50000"] {
		t.Fatalf("%d rows", len(seen))
	}
	exec(t, cc, `COMMIT`)
	waitIdle(t, n)
}

// TestCursorsEndWithFailedBlock: a transaction block's cursors close at
// its end however it ends. Here an error fails the block (ReadyForQuery
// status E), FETCH is refused with 25P02, and COMMIT, which then reports
// ROLLBACK, closes the cursor over a subscription and frees its temporary
// query; a WITH HOLD cursor stays.
func TestCursorsEndWithFailedBlock(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, `CREATE TABLE clicks (page STRING)`)
	exec(t, c, `INSERT INTO clicks VALUES ('home')`)

	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeCacheStatement} {
		t.Run(mode.String(), func(t *testing.T) {
			cc := connectCancel(t, n, mode)
			exec(t, cc, `BEGIN`)
			exec(t, cc, `DECLARE q CURSOR FOR SUBSCRIBE (SELECT page FROM clicks)`)
			exec(t, cc, `DECLARE h CURSOR WITH HOLD FOR SELECT page FROM clicks`)
			equal(t, "snapshot", fetched(t, cc, `FETCH 10 q`), "+I|home")
			if a := n.Engine.Activity(); a.Cursors != 2 || a.TempQueries != 1 {
				t.Fatalf("activity in the block: %+v", a)
			}
			equal(t, "error", []string{pgErr(t, cc, `SELECT nope FROM clicks`).Code}, "42703")
			if s := cc.PgConn().TxStatus(); s != 'E' {
				t.Fatalf("status after an error: %c", s)
			}
			equal(t, "failed block", []string{pgErr(t, cc, `FETCH 1 q`).Code}, "25P02")
			equal(t, "commit", []string{tagOf(t, cc, `COMMIT`)}, "ROLLBACK")
			if s := cc.PgConn().TxStatus(); s != 'I' {
				t.Fatalf("status after COMMIT: %c", s)
			}
			equal(t, "closed", []string{pgErr(t, cc, `FETCH 1 q`).Code}, "34000")
			if a := n.Engine.Activity(); a.Cursors != 1 || a.TempQueries != 0 {
				t.Fatalf("activity after the block: %+v", a)
			}
			equal(t, "held", fetched(t, cc, `FETCH ALL h`), "home")
			cc.Close(context.Background())
			waitIdle(t, n)
		})
	}
}
