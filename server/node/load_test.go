package node

import (
	"context"
	"fmt"
	goruntime "runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestManyClients opens 200 connections at once: most follow a
// materialized view with SUBSCRIBE, some a query (each its own temporary
// query), the rest SELECT from the view in a loop, while a writer inserts
// ids 1, 2, 3, … for a few seconds. Every subscriber must see every id
// exactly once (in its snapshot or as a change), every SELECT must see a
// committed prefix of the ids, the server's heap must stay bounded, and
// everything must be freed when the clients go.
func TestManyClients(t *testing.T) {
	if testing.Short() {
		t.Skip("a load test")
	}
	const (
		viewSubs  = 120
		querySubs = 10
		selectors = 70
		perBatch  = 25
		writeFor  = 3 * time.Second
	)
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, `CREATE TABLE events (id BIGINT, pad STRING)`)
	exec(t, c, `CREATE MATERIALIZED VIEW ev AS SELECT id, pad FROM events`)
	exec(t, c, `INSERT INTO events VALUES (1, 'first')`)
	exec(t, c, `FLUSH`)
	heap0 := heapInuse()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var last atomic.Int64 // the highest id written (and flushed)
	last.Store(1)
	done := make(chan struct{}) // closed when the writer has finished
	var wg sync.WaitGroup
	errs := make(chan error, viewSubs+querySubs+selectors+1)
	conns := make([]*pgx.Conn, viewSubs+querySubs+selectors)
	for i := range conns {
		conns[i] = connect(t, n)
	}

	for i := range viewSubs + querySubs {
		// Progress rows wake a subscriber that has seen everything, so it
		// notices the writer is done.
		sql := `SUBSCRIBE ev WITH (PROGRESS)`
		if i >= viewSubs {
			sql = `SUBSCRIBE (SELECT id, pad FROM events WHERE id > 0) WITH (PROGRESS)`
		}
		wg.Add(1)
		go func(c *pgx.Conn) {
			defer wg.Done()
			if err := followAll(ctx, c, sql, &last, done); err != nil {
				errs <- fmt.Errorf("%s: %w", sql, err)
			}
		}(conns[i])
	}
	for i := range selectors {
		wg.Add(1)
		go func(c *pgx.Conn) {
			defer wg.Done()
			if err := selectLoop(ctx, c, done); err != nil {
				errs <- fmt.Errorf("select: %w", err)
			}
		}(conns[viewSubs+querySubs+i])
	}

	var peak uint64
	wc := connect(t, n)
	start := time.Now()
	for id := int64(2); time.Since(start) < writeFor; {
		var vals []string
		for range perBatch {
			vals = append(vals, fmt.Sprintf("(%d, '%s')", id, strings.Repeat("x", 64)))
			id++
		}
		exec(t, wc, `INSERT INTO events VALUES `+strings.Join(vals, ", "))
		exec(t, wc, `FLUSH`)
		last.Store(id - 1)
		if h := heapInuse(); h > peak {
			peak = h
		}
		time.Sleep(20 * time.Millisecond)
	}
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Logf("%d ids to %d subscribers and %d readers; heap in use %d MiB before, peak %d MiB",
		last.Load(), viewSubs+querySubs, selectors, heap0>>20, peak>>20)
	// 200 sessions, 10 temporary queries and their buffers fit in far less;
	// a leak of rows per subscriber would not.
	if limit := heap0 + 256<<20; peak > limit {
		t.Errorf("heap in use peaked at %d MiB, over %d MiB", peak>>20, limit>>20)
	}
	for _, c := range conns {
		c.Close(context.Background())
	}
	waitIdle(t, n)
}

// heapInuse is the process's live heap after a collection.
func heapInuse() uint64 {
	goruntime.GC()
	var m goruntime.MemStats
	goruntime.ReadMemStats(&m)
	return m.HeapInuse
}

// followAll subscribes and checks that every id up to the last written one
// arrives exactly once, as an insertion.
func followAll(ctx context.Context, c *pgx.Conn, sql string, last *atomic.Int64, done <-chan struct{}) error {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rs, err := c.Query(sctx, sql)
	if err != nil {
		return err
	}
	defer func() {
		cancel() // a subscription does not end by itself: Close would wait for ever
		rs.Close()
	}()
	seen := map[int64]bool{}
	for {
		select {
		case <-done:
			if int64(len(seen)) == last.Load() {
				return nil
			}
		default:
		}
		if !rs.Next() {
			return fmt.Errorf("ended after %d ids: %v", len(seen), rs.Err())
		}
		var op string
		var at time.Time
		var id *int64
		var pad *string
		if err := rs.Scan(&op, &at, &id, &pad); err != nil {
			return err
		}
		if op == "progress" {
			continue
		}
		if op != "+I" || id == nil {
			return fmt.Errorf("id %v arrived as %s", id, op)
		}
		if seen[*id] {
			return fmt.Errorf("id %d arrived twice", *id)
		}
		seen[*id] = true
		if int64(len(seen)) == last.Load() && isClosed(done) {
			return nil
		}
	}
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// selectLoop reads the view until the writer is done: each answer must be
// a committed prefix of the ids (ids are written in order to one
// partition), and never shrink.
func selectLoop(ctx context.Context, c *pgx.Conn, done <-chan struct{}) error {
	var prev int64
	for !isClosed(done) {
		var count, maxID int64
		if err := c.QueryRow(ctx, `SELECT COUNT(*), MAX(id) FROM ev`).Scan(&count, &maxID); err != nil {
			return err
		}
		if count != maxID || count < prev {
			return fmt.Errorf("SELECT saw %d rows up to id %d after %d rows", count, maxID, prev)
		}
		prev = count
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}
