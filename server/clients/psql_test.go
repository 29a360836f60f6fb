package clients

import (
	"testing"
)

// TestPsqlFetchCount runs psql with FETCH_COUNT, which makes it read a
// SELECT through a cursor (BEGIN; DECLARE _psql_cursor NO SCROLL CURSOR FOR
// …; FETCH FORWARD n …; CLOSE; COMMIT) and print the rows in pieces.
func TestPsqlFetchCount(t *testing.T) {
	psql := lookPath("psql")
	if psql == "" {
		t.Skip("psql is not installed (Debian: apt-get install postgresql-client)")
	}
	n := startNode(t)
	host, port := hostPort(t, n)
	conn := []string{"-X", "-h", host, "-p", port, "-U", "riffle", "-d", "riffle", "-v", "ON_ERROR_STOP=1"}
	if out, code := run(t, "", psql, append(conn, "-c", "CREATE TABLE t (id BIGINT, name STRING)",
		"-c", "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e')")...); code != 0 {
		t.Fatalf("setup: %s", out)
	}
	out, code := run(t, "", psql, append(conn, "-v", "FETCH_COUNT=2", "-c", "select * from t order by id",
		"-A", "-c", "select name from t where id > 3 order by id")...)
	if code != 0 {
		t.Fatalf("psql exited with %d:\n%s", code, out)
	}
	expect(t, "psql-fetch-count", out)
}
