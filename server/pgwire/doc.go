// Package pgwire is riffle's PostgreSQL wire-protocol gateway: it lets psql,
// pgx, JDBC and BI tools talk to the engine as if it were PostgreSQL 15.
//
// The gateway speaks protocol 3.0 with github.com/jackc/pgx/v5/pgproto3 and
// knows nothing of SQL. It turns messages into calls on a Handler (the
// engine, see handler.go) and results back into messages:
//
//	client ── StartupMessage ──► Handler.Connect ──► Conn
//	       ── Query ───────────► Conn.Exec           (simple protocol)
//	       ── Parse ───────────► Conn.Prepare        (extended protocol)
//	       ── Bind/Execute ────► Conn.ExecPrepared
//	       ◄── RowDescription, DataRow, CommandComplete, ErrorResponse, ReadyForQuery
//
// What the gateway owns: the startup handshake (no TLS, trust
// authentication), the per-session state of the extended protocol (named
// statements and portals, suspended portals, skip-to-Sync after an error),
// cancellation (CancelRequest cancels the running statement's context), the
// mapping of riffle types to PostgreSQL OIDs (oid.go, exported for the
// pg_catalog emulation), and the text and binary encodings of values
// (encode.go, decode.go).
//
// Results that do not fit in memory or never end (SUBSCRIBE, a cursor's
// FETCH) come as a RowSource the gateway pulls rows from (source.go): each
// row goes out as it is produced, output is flushed whenever the next row
// would be waited for, and an Execute with a row limit suspends its portal
// early once it has sent a row and no more are ready. The source is closed
// when its result ends, fails or is abandoned (portal closed or replaced,
// session over).
//
// Robustness: a panic in the Handler while running one statement becomes an
// XX000 error for that statement only; a malformed or oversized message
// ends that one connection with an 08P01 error. Other sessions never notice.
//
// File map: server.go (listener, sessions, cancel registry), startup.go
// (handshake), session.go (message loop, errors), simple.go (Query),
// extended.go (Parse/Bind/Describe/Execute/Close), oid.go, encode.go,
// decode.go, source.go (pulling rows from a RowSource).
package pgwire
