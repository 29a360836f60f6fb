package pgwire

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// TestBadClientIsolated: a panic in one session and a malformed or
// oversized message on other connections leave a healthy session working.
func TestBadClientIsolated(t *testing.T) {
	ts := startServer(t, Options{MaxMessageSize: 1 << 10})
	good := ts.connect(t, pgx.QueryExecModeCacheStatement)
	check := func(when string) {
		t.Helper()
		var n int32
		if err := good.QueryRow(context.Background(), "select 1").Scan(&n, nil, nil, nil, nil); err != nil || n != 1 {
			t.Fatalf("%s: healthy session broken: %v", when, err)
		}
	}
	check("at start")

	victim := ts.connect(t, pgx.QueryExecModeCacheStatement)
	_, err := victim.Exec(context.Background(), "select panic")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "XX000" {
		t.Fatalf("panic: %v", err)
	}
	check("after a panic")

	for name, payload := range map[string][]byte{
		"unknown type": {'Z', 0, 0, 0, 4},
		"bad length":   {'Q', 0, 0, 0, 1},
		"oversized":    append([]byte{'Q', 0, 0, 0x10, 0}, bytes.Repeat([]byte("x"), 4096)...),
		"bad bind":     {'B', 0, 0, 0, 6, 'x', 'y'},
	} {
		got := rawSession(t, ts, payload)
		if !bytes.Contains(got, []byte("08P01")) {
			t.Errorf("%s: no 08P01 error in %q", name, got)
		}
		check("after " + name)
	}
}

// rawSession starts a session by hand, sends payload and returns what the
// server says until it hangs up.
func rawSession(t testing.TB, ts *testServer, payload []byte) []byte {
	t.Helper()
	nc, err := net.Dial("tcp", ts.addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30,
		Parameters: map[string]string{"user": "fuzz"}})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
	for {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatalf("startup: %v", err)
		}
		if _, ok := msg.(*pgproto3.ReadyForQuery); ok {
			break
		}
	}
	if _, err := nc.Write(payload); err != nil {
		return nil
	}
	// Hanging up our side makes the server finish whatever it can parse and
	// then close, so the read ends without waiting for a timeout.
	_ = nc.(*net.TCPConn).CloseWrite()
	got, err := io.ReadAll(nc)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("server did not close the connection; got %q", got)
	}
	return got
}

// FuzzSession feeds arbitrary bytes to a started session. Whatever they
// are, the server must not crash, and must keep serving other clients.
func FuzzSession(f *testing.F) {
	ts := startServer(f, Options{MaxMessageSize: 1 << 16})
	seed := func(msgs ...pgproto3.FrontendMessage) []byte {
		var b []byte
		for _, m := range msgs {
			b, _ = m.Encode(b)
		}
		return b
	}
	f.Add(seed(&pgproto3.Query{String: "select 2"}))
	f.Add(seed(&pgproto3.Parse{Query: "echo $1::int8, $2::numeric"},
		&pgproto3.Bind{ParameterFormatCodes: []int16{1}, Parameters: [][]byte{{0, 0, 0, 0, 0, 0, 0, 1}, {0, 1, 0, 0, 0, 0, 0, 0, 0, 1}}},
		&pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{MaxRows: 1}, &pgproto3.Sync{}))
	f.Add(seed(&pgproto3.Parse{Name: "s"}, &pgproto3.Bind{PreparedStatement: "s", ResultFormatCodes: []int16{1}},
		&pgproto3.Execute{}, &pgproto3.Close{ObjectType: 'S', Name: "s"}, &pgproto3.Sync{}))
	f.Add([]byte{'Z', 0, 0, 0, 4})
	f.Add([]byte{'B', 0, 0, 0, 20, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 2, 0xff, 0xff})
	f.Add(seed(&pgproto3.Query{String: "begin; select bad"}, &pgproto3.Query{String: "select 1"}, &pgproto3.Query{String: "rollback"}))
	f.Add(seed(&pgproto3.Query{String: "copyin csv header"}, &pgproto3.CopyData{Data: []byte("n,s\n1,\"a\n")},
		&pgproto3.CopyData{Data: []byte("b\"\n")}, &pgproto3.CopyDone{}))
	f.Add(seed(&pgproto3.Query{String: "copyin binary"}, &pgproto3.CopyData{Data: append(append([]byte(nil), copySignature...), 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xff)}, &pgproto3.CopyFail{Message: "x"}))
	f.Add(seed(&pgproto3.Parse{Query: "copyout csv"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{}))
	f.Fuzz(func(t *testing.T, data []byte) {
		rawSession(t, ts, data)
		c, err := pgx.Connect(context.Background(), ts.url("riffle"))
		if err != nil {
			t.Fatalf("server stopped serving: %v", err)
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "insert"); err != nil {
			t.Fatalf("second connection: %v", err)
		}
	})
}

// FuzzStartup feeds arbitrary bytes as the first bytes of a connection to
// a server that authenticates (SCRAM) and offers TLS: startup packets,
// SSL and cancel requests, SASL messages. Whatever they are, that
// connection alone ends, and the server goes on serving.
func FuzzStartup(f *testing.F) {
	ts := startServer(f, Options{Users: map[string]string{"bob": "hunter2"}, TLS: testCert(f, f.TempDir()),
		StartupTimeout: 2 * time.Second})
	startup := func(params map[string]string) []byte {
		b, _ := (&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: params}).Encode(nil)
		return b
	}
	bob := startup(map[string]string{"user": "bob"})
	sasl, _ := (&pgproto3.SASLInitialResponse{AuthMechanism: "SCRAM-SHA-256", Data: []byte("n,,n=,r=abcdef")}).Encode(nil)
	final, _ := (&pgproto3.SASLResponse{Data: []byte("c=biws,r=abcdef,p=AAAA")}).Encode(nil)
	ssl, _ := (&pgproto3.SSLRequest{}).Encode(nil)
	gss, _ := (&pgproto3.GSSEncRequest{}).Encode(nil)
	cancel, _ := (&pgproto3.CancelRequest{ProcessID: 1, SecretKey: []byte{1, 2, 3, 4}}).Encode(nil)
	f.Add(bob)
	f.Add(append(append([]byte(nil), bob...), sasl...))
	f.Add(append(append(append([]byte(nil), bob...), sasl...), final...))
	f.Add(append(append([]byte(nil), gss...), bob...))
	f.Add(append(append([]byte(nil), ssl...), 0x16, 3, 1, 0, 5, 1, 0, 0, 1, 3))
	f.Add(cancel)
	f.Add(startup(map[string]string{"user": "bob", "_pq_.x": "1", "database": ""}))
	f.Add([]byte{0, 0, 0, 8, 0, 4, 0, 0})
	f.Add([]byte{0, 0, 0, 3})
	f.Add(append(append([]byte(nil), bob...), 'p', 0, 0, 0x10, 0))
	f.Fuzz(func(t *testing.T, data []byte) {
		nc, err := net.Dial("tcp", ts.addr.String())
		if err != nil {
			t.Fatal(err)
		}
		_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
		_, _ = nc.Write(data)
		_ = nc.(*net.TCPConn).CloseWrite()
		_, err = io.ReadAll(nc)
		nc.Close()
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatal("server kept the connection open after its client hung up")
		}
		c, err := pgxConnect(ts.dsn("bob", "hunter2", "disable"))
		if err != nil {
			t.Fatalf("server stopped serving: %v", err)
		}
		c.Close(context.Background())
	})
}

