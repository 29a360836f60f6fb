package pgwire

import (
	"crypto/rand"
	"crypto/subtle"
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
	// StartupTimeout bounds the handshake, so that connections that never
	// send a StartupMessage do not pile up (PostgreSQL's
	// authentication_timeout). Default one minute.
	StartupTimeout time.Duration
}

const (
	defaultMaxMessageSize = 64 << 20
	defaultStartupTimeout = time.Minute
)

// Server accepts PostgreSQL clients and serves them from a Handler. Its
// methods are safe for concurrent use.
type Server struct {
	h    Handler
	opts Options
	log  *slog.Logger

	mu        sync.Mutex
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
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{
		h: h, opts: opts, log: log,
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

// pipeConn feeds the session's protocol reader from a goroutine that reads
// the socket, so that the gateway notices a client hanging up even while a
// statement runs (and cancels it, as the Conn contract promises).
func (s *Server) pipeConn(nc net.Conn, onEOF func()) *io.PipeReader {
	pr, pw := io.Pipe()
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
	return pr
}
