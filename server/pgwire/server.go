package pgwire

import (
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Options configure a Server. The zero value is usable.
type Options struct {
	// ServerVersion is reported as server_version. psql and drivers choose
	// their catalog queries from it, so it names the PostgreSQL release whose
	// catalog riffle emulates. Default "15.0".
	ServerVersion string
	// Logger receives connection-level events (protocol errors, recovered
	// panics). Nil discards them.
	Logger *slog.Logger
	// MaxMessageSize bounds the body of one client message in bytes; a
	// larger message is a protocol violation that ends the connection.
	// Default 64 MiB.
	MaxMessageSize int
	// StartupTimeout bounds the handshake, TLS and authentication
	// included, so that connections that never get through it do not pile
	// up (PostgreSQL's authentication_timeout). Default one minute.
	StartupTimeout time.Duration

	// TLS, when set, is offered to clients that send an SSLRequest (it must
	// hold a certificate); nil declines TLS, and clients continue in the
	// clear or give up (sslmode=require).
	TLS *tls.Config
	// Users maps user names to passwords (clear text or SCRAM-SHA-256
	// verifiers, see ParseUsers). Empty trusts every client, whatever user
	// it names; set, only these users get in, with their password.
	Users map[string]string
	// Auth is how passwords are asked for: AuthSCRAM (the default) or
	// AuthPassword (clear text, over TLS only).
	Auth AuthMethod

	// MaxConnections bounds the sessions served at once; a client beyond
	// it gets FATAL 53300, as from PostgreSQL's max_connections. 0: no
	// limit.
	MaxConnections int
	// IdleSessionTimeout closes a session that waits this long for a
	// statement outside a transaction block (FATAL 57P05, PostgreSQL's
	// idle_session_timeout). 0: never.
	IdleSessionTimeout time.Duration
	// IdleInTransactionTimeout closes a session that waits this long for a
	// statement inside a transaction block (FATAL 25P03, PostgreSQL's
	// idle_in_transaction_session_timeout). 0: never.
	IdleInTransactionTimeout time.Duration
	// MaxCopySize bounds the data of one COPY FROM STDIN, which is held
	// until the COPY ends so that a bad row writes nothing. Default 1 GiB.
	MaxCopySize int64
}

const (
	defaultMaxMessageSize = 64 << 20
	defaultStartupTimeout = time.Minute
	defaultMaxCopySize    = 1 << 30
)

// tooManyConnections is PostgreSQL's too_many_connections.
const tooManyConnections = "53300"

// Server accepts PostgreSQL clients and serves them from a Handler. Its
// methods are safe for concurrent use.
type Server struct {
	h    Handler
	opts Options
	log  *slog.Logger
	// creds are the verifiers of Options.Users; nil means trust.
	creds map[string]credential
	// mockSecret makes up the salts of users that do not exist.
	mockSecret []byte

	mu        sync.Mutex
	active    int // sessions past the handshake, for MaxConnections
	closed    bool
	listeners map[net.Listener]struct{}
	sessions  map[uint32]*session // by process id, for CancelRequest
	conns     map[net.Conn]struct{}
	wg        sync.WaitGroup
}

// New returns a Server that serves h. Nothing listens until Serve.
func New(h Handler, opts Options) *Server {
	if opts.ServerVersion == "" {
		opts.ServerVersion = "15.0"
	}
	if opts.MaxMessageSize <= 0 {
		opts.MaxMessageSize = defaultMaxMessageSize
	}
	if opts.StartupTimeout <= 0 {
		opts.StartupTimeout = defaultStartupTimeout
	}
	if opts.MaxCopySize <= 0 {
		opts.MaxCopySize = defaultMaxCopySize
	}
	if opts.Auth == "" {
		opts.Auth = AuthSCRAM
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	return &Server{
		h: h, opts: opts, log: log, creds: credentials(opts.Users), mockSecret: secret,
		listeners: map[net.Listener]struct{}{},
		sessions:  map[uint32]*session{},
		conns:     map[net.Conn]struct{}{},
	}
}

// ErrServerClosed is returned by Serve after Close.
var ErrServerClosed = errors.New("pgwire: server closed")

// Serve accepts connections on l, serving each in its own goroutine, until
// l fails or the Server is closed; it then returns ErrServerClosed (after
// Close) or the accept error. Serve closes l.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
		l.Close()
	}()
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.isClosed() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		if !s.track(nc) {
			nc.Close()
			return ErrServerClosed
		}
		go func() {
			defer s.wg.Done()
			defer s.untrack(nc)
			s.serveConn(nc)
		}()
	}
}

// Close stops accepting, closes every connection (cancelling the statements
// they run) and waits for their goroutines to finish.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	for l := range s.listeners {
		l.Close()
	}
	for nc := range s.conns {
		nc.Close()
	}
	for _, sess := range s.sessions {
		sess.cancelSession()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// track registers a new connection; it is false once the server is closed,
// so Close never misses a connection it should wait for.
func (s *Server) track(nc net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[nc] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *Server) untrack(nc net.Conn) {
	s.mu.Lock()
	delete(s.conns, nc)
	s.mu.Unlock()
	nc.Close()
}

// register gives sess a process id and secret key unique among live
// sessions, for BackendKeyData and CancelRequest.
func (s *Server) register(sess *session) {
	var b [8]byte
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		_, _ = rand.Read(b[:])
		pid := binary.BigEndian.Uint32(b[:4]) & 0x7fffffff
		if _, taken := s.sessions[pid]; pid == 0 || taken {
			continue
		}
		sess.pid, sess.secret = pid, append([]byte(nil), b[4:]...)
		s.sessions[pid] = sess
		return
	}
}

func (s *Server) unregister(sess *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessions[sess.pid] == sess {
		delete(s.sessions, sess.pid)
	}
}

// cancel handles a CancelRequest: it cancels the running statement of the
// session with that process id if the secret matches. As in PostgreSQL, a
// wrong key or an idle session is silently ignored.
func (s *Server) cancel(pid uint32, secret []byte) {
	s.mu.Lock()
	sess := s.sessions[pid]
	s.mu.Unlock()
	if sess != nil && subtle.ConstantTimeCompare(sess.secret, secret) == 1 {
		sess.cancelStatement()
	}
}

// admit counts a new session against MaxConnections; false means the
// server is full.
func (s *Server) admit() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opts.MaxConnections > 0 && s.active >= s.opts.MaxConnections {
		return false
	}
	s.active++
	return true
}

func (s *Server) release() {
	s.mu.Lock()
	s.active--
	s.mu.Unlock()
}

// feed feeds the session's protocol reader (pw's other end) from a
// goroutine that reads the connection, so that the gateway notices a
// client hanging up even while a statement runs (and cancels it, as the
// Conn contract promises). A read error, the idle timeouts' deadlines
// included, closes pw with that error.
func (s *Server) feed(nc net.Conn, pw *io.PipeWriter, onEOF func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		buf := make([]byte, 32<<10)
		for {
			n, err := nc.Read(buf)
			if n > 0 {
				if _, werr := pw.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				onEOF()
				pw.CloseWithError(err)
				return
			}
		}
	}()
}
