package pgwire

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
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
	pr, pw := io.Pipe()
	defer pr.Close()
	sess := &session{srv: s, nc: nc, stop: stop, tx: txIdle}
	sess.ctx = withSession(ctx, sess)
	sess.out.w = nc
	sess.be = pgproto3.NewBackend(pr, &sess.out)

	// The handshake, TLS and authentication included, must end within
	// StartupTimeout (PostgreSQL's authentication_timeout), reads and
	// writes alike, so that half-open connections do not pile up.
	_ = nc.SetDeadline(time.Now().Add(s.opts.StartupTimeout))
	params, ok := s.handshake(sess)
	if !ok {
		return
	}
	if !s.admit() {
		sess.sendFatal(tooManyConnections, "sorry, too many clients already")
		return
	}
	defer s.release()
	if !s.authenticate(sess, params["user"]) {
		return
	}
	_ = nc.SetDeadline(time.Time{})
	s.feed(sess.nc, pw, stop)
	sess.be.SetMaxBodyLen(s.opts.MaxMessageSize)
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
// returns its parameters. An SSLRequest is answered 'S' and TLS negotiated
// when the server has a certificate, else 'N' (the client then continues
// in the clear, or gives up if it insists on TLS); GSS encryption is always
// declined. A CancelRequest is acted on and the connection closed, as its
// protocol demands. ok is false when the connection should just close.
//
// The packets are read straight from the connection, exactly as many
// bytes as each holds: after an SSLRequest the next bytes must be the
// client's TLS handshake, and a reader that buffered ahead could take
// plaintext injected before it as if it had come over TLS
// (CVE-2021-23214).
func (s *Server) handshake(sess *session) (params map[string]string, ok bool) {
	for {
		msg, err := readStartup(sess.nc)
		if err != nil {
			if !isDisconnect(err) {
				sess.sendFatal(sqlerr.ProtocolViolation, "invalid startup packet: "+err.Error())
			}
			return nil, false
		}
		switch m := msg.(type) {
		case *pgproto3.SSLRequest:
			if !s.startTLS(sess) {
				return nil, false
			}
		case *pgproto3.GSSEncRequest:
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
			if params["user"] == "" {
				sess.sendFatal(invalidAuthSpecification, "no PostgreSQL user name specified in startup packet")
				return nil, false
			}
			if !negotiate(sess, m.ProtocolVersion, params) {
				return nil, false
			}
			return params, true
		}
	}
}

// startTLS answers an SSLRequest and, when the server has a certificate,
// runs the TLS handshake; from then on the session reads and writes
// through TLS.
func (s *Server) startTLS(sess *session) bool {
	if sess.tls != nil {
		sess.sendFatal(sqlerr.ProtocolViolation, "SSLRequest on a connection that is already encrypted")
		return false
	}
	if s.opts.TLS == nil {
		_, err := sess.nc.Write([]byte{'N'})
		return err == nil
	}
	if _, err := sess.nc.Write([]byte{'S'}); err != nil {
		return false
	}
	tc := tls.Server(sess.nc, s.opts.TLS)
	if err := tc.HandshakeContext(sess.ctx); err != nil {
		// Nothing can be said to a client that does not speak TLS with us.
		s.log.Info("pgwire: TLS handshake failed", "remote", sess.nc.RemoteAddr(), "err", err)
		return false
	}
	sess.nc, sess.tls, sess.out.w = tc, tc, tc
	return true
}

// Limits of startup packets, PostgreSQL's: a StartupMessage is at least
// its version code and at most 10000 bytes.
const (
	minStartupLen = 4
	maxStartupLen = 10000
)

// readStartup reads one startup packet (length, then a code or protocol
// version) without reading past its end.
func readStartup(r io.Reader) (pgproto3.FrontendMessage, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := int(int32(binary.BigEndian.Uint32(hdr[:]))) - 4
	if n < minStartupLen || n > maxStartupLen {
		return nil, fmt.Errorf("invalid length of startup packet: %d", n+4)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, io.ErrUnexpectedEOF
	}
	var msg pgproto3.FrontendMessage
	switch code := binary.BigEndian.Uint32(body); code {
	case sslRequestCode:
		msg = &pgproto3.SSLRequest{}
	case gssEncRequestCode:
		msg = &pgproto3.GSSEncRequest{}
	case cancelRequestCode:
		msg = &pgproto3.CancelRequest{}
	default:
		if code>>16 != 3 {
			return nil, fmt.Errorf("unsupported frontend protocol %d.%d: server supports 3.0", code>>16, code&0xffff)
		}
		if code != pgproto3.ProtocolVersion30 {
			// Any later 3.x is answered with NegotiateProtocolVersion
			// (negotiate); pgproto3 decodes only 3.0 and 3.2.
			binary.BigEndian.PutUint32(body, pgproto3.ProtocolVersion32)
		}
		msg = &pgproto3.StartupMessage{}
	}
	if err := msg.Decode(body); err != nil {
		return nil, err
	}
	return msg, nil
}

// Request codes of the startup packets that are not a StartupMessage.
const (
	cancelRequestCode = 80877102
	sslRequestCode    = 80877103
	gssEncRequestCode = 80877104
)

// readTyped reads one typed message (type byte, length, body) without
// reading past its end, for the authentication exchange, which happens
// before the session's buffered reader starts.
func readTyped(r io.Reader, limit int) (byte, []byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := int(int32(binary.BigEndian.Uint32(hdr[1:]))) - 4
	if n < 0 || n > limit {
		return 0, nil, sqlerr.New(sqlerr.ProtocolViolation, "invalid message length %d", n+4)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return 0, nil, io.ErrUnexpectedEOF
	}
	return hdr[0], body, nil
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
// (authenticate has let it in), the ParameterStatus values drivers read at startup, the key for
// cancelling, and the first ReadyForQuery.
func (s *Server) open(sess *session, params map[string]string) bool {
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
	be.Send(&pgproto3.ReadyForQuery{TxStatus: sess.tx})
	sess.idle = true
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
