// Package pgcatalog presents riffle's catalog as PostgreSQL's system
// catalogs: the pg_catalog relations and information_schema views that
// psql, drivers and BI tools query to learn what a database holds.
//
// They are relations, not canned answers: Relation builds the rows of one
// of them from the catalog (tables, views and materialized views, their
// columns, keys and types) at the moment a statement is bound, and riffle's
// own one-shot query engine evaluates the client's query over them, with
// its joins, filters, subqueries and functions. A client therefore gets
// the answer PostgreSQL would give for the same objects.
//
// Object identifiers: PostgreSQL's fixed OIDs for built-in objects (types,
// the pg_catalog and public namespaces, access methods), and for riffle's
// objects OIDs derived from their creation sequence number, so they stay
// the same across restarts (clients cache them): see oids.go.
//
// File map: relations.go (lookup, column types, row building), oids.go,
// class.go (pg_namespace, pg_class, pg_attribute, pg_index, pg_constraint,
// pg_attrdef and the other per-relation catalogs), pgtype.go (pg_type and
// the type-level relations), misc.go (database, roles, settings, and the
// relations riffle has no rows for), infoschema.go (information_schema),
// columns.go (each relation's columns as PostgreSQL 15 has them),
// funcs.go (the catalog functions: format_type, pg_get_expr, …).
package pgcatalog
