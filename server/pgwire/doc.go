// Package pgwire is riffle's PostgreSQL wire-protocol gateway: it lets psql,
// pgx, JDBC and BI tools talk to the engine as if it were PostgreSQL 15.
//
// The gateway speaks protocol 3.0 with github.com/jackc/pgx/v5/pgproto3 and
// knows nothing of SQL. It turns messages into calls on a Handler (the
// engine, see handler.go) and results back into messages:
//
//	client ── SSLRequest ──────► 'S' + TLS handshake (with a certificate), else 'N'
//	       ── StartupMessage ──► authentication (trust, or SCRAM-SHA-256 / password)
//	                             ──► Handler.Connect ──► Conn
//	       ── Query ───────────► Conn.Exec           (simple protocol)
//	       ── Parse ───────────► Conn.Prepare        (extended protocol)
//	       ── Bind/Execute ────► Conn.ExecPrepared
//	       ◄── RowDescription, DataRow, CommandComplete, ErrorResponse, ReadyForQuery
//	       ◄─► CopyInResponse / CopyData / CopyDone / CopyFail, CopyOutResponse  (COPY)
//
// What the gateway owns:
//
//   - the handshake (startup.go): startup packets read byte-exact, TLS when
//     Options.TLS has a certificate, protocol negotiation, the connection
//     limit, and authentication (auth.go, users.go): every client trusted
//     without Options.Users, else SCRAM-SHA-256 (-PLUS over TLS, bound to
//     the certificate), or clear-text passwords accepted over TLS only;
//   - the per-session state of the extended protocol (extended.go: named
//     statements and portals, suspended portals, skip-to-Sync after an
//     error);
//   - the transaction status of ReadyForQuery (txn.go): BEGIN, COMMIT and
//     ROLLBACK move it, an error fails a block, and the engine refuses
//     statements in a failed block (InFailedTransaction); statements are
//     never undone;
//   - COPY's sub-protocol and its text, csv and binary formats (copy.go,
//     copy_encode.go, copy_decode.go); the engine says what is copied;
//   - cancellation (CancelRequest cancels the running statement's context)
//     and the idle timeouts (session.go);
//   - the mapping of riffle types to PostgreSQL OIDs (oid.go, exported for
//     the pg_catalog emulation), and the text and binary encodings of
//     values (encode.go, decode.go).
//
// Results that do not fit in memory or never end (SUBSCRIBE, a cursor's
// FETCH) come as a RowSource the gateway pulls rows from (source.go; COPY …
// TO STDOUT pulls from it too, as COPY data, copy.go): each
// row goes out as it is produced, output is flushed whenever the next row
// would be waited for, and an Execute with a row limit suspends its portal
// early once it has sent a row and no more are ready. The source is closed
// when its result ends, fails or is abandoned (portal closed or replaced,
// session over).
//
// Robustness: a panic in the Handler while running one statement becomes an
// XX000 error for that statement only; a malformed or oversized message
// ends that one connection with an 08P01 error, a bad startup packet or a
// failed TLS handshake just that connection. Other sessions never notice.
// FuzzStartup, FuzzSession and FuzzCopyDecode (robust_test.go) hold the
// gateway to that.
//
// File map: server.go (options, listener, sessions, cancel registry,
// limits), startup.go (handshake), auth.go (SCRAM, passwords), users.go
// (users files, verifiers), session.go (message loop, errors, idle
// timeouts), simple.go (Query), extended.go (Parse/Bind/Describe/Execute/
// Close), txn.go, copy*.go, oid.go, encode.go, decode.go, source.go
// (pulling rows from a RowSource).
package pgwire
