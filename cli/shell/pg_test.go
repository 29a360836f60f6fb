package shell

import (
	"context"
	"fmt"
	"net"
	"os"
	"sync"
	"testing"

	"riffle/server/pgtest"

	"github.com/jackc/pgx/v5/pgconn"
)

// A throwaway PostgreSQL server shared by the tests of this package. It is
// started on first use and stopped by TestMain.
var pg struct {
	once    sync.Once
	conn    string // connection string, "" if PostgreSQL is unavailable
	skip    string // why it is unavailable
	cleanup func()
}

func TestMain(m *testing.M) {
	code := m.Run()
	if pg.cleanup != nil {
		pg.cleanup()
	}
	os.Exit(code)
}

// postgres returns a connection string to a fresh database on the shared
// server, or skips the test when no PostgreSQL binaries are installed.
func postgres(t *testing.T) string {
	t.Helper()
	pg.once.Do(startPostgres)
	if pg.conn == "" {
		t.Skipf("no PostgreSQL to test against: %s", pg.skip)
	}
	return pg.conn
}

func startPostgres() {
	srv, skip, err := pgtest.Start(pgtest.Options{Prefix: "riffle-shell-"})
	switch {
	case err != nil:
		pg.skip = err.Error()
	case srv == nil:
		pg.skip = skip
	default:
		pg.conn, pg.cleanup = srv.Conn, srv.Stop
	}
}

// newDatabase creates an empty database on the shared server and returns a
// connection string to it, so that each test file starts from nothing.
func newDatabase(t *testing.T, name string) string {
	t.Helper()
	base := postgres(t)
	ctx := context.Background()
	c, err := pgconn.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	for _, stmt := range []string{"DROP DATABASE IF EXISTS " + name, "CREATE DATABASE " + name} {
		if _, err := c.Exec(ctx, stmt).ReadAll(); err != nil {
			t.Fatal(err)
		}
	}
	return fmt.Sprintf("postgres://riffle@127.0.0.1:%d/%s?sslmode=disable",
		mustPort(t, base), name)
}

func mustPort(t *testing.T, conn string) int {
	c, err := pgconn.ParseConfig(conn)
	if err != nil {
		t.Fatal(err)
	}
	return int(c.Port)
}

// freePort asks the kernel for a port nobody listens on.
func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 54329
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
