package pgwire

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/debug"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgproto3"

	"riffle/sql/sqlerr"
)

// session is one client connection after startup: the protocol loop and the
// extended-protocol state. Only the connection's goroutine touches its
// fields, except pid/secret (fixed at register) and the cancel functions
// (under mu), which CancelRequests on other connections use.
type session struct {
	srv  *Server
	nc   net.Conn  // the client's connection; the TLS one after an SSLRequest
	tls  *tls.Conn // set when the connection is encrypted
	out  connWriter
	be   *pgproto3.Backend
	conn Conn
	user string
	// zone is the session time zone last reported to the client
	// (ParameterStatus TimeZone), in which timestamptz renders as text;
	// nil is UTC.
	zone *time.Location

	pid    uint32
	secret []byte

	ctx  context.Context // lives as long as the connection
	mu   sync.Mutex
	stop context.CancelFunc // cancels ctx
	stmt context.CancelFunc // cancels the running statement, if any

	stmts   map[string]*prepared
	portals map[string]*portal
	// skipToSync is set by an error in an extended-protocol sequence: as in
	// PostgreSQL, every message up to the next Sync is then discarded.
	skipToSync bool
	// unflushed counts bytes sent since the last flush, so that long
	// results reach the client in pieces instead of one huge buffer.
	unflushed int
	// tx is the transaction status ReadyForQuery reports (txn.go).
	tx byte
	// idle is set by ReadyForQuery: the client owes the next command, and
	// the idle timeouts run.
	idle bool
}

// connWriter is where the Backend writes: the connection, which TLS
// replaces after the Backend is made.
type connWriter struct{ w io.Writer }

func (c *connWriter) Write(p []byte) (int, error) { return c.w.Write(p) }

// flushThreshold is how much output the gateway buffers before writing it
// to the socket in the middle of a result.
const flushThreshold = 64 << 10

// errTerminate ends the message loop without an error.
var errTerminate = errors.New("terminate")

// errClientLeft is a client saying goodbye (Terminate) before its session
// began.
var errClientLeft = errors.New("client terminated the connection")

func (s *session) cancelSession() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stop != nil {
		s.stop()
	}
}

func (s *session) cancelStatement() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stmt != nil {
		s.stmt()
	}
}

// beginStatement returns the context a Handler call runs under: cancelled
// by a CancelRequest for this session, by the client hanging up, or by the
// server closing. The caller must call the returned function when done.
func (s *session) beginStatement() (context.Context, func()) {
	ctx, cancel := context.WithCancel(s.ctx)
	s.mu.Lock()
	s.stmt = cancel
	s.mu.Unlock()
	return ctx, func() {
		s.mu.Lock()
		s.stmt = nil
		s.mu.Unlock()
		cancel()
	}
}

// call runs one Handler call for a statement, turning a panic into an
// internal error so that one bad statement cannot take the server down, and
// a cancellation into query_canceled.
func (s *session) call(ctx context.Context, sql string, f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.srv.log.Error("pgwire: handler panicked", "pid", s.pid, "panic", r, "sql", sql,
				"stack", string(debug.Stack()))
			err = sqlerr.New(sqlerr.Internal, "internal error: %v", r)
		}
	}()
	err = f()
	if err != nil && ctx.Err() != nil && errors.Is(err, context.Canceled) {
		if s.ctx.Err() != nil {
			return sqlerr.New(sqlerr.ConnectionFailure, "terminating connection")
		}
		return sqlerr.New(sqlerr.QueryCanceled, "canceling statement due to user request")
	}
	return err
}

// loop reads and answers messages until the client terminates or the
// connection fails.
func (s *session) loop() error {
	for {
		timeout, code, why := s.idleTimeout()
		if timeout > 0 {
			// The feeding goroutine's read fails at the deadline, which
			// ends Receive with it.
			_ = s.nc.SetReadDeadline(time.Now().Add(timeout))
		}
		msg, err := s.be.Receive()
		if timeout > 0 {
			_ = s.nc.SetReadDeadline(time.Time{})
		}
		if err != nil {
			if timeout > 0 && errors.Is(err, os.ErrDeadlineExceeded) {
				s.srv.log.Info("pgwire: closing idle session", "pid", s.pid, "reason", why)
				s.sendFatal(code, "terminating connection due to "+why)
				return nil
			}
			return s.receiveError(err)
		}
		s.idle = false
		if err := s.dispatch(msg); err != nil {
			if errors.Is(err, errTerminate) {
				return nil
			}
			return err
		}
	}
}