// FuzzCopyDecode feeds arbitrary COPY data to the decoder in every format:
// rows or an error with SQLSTATE, never a panic, and the same answer
// whether the data comes whole or in pieces.
func FuzzCopyDecode(f *testing.F) {
	f.Add([]byte("1\tone\n2\t\\N\n\\.\n"), uint8(0))
	f.Add([]byte("n,s\n\"a\"\"b\",\n"), uint8(1))
	f.Add(append(append([]byte(nil), copySignature...), 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 1, 'x', 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), uint8(2))
	cols := []types.Column{{Name: "n", Type: types.TInt}, {Name: "s", Type: types.TString}}
	f.Fuzz(func(t *testing.T, data []byte, format uint8) {
		c := NewCopy(CopyFormat(format % 3))
		c.Header = format&4 != 0 && c.Format != CopyBinary
		whole, errWhole := decodeAll(c, cols, data, len(data)+1)
		bytewise, errBytes := decodeAll(c, cols, data, 1)
		if (errWhole == nil) != (errBytes == nil) || render(whole) != render(bytewise) {
			t.Fatalf("whole: %s %v\nbytewise: %s %v", render(whole), errWhole, render(bytewise), errBytes)
		}
		if errWhole != nil {
			if _, ok := sqlerr.As(errWhole); !ok {
				t.Fatalf("error without SQLSTATE: %v", errWhole)
			}
		}
	})
}

// TestCloseWithActiveSessions: Close cancels running statements, closes
// connections and returns once every session is gone.
func TestCloseWithActiveSessions(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &fakeHandler{}
	srv := New(h, Options{})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	url := "postgres://riffle@" + l.Addr().String() + "/riffle?sslmode=disable"
	busy, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	idle, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close(context.Background())
	done := make(chan error, 1)
	go func() { _, err := busy.Exec(context.Background(), "sleep"); done <- err }()
	waitFor(t, func() bool { return h.sessions.Load() == 2 }, "two sessions")
	time.Sleep(50 * time.Millisecond) // let the sleep start
	closed := make(chan struct{})
	go func() { srv.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	if err := <-done; err == nil {
		t.Error("running statement survived Close")
	}
	if err := <-served; !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve = %v", err)
	}
	if n := h.sessions.Load(); n != 0 {
		t.Errorf("%d sessions left open", n)
	}
	if h.cancelled.Load() != 1 {
		t.Errorf("sleep not cancelled")
	}
}

// TestStartupTimeout: a client that connects and says nothing is dropped.
func TestStartupTimeout(t *testing.T) {
	ts := startServer(t, Options{StartupTimeout: 100 * time.Millisecond})
	nc, err := net.Dial("tcp", ts.addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadAll(nc); err != nil {
		t.Fatalf("server kept a silent connection: %v", err)
	}
}
