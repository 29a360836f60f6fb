package pgwire

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgtype"
)

// testServer is a gateway over a fakeHandler on a loopback port.
type testServer struct {
	srv  *Server
	h    *fakeHandler
	addr *net.TCPAddr
}

func startServer(t testing.TB, opts Options) *testServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &fakeHandler{}
	ts := &testServer{srv: New(h, opts), h: h, addr: l.Addr().(*net.TCPAddr)}
	done := make(chan error, 1)
	go func() { done <- ts.srv.Serve(l) }()
	t.Cleanup(func() {
		ts.srv.Close()
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return ts
}

func (ts *testServer) url(user string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/riffle?sslmode=disable", user, ts.addr.Port)
}

func (ts *testServer) connect(t testing.TB, mode pgx.QueryExecMode) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(ts.url("riffle"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = mode
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

var allModes = []pgx.QueryExecMode{
	pgx.QueryExecModeSimpleProtocol,
	pgx.QueryExecModeCacheStatement,
	pgx.QueryExecModeDescribeExec,
	pgx.QueryExecModeExec,
}

type selectRow struct {
	n      int32
	s      string
	ts     time.Time
	amount pgtype.Numeric
	ok     bool
}

func TestPgxSelect(t *testing.T) {
	ts := startServer(t, Options{})
	for _, mode := range allModes {
		t.Run(mode.String(), func(t *testing.T) {
			c := ts.connect(t, mode)
			if v := c.PgConn().ParameterStatus("server_version"); v != "15.0" {
				t.Errorf("server_version = %q", v)
			}
			rows, err := c.Query(context.Background(), "select 3")
			if err != nil {
				t.Fatal(err)
			}
			var got []selectRow
			for rows.Next() {
				var r selectRow
				if err := rows.Scan(&r.n, &r.s, &r.ts, &r.amount, &r.ok); err != nil {
					t.Fatal(err)
				}
				got = append(got, r)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if tag := rows.CommandTag().String(); tag != "SELECT 3" {
				t.Errorf("tag = %q", tag)
			}
			if len(got) != 3 {
				t.Fatalf("got %d rows", len(got))
			}
			r := got[1]
			wantTS := time.Date(2024, 1, 2, 3, 4, 7, 0, time.UTC)
			if r.n != 2 || r.s != "row 2" || !r.ts.Equal(wantTS) || !r.ok {
				t.Errorf("row 2 = %+v", r)
			}
			if f, _ := r.amount.Float64Value(); f.Float64 != 2.5 || r.amount.Exp != -2 {
				t.Errorf("amount = %+v (%v)", r.amount, f)
			}
		})
	}
}

func TestPgxParamsRoundTrip(t *testing.T) {
	ts := startServer(t, Options{})
	when := time.Date(2023, 7, 8, 9, 10, 11, 123456000, time.UTC)
	day := time.Date(2023, 7, 8, 0, 0, 0, 0, time.UTC)
	var num pgtype.Numeric
	if err := num.Scan("-1234.5678"); err != nil {
		t.Fatal(err)
	}
	// Not the simple protocol: pgx then inlines the values into the SQL,
	// which the fake engine does not parse.
	for _, mode := range allModes[1:] {
		t.Run(mode.String(), func(t *testing.T) {
			c := ts.connect(t, mode)
			var (
				i8    int64
				s     string
				n     pgtype.Numeric
				f     float64
				b     bool
				tz    time.Time
				d     time.Time
				bytes []byte
				i4    int32
				null  *string
			)
			err := c.QueryRow(context.Background(),
				"echo $1::int8, $2::text, $3::numeric, $4::float8, $5::bool, $6::timestamptz, $7::date, $8::bytea, $9::int4, $10::text",
				int64(-1)<<40, "héllo, wörld", num, 0.125, true, when, pgtype.Date{Time: day, Valid: true}, []byte{0, 1, 0xff}, int32(7), nil,
			).Scan(&i8, &s, &n, &f, &b, &tz, &d, &bytes, &i4, &null)
			if err != nil {
				t.Fatal(err)
			}
			if i8 != -1<<40 || s != "héllo, wörld" || f != 0.125 || !b || i4 != 7 || null != nil {
				t.Errorf("scalars: %v %q %v %v %v %v", i8, s, f, b, i4, null)
			}
			if !tz.Equal(when) || !d.Equal(day) {
				t.Errorf("times: %v %v", tz, d)
			}
			if string(bytes) != "\x00\x01\xff" {
				t.Errorf("bytea: %x", bytes)
			}
			want := big.NewInt(-12345678)
			if n.Int.Cmp(want) != 0 || n.Exp != -4 {
				t.Errorf("numeric = %v e%d", n.Int, n.Exp)
			}
		})
	}
}

func TestPgxAllTypes(t *testing.T) {
	ts := startServer(t, Options{})
	for _, mode := range allModes {
		t.Run(mode.String(), func(t *testing.T) {
			c := ts.connect(t, mode)
			rows, err := c.Query(context.Background(), "types")
			if err != nil {
				t.Fatal(err)
			}
			all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([]any, error) { return r.Values() })
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprintf("%v", all[0])
			want := "[true -7 123456 1099511627776 1.5 -2.25e+10 {-1234567890 -5 false finite true} ab  héllo " +
				`a "quoted", text [222 173 190 239] 2024-02-29 00:00:00 +0000 UTC {47655123456 true} ` +
				"2024-02-29 13:14:15.123456 +0000 UTC 2024-02-29 13:14:15.123456 +0000 UTC " +
				"{3661000000 1 0 true} {0 0 14 true} map[k:[1 2]] [1 <nil> 3] [x a,b  NULL <nil>] {k=1} (1,\"x y\")]"
			if got != want {
				t.Errorf("values\n got: %s\nwant: %s", got, want)
			}
			for i, v := range all[1] {
				if v != nil {
					t.Errorf("null row column %d = %v", i, v)
				}
			}
		})
	}
}

func TestPgxErrors(t *testing.T) {
	ts := startServer(t, Options{})
	for _, mode := range allModes {
		t.Run(mode.String(), func(t *testing.T) {
			c := ts.connect(t, mode)
			ctx := context.Background()
			// "ë" is two bytes: the position must count it as one character.
			_, err := c.Exec(ctx, "echo 'ë', bad")
			var pe *pgconn.PgError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v", err)
			}
			if pe.Code != "42601" || pe.Position != 11 || pe.Hint == "" && mode == pgx.QueryExecModeSimpleProtocol {
				t.Errorf("error = %+v", pe)
			}
			_, err = c.Exec(ctx, "select panic")
			if !errors.As(err, &pe) || pe.Code != "XX000" {
				t.Errorf("panic: %v", err)
			}
			var n int32
			if err := c.QueryRow(ctx, "select 1").Scan(&n, nil, nil, nil, nil); err != nil || n != 1 {
				t.Errorf("after errors: %v %d", err, n)
			}
		})
	}
}

// TestPgxCancel cancels a running statement both ways a client can: pgx's
// default hangs up (the gateway notices the disconnect), and with a
// CancelRequest handler it sends a CancelRequest on a second connection and
// keeps the session.
func TestPgxCancel(t *testing.T) {
	ts := startServer(t, Options{})
	for _, viaRequest := range []bool{false, true} {
		for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeExec} {
			t.Run(fmt.Sprintf("%s/request=%v", mode, viaRequest), func(t *testing.T) {
				cfg, _ := pgx.ParseConfig(ts.url("riffle"))
				cfg.DefaultQueryExecMode = mode
				if viaRequest {
					cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
						return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, DeadlineDelay: 5 * time.Second}
					}
				}
				c, err := pgx.ConnectConfig(context.Background(), cfg)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close(context.Background())
				before := ts.h.cancelled.Load()
				ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
				defer cancel()
				start := time.Now()
				_, err = c.Exec(ctx, "sleep")
				if err == nil {
					t.Fatal("sleep returned no error")
				}
				if time.Since(start) > 4*time.Second {
					t.Errorf("cancel took %v", time.Since(start))
				}
				var pe *pgconn.PgError
				if viaRequest && (!errors.As(err, &pe) || pe.Code != "57014") {
					t.Errorf("err = %v, want 57014", err)
				}
				waitFor(t, func() bool { return ts.h.cancelled.Load() == before+1 }, "engine statement cancelled")
				if viaRequest {
					if _, err := c.Exec(context.Background(), "insert"); err != nil {
						t.Errorf("after cancel: %v", err)
					}
				}
			})
		}
	}
}

