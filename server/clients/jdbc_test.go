package clients

import (
	"os"
	"path/filepath"
	"testing"
)

// jdbcJar is where Debian's libpostgresql-jdbc-java puts pgjdbc.
const jdbcJar = "/usr/share/java/postgresql.jar"

// javaClient compiles testdata/clients/jdbc/RiffleClient.java and returns
// a function that runs it against a node in a mode.
func javaClient(t *testing.T) func(mode string) (string, int) {
	t.Helper()
	javac, java := lookPath("javac"), lookPath("java")
	if javac == "" || java == "" {
		t.Skip("a JDK is not installed (Debian: apt-get install default-jdk-headless)")
	}
	if _, err := os.Stat(jdbcJar); err != nil {
		t.Skip("pgjdbc is not installed (Debian: apt-get install libpostgresql-jdbc-java)")
	}
	dir := t.TempDir()
	src := filepath.Join(absTestdata(t, "jdbc"), "RiffleClient.java")
	if out, code := run(t, dir, javac, "-d", dir, "-cp", jdbcJar, src); code != 0 {
		t.Fatalf("javac: %s", out)
	}
	n := startNode(t)
	host, port := hostPort(t, n)
	url := "jdbc:postgresql://" + host + ":" + port + "/riffle?sslmode=disable"
	return func(mode string) (string, int) {
		return run(t, dir, java, "-cp", dir+string(os.PathListSeparator)+jdbcJar, "RiffleClient", url, mode)
	}
}

// TestJDBC runs RiffleClient's basic mode: PreparedStatements with
// parameters, and a SUBSCRIBE read a few rows at a time with a fetch size.
func TestJDBC(t *testing.T) {
	client := javaClient(t)
	out, code := client("basic")
	if code != 0 {
		t.Fatalf("RiffleClient basic exited with %d:\n%s", code, out)
	}
	expect(t, "jdbc-basic", out)
}

// TestJDBCMetadata runs DatabaseMetaData's getTables, getColumns and
// getPrimaryKeys, which query pg_catalog with pgjdbc's own SQL (window
// functions, set-returning functions in a select list, composite fields).
func TestJDBCMetadata(t *testing.T) {
	client := javaClient(t)
	out, code := client("metadata")
	if code != 0 {
		t.Fatalf("RiffleClient metadata exited with %d:\n%s", code, out)
	}
	expect(t, "jdbc-metadata", out)
}
