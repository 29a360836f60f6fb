// Package sql is the top of riffle's SQL front end. Its sub-packages turn
// statement text into statements: types (values, rows, schemas), sqlerr
// (errors with SQLSTATE and position) and parse (the streaming dialect layer
// in front of the TiDB parser). Nothing here knows about plans or execution.
package sql
