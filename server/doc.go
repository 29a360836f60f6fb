// Package server holds the engine facade (engine: statement dispatch over
// the catalog, planner and runtime) and the Postgres wire gateway (pgwire)
// that serves it to psql, drivers, BI tools and riffle's own shell.
package server
