package pgwire

import (
	"context"

	"riffle/sql/types"
)

// Handler is what the gateway serves: the engine, seen from the wire. The
// engine (server/engine) implements it; the gateway knows nothing of SQL
// beyond splitting the protocol's messages into these calls.
type Handler interface {
	// Connect opens a session for a client that sent the given startup
	// parameters (user, database, application_name, options, …). The error,
	// if any, is sent to the client as an ErrorResponse.
	Connect(ctx context.Context, params map[string]string) (Conn, error)
}

// Conn is one client session. The gateway calls it from one goroutine at a
// time; ctx is cancelled when the client sends a CancelRequest for this
// session or disconnects.
//
// Transaction blocks are the gateway's (txn.go): a Conn answers BEGIN,
// COMMIT and ROLLBACK with a Result whose Txn says which, and while
// InFailedTransaction(ctx) it must refuse every other statement, in
// Prepare as in Exec and ExecPrepared, with SQLSTATE 25P02.
type Conn interface {
	// Exec runs every statement of sql in order (the simple query protocol),
	// passing each statement's result to emit as soon as it is complete. It
	// stops at the first error and returns it; results already emitted stand.
	// An *sqlerr.Error carries the SQLSTATE and position for the ErrorResponse.
	Exec(ctx context.Context, sql string, emit func(*Result) error) error

	// Prepare parses sql, which holds at most one statement, for the extended
	// protocol: how many $n parameters it has and the columns it returns
	// (nil for a statement that returns no rows).
	Prepare(ctx context.Context, sql string) (*Description, error)

	// ExecPrepared runs a statement that Prepare accepted, with its parameters
	// in text form (nil for NULL), and returns its result. maxRows > 0 asks for
	// at most that many rows (the portal is then suspended); the gateway
	// handles that by keeping the Result and sending the rest on the next
	// Execute.
	ExecPrepared(ctx context.Context, sql string, params []*string) (*Result, error)

	// Close ends the session.
	Close() error
}

// Description says what a prepared statement takes and returns.
type Description struct {
	// ParamTypes has one entry per $n parameter; a type with ID
	// types.Unknown is sent as OID 0 (unspecified), and clients then send text.
	ParamTypes []types.Type
	// Columns is nil for a statement that returns no rows.
	Columns []types.Column
}

// Result is the outcome of one statement.
type Result struct {
	// Columns is nil for a statement that returns no rows (the gateway then
	// sends no RowDescription).
	Columns []types.Column
	Rows    []types.Row
	// Tag is the CommandComplete tag: "SELECT 3", "INSERT 0 2", "CREATE TABLE".
	Tag string
	// Notices are sent as NoticeResponses before the result.
	Notices []string
	// Empty is set for an empty statement (EmptyQueryResponse).
	Empty bool
	// ParamStatus, when set, is sent as ParameterStatus messages after the
	// statement (e.g. after SET TimeZone).
	ParamStatus map[string]string
	// CopyOut, when set, sends the rows (Rows, or those of Source until it
	// ends or the client cancels) as COPY … TO STDOUT data in this format,
	// in place of a row description and data rows; the tag is "COPY n"
	// (copy.go).
	CopyOut *Copy
	// CopyIn, when set, is a COPY … FROM STDIN: the gateway reads the
	// client's data into it (copy.go) and answers "COPY n".
	CopyIn *CopyIn
	// Txn is set for a transaction statement (BEGIN, COMMIT, ROLLBACK):
	// the gateway moves the session's transaction status (txn.go), and may
	// change Tag as PostgreSQL does (COMMIT of a failed block is ROLLBACK).
	Txn TxnKind
	// Source, when set, produces the rows instead of Rows, one at a time:
	// for a result that does not end on its own (SUBSCRIBE) or that is not
	// held in memory (a cursor's FETCH). The gateway pulls rows from it
	// from the session's goroutine, sending each as it comes and flushing
	// before it waits for the next, and closes it when the result ends,
	// fails, or is abandoned (its portal closed, the client gone).
	Source RowSource
	// CountRows appends the number of rows sent to Tag ("FETCH" becomes
	// "FETCH 3"), for a Source whose row count is not known in advance.
	CountRows bool
}

// RowSource produces a result's rows one at a time. The gateway calls it
// from one goroutine.
type RowSource interface {
	// Next returns the next row, waiting until there is one; io.EOF means
	// the result has ended. ctx is cancelled when the client cancels the
	// statement or disconnects: Next then returns ctx's error. The row is
	// the caller's until the next call.
	Next(ctx context.Context) (types.Row, error)
	// Ready reports whether Next would return at once (a row, the end or
	// an error) rather than wait: the gateway flushes its output before
	// a wait, so that rows already sent reach the client as they happen.
	Ready() bool
	// Close releases what the source holds (a subscription, a temporary
	// query). It is called exactly once.
	Close() error
}