func waitFor(t testing.TB, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestPgxNoticeAndParamStatus(t *testing.T) {
	ts := startServer(t, Options{})
	cfg, _ := pgx.ParseConfig(ts.url("riffle"))
	var mu sync.Mutex
	var notices []string
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
		mu.Lock()
		notices = append(notices, n.Severity+" "+n.Message)
		mu.Unlock()
	}
	c, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	if _, err := c.Exec(context.Background(), "notice"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(context.Background(), "set application_name = 'riffle-test'"); err != nil {
		t.Fatal(err)
	}
	if got := c.PgConn().ParameterStatus("application_name"); got != "riffle-test" {
		t.Errorf("application_name = %q", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(notices) != 1 || notices[0] != "NOTICE hello from riffle" {
		t.Errorf("notices = %q", notices)
	}
}

func TestPgxConnectRejected(t *testing.T) {
	ts := startServer(t, Options{})
	_, err := pgx.Connect(context.Background(), ts.url("reject"))
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "28000" || pe.Severity != "FATAL" {
		t.Fatalf("err = %v", err)
	}
}

func TestPgxConcurrent(t *testing.T) {
	ts := startServer(t, Options{})
	const clients, queries = 16, 20
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mode := allModes[i%len(allModes)]
			cfg, _ := pgx.ParseConfig(ts.url("riffle"))
			cfg.DefaultQueryExecMode = mode
			c, err := pgx.ConnectConfig(context.Background(), cfg)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close(context.Background())
			for q := range queries {
				n := (i+q)%7 + 1
				rows, err := c.Query(context.Background(), fmt.Sprintf("select %d", n))
				if err != nil {
					errs <- err
					return
				}
				count := 0
				for rows.Next() {
					count++
				}
				if err := rows.Err(); err != nil || count != n {
					errs <- fmt.Errorf("client %d query %d: %d rows, %v", i, q, count, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	waitFor(t, func() bool { return ts.h.sessions.Load() == 0 }, "every session closed")
}
