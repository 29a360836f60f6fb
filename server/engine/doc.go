// Package engine is riffle's statement dispatcher: the facade every client
// (the Postgres gateway, the shell through it, the tests) goes through. A
// session parses a statement, has the planner bind and plan it, and then
// acts: DDL changes the catalog and creates topics, a materialized view or
// INSERT INTO … SELECT starts a continuous query in the runtime, INSERT …
// VALUES produces records, SELECT reads a snapshot, SHOW and DESCRIBE read
// the catalog, FLUSH waits for running queries to catch up, COPY loads and
// reads rows in bulk (copy.go), and BEGIN/COMMIT/ROLLBACK answer drivers
// without making anything atomic (txn.go). SUBSCRIBE and SELECT … EMIT
// CHANGES stream a view's or a query's changes (subscribe.go; a query runs
// as a temporary query, tempquery.go), and cursors read a SELECT or a
// subscription in pieces (cursor.go), living until CLOSE, the end of the
// transaction block that declared them (txn.go) or of the session.
//
// The engine implements pgwire.Handler, so the gateway serves it directly.
package engine
