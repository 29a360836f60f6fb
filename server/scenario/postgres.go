package scenario

import (
	"sync"

	"riffle/server/pgtest"
)

// pg is a throwaway PostgreSQL server shared by every scenario of the test
// binary, for `pgcheck`. It starts on first use; StopPostgres stops it.
var pg struct {
	once sync.Once
	conn string // connection string; "" when PostgreSQL is unavailable
	skip string // why it is unavailable
	stop func()
}

// postgresConn returns a connection string to the shared PostgreSQL, or ""
// and the reason it is not available (PostgreSQL is not installed, or did
// not start).
func postgresConn() (conn, why string) {
	pg.once.Do(startPostgres)
	return pg.conn, pg.skip
}

// StopPostgres stops the PostgreSQL that pgcheck started, if any; TestMain
// calls it after the tests.
func StopPostgres() {
	if pg.stop != nil {
		pg.stop()
		pg.stop = nil
	}
}

func startPostgres() {
	srv, skip, err := pgtest.Start(pgtest.Options{Prefix: "riffle-scenario-"})
	switch {
	case err != nil:
		pg.skip = err.Error()
	case srv == nil:
		pg.skip = skip
	default:
		pg.conn, pg.stop = srv.Conn, srv.Stop
	}
}