// receiveError decides what a failed Receive means: the client went away
// (nothing to say), or it sent something that is not the protocol (tell it,
// then hang up; PostgreSQL does the same, since the stream cannot be
// resynchronized).
func (s *session) receiveError(err error) error {
	if isDisconnect(err) {
		return nil
	}
	var tooBig *pgproto3.ExceededMaxBodyLenErr
	msg := "invalid frontend message: " + err.Error()
	if errors.As(err, &tooBig) {
		msg = fmt.Sprintf("message of %d bytes exceeds the limit of %d bytes", tooBig.ActualBodyLen, tooBig.MaxExpectedBodyLen)
	}
	s.srv.log.Warn("pgwire: protocol violation", "pid", s.pid, "err", err)
	s.sendFatal(sqlerr.ProtocolViolation, msg)
	return nil
}

// isDisconnect reports whether err only means that the client is gone.
func isDisconnect(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, errClientLeft) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrClosedPipe) ||
		errors.Is(err, os.ErrDeadlineExceeded) // the startup timeout
}

func (s *session) dispatch(msg pgproto3.FrontendMessage) error {
	switch msg.(type) {
	case *pgproto3.Sync:
		s.skipToSync = false
		return s.readyForQuery()
	case *pgproto3.Terminate:
		return errTerminate
	}
	if s.skipToSync {
		return nil // PostgreSQL ignores everything but Sync after an error, Query included
	}
	switch m := msg.(type) {
	case *pgproto3.Query:
		// As in PostgreSQL, a simple query drops the unnamed statement and portal.
		delete(s.stmts, "")
		s.dropPortal("")
		return s.simpleQuery(m.String)
	case *pgproto3.Flush:
		return s.flush()
	case *pgproto3.Parse, *pgproto3.Bind, *pgproto3.Describe, *pgproto3.Execute, *pgproto3.Close:
		if err := s.extended(m); err != nil {
			s.skipToSync = true
			s.sendError(err, "")
			// PostgreSQL flushes every error at once, so that a client
			// waiting on a Flush learns of it before it sends Sync.
			return s.flush()
		}
		return nil
	case *pgproto3.CopyData, *pgproto3.CopyDone, *pgproto3.CopyFail:
		return nil // outside COPY, PostgreSQL ignores these too
	case *pgproto3.FunctionCall:
		s.sendError(sqlerr.New(sqlerr.FeatureNotSupported, "the function call protocol is not supported"), "")
		return s.readyForQuery()
	default:
		s.sendFatal(sqlerr.ProtocolViolation, fmt.Sprintf("unexpected message %T", msg))
		return errTerminate
	}
}

func (s *session) readyForQuery() error {
	s.be.Send(&pgproto3.ReadyForQuery{TxStatus: s.tx})
	s.idle = true
	return s.flush()
}

func (s *session) flush() error {
	s.unflushed = 0
	return s.be.Flush()
}

// send queues msg; size is roughly its encoded length, and a flush happens
// when enough output has piled up.
func (s *session) send(msg pgproto3.BackendMessage, size int) error {
	s.be.Send(msg)
	s.unflushed += size
	if s.unflushed >= flushThreshold {
		return s.flush()
	}
	return nil
}

// sendError queues err as an ErrorResponse. query is the statement text the
// error's position refers to ("" when there is none).
func (s *session) sendError(err error, query string) {
	s.be.Send(errorResponse(err, query))
	s.failTransaction()
}

// sendFatal tells the client why the connection ends, best-effort.
func (s *session) sendFatal(code, msg string) {
	s.be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: code, Message: msg})
	_ = s.be.Flush()
}

// errorResponse renders err as PostgreSQL does: an *sqlerr.Error keeps its
// SQLSTATE, hint, detail and position; anything else is an internal error.
func errorResponse(err error, query string) *pgproto3.ErrorResponse {
	var qe *queryError
	if errors.As(err, &qe) {
		query = qe.sql
	}
	e, ok := sqlerr.As(err)
	if !ok {
		e = sqlerr.New(sqlerr.Internal, "%s", err.Error())
	}
	var where string
	var we *whereError
	if errors.As(err, &we) {
		where = we.where
	}
	return &pgproto3.ErrorResponse{
		Where:               where,
		Severity:            "ERROR",
		SeverityUnlocalized: "ERROR",
		Code:                e.Code,
		Message:             e.Message,
		Detail:              e.Detail,
		Hint:                e.Hint,
		Position:            charPosition(query, e.Pos),
	}
}

// charPosition converts sqlerr's 1-based byte offset into PostgreSQL's P
// field, a 1-based character index into the query string.
func charPosition(query string, pos int) int32 {
	if pos <= 0 {
		return 0
	}
	if pos-1 > len(query) {
		return int32(pos)
	}
	return int32(utf8.RuneCountInString(query[:pos-1]) + 1)
}
