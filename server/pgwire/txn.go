package pgwire

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"riffle/sql/sqlerr"
)

// Transaction blocks. riffle has no multi-statement transactions: every
// statement takes effect when it runs. But PostgreSQL clients send BEGIN,
// COMMIT and ROLLBACK all the time (JDBC with autocommit off, psycopg2 by
// default, ORMs), and read the transaction status every ReadyForQuery
// carries. So the gateway keeps that status as PostgreSQL would, and the
// engine answers the statements:
//
//   - BEGIN / START TRANSACTION moves 'I' (idle) to 'T' (in a block);
//     inside a block it is a WARNING 25001, as in PostgreSQL.
//   - Any error inside a block moves it to 'E' (failed): from then on the
//     engine refuses every statement but COMMIT and ROLLBACK with 25P02
//     (InFailedTransaction tells it), until one of them ends the block.
//   - COMMIT / END and ROLLBACK / ABORT move back to 'I'; COMMIT of a
//     failed block reports ROLLBACK, and outside a block both are a
//     WARNING 25P01.
//
// Nothing is rolled back: statements inside a block have already been
// applied. docs/gateway.md says so to users.

// Transaction statuses of ReadyForQuery.
const (
	txIdle   byte = 'I'
	txBlock  byte = 'T'
	txFailed byte = 'E'
)

// TxnKind is what a transaction statement does to the session's block.
type TxnKind uint8

// Transaction statement kinds, set on Result.Txn.
const (
	TxnNone     TxnKind = iota
	TxnBegin            // BEGIN, START TRANSACTION
	TxnCommit           // COMMIT, END
	TxnRollback         // ROLLBACK, ABORT
)

// SQLSTATEs of transaction blocks.
const (
	activeSQLTransaction    = "25001"
	noActiveSQLTransaction  = "25P01"
	inFailedSQLTransaction  = sqlerr.InFailedTransaction
	idleInTransactionExpiry = "25P03"
	idleSessionExpiry       = "57P05"
)

type sessionKey struct{}

// withSession marks a Handler call's context with the session it runs for.
func withSession(ctx context.Context, s *session) context.Context {
	return context.WithValue(ctx, sessionKey{}, s)
}

// InFailedTransaction reports whether the session a Handler call runs for
// (ctx is the context the gateway passed) is in a failed transaction
// block, where PostgreSQL refuses every statement but COMMIT and ROLLBACK
// with SQLSTATE 25P02. It reads the live status: in a simple query of
// several statements, a ROLLBACK ends the failed block for the statements
// after it.
func InFailedTransaction(ctx context.Context) bool {
	s, ok := ctx.Value(sessionKey{}).(*session)
	return ok && s.tx == txFailed
}

// InTransactionBlock reports whether the session a Handler call runs for
// is inside a transaction block (failed or not).
func InTransactionBlock(ctx context.Context) bool {
	s, ok := ctx.Value(sessionKey{}).(*session)
	return ok && s.tx != txIdle
}

// applyTxn moves the transaction status for a statement's result, before
// the result goes out: it may change the tag, and queues the warnings
// PostgreSQL gives for a BEGIN inside a block or an end outside one.
func (s *session) applyTxn(r *Result) {
	switch r.Txn {
	case TxnBegin:
		if s.tx != txIdle {
			s.warn(activeSQLTransaction, "there is already a transaction in progress")
			return
		}
		s.tx = txBlock
	case TxnCommit, TxnRollback:
		switch s.tx {
		case txIdle:
			s.warn(noActiveSQLTransaction, "there is no transaction in progress")
		case txFailed:
			r.Tag = "ROLLBACK"
		}
		s.tx = txIdle
	}
}

// failTransaction marks the block failed after an error.
func (s *session) failTransaction() {
	if s.tx == txBlock {
		s.tx = txFailed
	}
}

func (s *session) warn(code, msg string) {
	s.be.Send(&pgproto3.NoticeResponse{Severity: "WARNING", SeverityUnlocalized: "WARNING", Code: code, Message: msg})
}

// idleTimeout is how long the session may wait for the client's next
// command, the SQLSTATE it is closed with after that, and the reason
// PostgreSQL gives; 0 when no timeout applies (the session is busy with a
// command, or the timeout is not configured).
func (s *session) idleTimeout() (time.Duration, string, string) {
	if !s.idle {
		return 0, "", ""
	}
	if s.tx == txIdle {
		return s.srv.opts.IdleSessionTimeout, idleSessionExpiry, "idle-session timeout"
	}
	return s.srv.opts.IdleInTransactionTimeout, idleInTransactionExpiry, "idle-in-transaction timeout"
}
