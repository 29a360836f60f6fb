// Package clients runs PostgreSQL clients riffle did not write against a
// whole riffle node over TCP: psycopg2, node-postgres, pgjdbc and psql. Each
// client runs a small program from testdata/clients (a Python script, a
// Node.js script, a Java class compiled at test time, psql's own options)
// that connects, runs parameterised queries, and reads results through the
// paths each client has for large or never-ending results: psycopg2's named
// cursors (DECLARE/FETCH), pgjdbc's fetch size (a portal read a few rows at
// a time), psql's FETCH_COUNT. The program prints what it saw; the test
// compares that with the .out file beside it (go test -rewrite regenerates
// them).
//
// A test whose client is not installed skips, saying which package to
// install; .ci/run installs them all.
package clients
