// Package catalog is riffle's durable metadata: the tables, views and
// materialized views users declared, their user-defined types (CREATE
// TYPE … AS ENUM), and the continuous queries that keep them up to date. It is the one source of truth every client sees.
//
// Each object keeps the statement that created it, as the user wrote it, and
// what binding that statement produced (schema, key, connector options). On
// restart the engine reads the catalog back and re-plans each running query
// from its statement, so a plan never has to be serialised.
//
// The catalog persists through a Store (the engine passes riffle's Pebble
// state store); it does not plan or execute anything.
package catalog
