package pgwire

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// TestMaxConnections: the client past the limit gets FATAL 53300; once a
// session ends its place is free again.
func TestMaxConnections(t *testing.T) {
	ts := startServer(t, Options{MaxConnections: 2})
	a := ts.connect(t, pgx.QueryExecModeSimpleProtocol)
	b, err := pgxConnect(ts.url("riffle"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = pgxConnect(ts.url("riffle"))
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "53300" || pe.Severity != "FATAL" || pe.Message != "sorry, too many clients already" {
		t.Fatalf("third connection: %v", err)
	}
	if _, err := a.Exec(context.Background(), "insert"); err != nil {
		t.Errorf("a session within the limit: %v", err)
	}
	b.Close(context.Background())
	waitFor(t, func() bool { return ts.h.sessions.Load() == 1 }, "second session closed")
	c, err := pgxConnect(ts.url("riffle"))
	if err != nil {
		t.Fatalf("after a session ended: %v", err)
	}
	mustQuery(t, c)
	// A CancelRequest is not a session: it gets through a full server. c's
	// place frees once the server has finished with it, a moment after the
	// client closed it.
	var full *pgx.Conn
	waitFor(t, func() bool {
		full, err = pgxConnect(ts.url("riffle"))
		return err == nil
	}, "c's place to free")
	cancelled := make(chan error, 1)
	go func() { _, err := full.Exec(context.Background(), "sleep"); cancelled <- err }()
	time.Sleep(50 * time.Millisecond)
	if err := full.PgConn().CancelRequest(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-cancelled; !errors.As(err, &pe) || pe.Code != "57014" {
		t.Errorf("cancel on a full server: %v", err)
	}
}

// TestIdleTimeouts: an idle session is closed with 57P05, one idle in a
// transaction block with 25P03; a busy or chatty session is not.
func TestIdleTimeouts(t *testing.T) {
	// The gaps between the talking client's statements (50ms) stay far
	// below the timeouts, so that a loaded machine does not make it idle.
	ts := startServer(t, Options{IdleSessionTimeout: 600 * time.Millisecond, IdleInTransactionTimeout: 400 * time.Millisecond})

	c := dialRaw(t, ts)
	if got := c.await(t); got != "FATAL 57P05 terminating connection due to idle-session timeout" {
		t.Errorf("idle session: %s", got)
	}

	c = dialRaw(t, ts)
	c.query(t, "begin")
	if got := c.await(t); got != "FATAL 25P03 terminating connection due to idle-in-transaction timeout" {
		t.Errorf("idle in transaction: %s", got)
	}

	// A statement running longer than the timeouts is not idleness, nor
	// is a client that keeps talking.
	conn := ts.connect(t, pgx.QueryExecModeSimpleProtocol)
	for _, sql := range []string{"sleep 900", "begin", "insert", "sleep 700", "insert", "commit"} {
		if _, err := conn.Exec(context.Background(), sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type rawConn struct {
	nc net.Conn
	fe *pgproto3.Frontend
}

// dialRaw starts a session by hand and reads up to its ReadyForQuery.
func dialRaw(t *testing.T, ts *testServer) *rawConn {
	t.Helper()
	nc, err := net.Dial("tcp", ts.addr.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	c := &rawConn{nc: nc, fe: pgproto3.NewFrontend(nc, nc)}
	c.fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "riffle"}})
	if err := c.fe.Flush(); err != nil {
		t.Fatal(err)
	}
	c.readyFor(t)
	return c
}

func (c *rawConn) readyFor(t *testing.T) {
	t.Helper()
	_ = c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		msg, err := c.fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := msg.(*pgproto3.ReadyForQuery); ok {
			return
		}
	}
}

func (c *rawConn) query(t *testing.T, sql string) {
	t.Helper()
	c.fe.Send(&pgproto3.Query{String: sql})
	if err := c.fe.Flush(); err != nil {
		t.Fatal(err)
	}
	c.readyFor(t)
}

// await waits for the server to say something unprompted, and checks that
// the connection then ends.
func (c *rawConn) await(t *testing.T) string {
	t.Helper()
	_ = c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	msg, err := c.fe.Receive()
	if err != nil {
		t.Fatal(err)
	}
	e, ok := msg.(*pgproto3.ErrorResponse)
	if !ok {
		t.Fatalf("got %T", msg)
	}
	if _, err := c.fe.Receive(); err == nil {
		t.Error("connection still open after FATAL")
	}
	return e.Severity + " " + e.Code + " " + e.Message
}
