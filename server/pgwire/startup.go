package pgwire

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"riffle/sql/sqlerr"
)

// serveConn runs one client connection from its first byte to its end.
func (s *Server) serveConn(nc net.Conn) {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	pr := s.pipeConn(nc, stop)
	defer pr.Close()
	be := pgproto3.NewBackend(pr, nc)
	sess := &session{srv: s, nc: nc, be: be, ctx: ctx, stop: stop}

	_ = nc.SetReadDeadline(time.Now().Add(s.opts.StartupTimeout))
	params, ok := s.handshake(sess)
	if !ok {
		return
	}
	_ = nc.SetReadDeadline(time.Time{})
	be.SetMaxBodyLen(s.opts.MaxMessageSize)
	if !s.open(sess, params) {
		return
	}
	defer s.unregister(sess)
	defer func() {
		sess.dropAll() // before the session: a portal's rows may be the session's cursor
		if err := sess.conn.Close(); err != nil {
			s.log.Warn("pgwire: closing session", "pid", sess.pid, "err", err)
		}
	}()
	if err := sess.loop(); err != nil {
		s.log.Debug("pgwire: connection ended", "pid", sess.pid, "err", err)
	}
}

// handshake reads startup packets until a StartupMessage arrives and
// returns its parameters. SSL and GSS encryption requests are declined with
// 'N' (the client then continues in the clear, or gives up if it insists on
// TLS); a CancelRequest is acted on and the connection closed, as its
// protocol demands. ok is false when the connection should just close.
func (s *Server) handshake(sess *session) (params map[string]string, ok bool) {
	for {
		msg, err := sess.be.ReceiveStartupMessage()
		if err != nil {
			if !isDisconnect(err) {
				sess.sendFatal(sqlerr.ProtocolViolation, "invalid startup packet: "+err.Error())
			}
			return nil, false
		}
		switch m := msg.(type) {
		case *pgproto3.SSLRequest, *pgproto3.GSSEncRequest:
			if _, err := sess.nc.Write([]byte{'N'}); err != nil {
				return nil, false
			}
		case *pgproto3.CancelRequest:
			s.cancel(m.ProcessID, m.SecretKey)
			return nil, false
		case *pgproto3.StartupMessage:
			params = make(map[string]string, len(m.Parameters))
			for k, v := range m.Parameters {
				params[k] = v
			}
			if !negotiate(sess, m.ProtocolVersion, params) {
				return nil, false
			}
			return params, true
		default:
			sess.sendFatal(sqlerr.ProtocolViolation, fmt.Sprintf("unexpected startup message %T", msg))
			return nil, false
		}
	}
}

// negotiate answers a request for protocol 3.2 or for protocol options
// (_pq_.*) with NegotiateProtocolVersion: the gateway speaks 3.0 and no
// options, and a client that can live with that carries on.
func negotiate(sess *session, version uint32, params map[string]string) bool {
	var unknown []string
	for k := range params {
		if strings.HasPrefix(k, "_pq_.") {
			unknown = append(unknown, k)
			delete(params, k)
		}
	}
	if version == pgproto3.ProtocolVersion30 && len(unknown) == 0 {
		return true
	}
	sort.Strings(unknown)
	sess.be.Send(&pgproto3.NegotiateProtocolVersion{NewestMinorProtocol: 0, UnrecognizedOptions: unknown})
	return sess.be.Flush() == nil
}

// open creates the engine session and greets the client: AuthenticationOk
// (trust), the ParameterStatus values drivers read at startup, the key for
// cancelling, and the first ReadyForQuery.
func (s *Server) open(sess *session, params map[string]string) bool {
	if params["user"] == "" {
		sess.sendFatal("28000", "no PostgreSQL user name specified in startup packet")
		return false
	}
	if params["database"] == "" {
		params["database"] = params["user"]
	}
	sess.user = params["user"]
	conn, err := s.connect(sess, params)
	if err != nil {
		e := errorResponse(err, "")
		e.Severity, e.SeverityUnlocalized = "FATAL", "FATAL"
		sess.be.Send(e)
		_ = sess.be.Flush()
		return false
	}
	sess.conn = conn
	s.register(sess)

	be := sess.be
	be.Send(&pgproto3.AuthenticationOk{})
	for _, kv := range s.startupStatus(params) {
		be.Send(&pgproto3.ParameterStatus{Name: kv[0], Value: kv[1]})
	}
	be.Send(&pgproto3.BackendKeyData{ProcessID: sess.pid, SecretKey: sess.secret})
	be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
	return be.Flush() == nil
}

// connect calls Handler.Connect, recovering a panic into an error.
func (s *Server) connect(sess *session, params map[string]string) (conn Conn, err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("pgwire: Connect panicked", "panic", r)
			conn, err = nil, sqlerr.New(sqlerr.Internal, "internal error: %v", r)
		}
	}()
	conn, err = s.h.Connect(sess.ctx, params)
	if err == nil && conn == nil {
		err = sqlerr.New(sqlerr.Internal, "internal error: no session")
	}
	return conn, err
}

// startupStatus lists the ParameterStatus values sent after
// authentication, in the order PostgreSQL 15 sends them.
func (s *Server) startupStatus(params map[string]string) [][2]string {
	return [][2]string{
		{"application_name", params["application_name"]},
		{"client_encoding", "UTF8"},
		{"DateStyle", "ISO, MDY"},
		{"default_transaction_read_only", "off"},
		{"in_hot_standby", "off"},
		{"integer_datetimes", "on"},
		{"IntervalStyle", "postgres"},
		{"is_superuser", "on"},
		{"server_encoding", "UTF8"},
		{"server_version", s.opts.ServerVersion},
		{"session_authorization", params["user"]},
		{"standard_conforming_strings", "on"},
		{"TimeZone", "UTC"},
	}
}
