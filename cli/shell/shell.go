package shell

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"golang.org/x/term"
)

// Prompts shown in interactive mode: one for a new statement, one while a
// statement continues over several lines. They have the same width so that
// continued lines stay aligned. The prompt grows a mark for a transaction
// block (riffle*>, and riffle!> once it failed) and the settings changed
// with SET (see settings).
const (
	Prompt             = "riffle> "
	ContinuationPrompt = "      > "
)

// Config is what Run needs.
type Config struct {
	// ConnString is a libpq URL or key=value string, e.g.
	// "postgres://riffle@127.0.0.1:5432/riffle?sslmode=disable".
	ConnString string
	// In is read line by line; Out receives results, Err errors, notices
	// and (in interactive mode) prompts' companions such as the banner.
	In       io.Reader
	Out, Err io.Writer
	// Interactive is set when In is a terminal: the shell shows a banner and
	// prompts, and an error does not end the session.
	Interactive bool
	// Interrupt delivers Ctrl-C. Nil means Run listens for os.Interrupt
	// itself; tests pass their own channel.
	Interrupt <-chan os.Signal
	// HistoryFile keeps the statements typed at the terminal across
	// sessions (DefaultHistoryFile); "" keeps them for this session only.
	// It is used only when In and Out are a terminal and lines are edited
	// in it.
	HistoryFile string
	// Format is how results are printed at the start (--format); \pset
	// changes it.
	Format Format
	// Password, if set, asks the user for a password: before connecting
	// when AskPassword is set (psql's -W), else when the server refuses the
	// password it was given (or none).
	Password    func(prompt string) (string, error)
	AskPassword bool
	// Commands, if not empty, are run instead of reading In: each a
	// statement, several statements, or a backslash command (psql's -c).
	Commands []string
}

// shell is one session.
type shell struct {
	cfg       Config
	pgcfg     *pgconn.Config
	conn      *pgconn.PgConn
	split     Splitter
	format    Format
	timing    bool
	interrupt <-chan os.Signal
	// subscribe is how a streaming result shows at a terminal:
	// SubscribeTable or SubscribeChangelog.
	subscribe string
	settings  settings
	// typed holds the lines of the statement being typed, for the history.
	typed []string
	// names caches the catalog for Tab; nil until asked for, and again after
	// every statement, which may have changed it.
	names *names
	// riffle says whether the server is riffle: 0 not known yet, 1 yes, -1 no.
	riffle int
	// pager sends long results through a pager (pager.go).
	pager bool
}

// Run connects to the server named by cfg.ConnString and runs the
// statements and backslash commands read from cfg.In until \q, end of input,
// or ctx ends. In non-interactive mode it stops at the first failing
// statement. Errors it has reported on cfg.Err come back as *ExitError.
func Run(ctx context.Context, cfg Config) error {
	s := &shell{cfg: cfg, interrupt: cfg.Interrupt, format: cfg.Format, subscribe: SubscribeTable, pager: true}
	if s.interrupt == nil {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, os.Interrupt)
		defer signal.Stop(ch)
		s.interrupt = ch
	}
	if err := s.connect(ctx); err != nil {
		fmt.Fprintln(cfg.Err, err)
		return &ExitError{Code: ExitConnection, Err: err}
	}
	defer func() { s.conn.Close(context.Background()) }()
	if len(cfg.Commands) > 0 {
		return s.runCommands(ctx)
	}
	if cfg.Interactive {
		s.banner()
	}
	return s.loop(ctx)
}

// runCommands runs Config.Commands as a script would, stopping at the
// first error.
func (s *shell) runCommands(ctx context.Context) error {
	s.cfg.Interactive = false
	for _, c := range s.cfg.Commands {
		if cmd := strings.TrimSpace(c); strings.HasPrefix(cmd, `\`) {
			if err := s.command(ctx, cmd); errors.Is(err, errQuit) {
				return nil
			} else if err != nil {
				return err
			}
			continue
		}
		for _, stmt := range Split(c) {
			if err := s.run(ctx, stmt); err != nil {
				return err
			}
		}
	}
	return nil
}

// connect opens the connection. A context cancelled during a statement
// sends the server a CancelRequest rather than dropping the connection.
func (s *shell) connect(ctx context.Context) error {
	if s.pgcfg == nil {
		c, err := pgconn.ParseConfig(s.cfg.ConnString)
		if err != nil {
			return fmt.Errorf("riffle: invalid connection string %q: %w", s.cfg.ConnString, err)
		}
		c.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
			fmt.Fprintf(s.cfg.Err, "%s:  %s\n", n.Severity, n.Message)
		}
		c.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
			return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, DeadlineDelay: 5 * time.Second}
		}
		if c.ConnectTimeout == 0 {
			c.ConnectTimeout = 10 * time.Second
		}
		s.pgcfg = c
	}
	asked := false
	if s.cfg.AskPassword && s.cfg.Password != nil && s.pgcfg.Password == "" {
		if err := s.askPassword(); err != nil {
			return err
		}
		asked = true
	}
	conn, err := pgconn.ConnectConfig(ctx, s.pgcfg)
	var pe *pgconn.PgError
	if err != nil && s.cfg.Password != nil && !asked && errors.As(err, &pe) && pe.Code == "28P01" {
		// The server wants a password we do not have (or a different one):
		// ask, as psql does, once; a password typed in is not asked again.
		if perr := s.askPassword(); perr != nil {
			return perr
		}
		conn, err = pgconn.ConnectConfig(ctx, s.pgcfg)
	}
	if err != nil {
		return connectError(s.pgcfg, err)
	}
	s.conn = conn
	return nil
}

func (s *shell) askPassword() error {
	pw, err := s.cfg.Password(fmt.Sprintf("Password for user %s: ", s.pgcfg.User))
	if err != nil {
		return fmt.Errorf("riffle: reading the password: %w", err)
	}
	s.pgcfg.Password = pw
	return nil
}

// connectError says which server could not be reached and what to do.
func connectError(c *pgconn.Config, err error) error {
	addr := net.JoinHostPort(c.Host, strconv.Itoa(int(c.Port)))
	if strings.HasPrefix(c.Host, "/") {
		addr = fmt.Sprintf("%s/.s.PGSQL.%d", c.Host, c.Port)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// The server answered but refused us: no hint about starting it.
		return fmt.Errorf("riffle: connection to %s refused: %s (SQLSTATE %s)", addr, pe.Message, pe.Code)
	}
	return fmt.Errorf("riffle: cannot connect to %s: %s\nHINT:  is riffle running? start it with: go run ./cli", addr, rootCause(err))
}

// rootCause digs the reason out of pgconn's layered connect error, which
// repeats the address several times: "connection refused", "i/o timeout",
// "no such host".
func rootCause(err error) string {
	var errno syscall.Errno
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.As(err, &errno):
		return errno.Error()
	case errors.As(err, &dns):
		return dns.Err
	case errors.As(err, &op):
		return op.Err.Error()
	}
	return err.Error()
}

func (s *shell) banner() {
	version := s.conn.ParameterStatus("server_version")
	if version == "" {
		version = "unknown version"
	}
	fmt.Fprintf(s.cfg.Out, "riffle shell: connected to %s:%d as %s (server %s)\nType \\? for help, \\q to quit.\n\n",
		s.pgcfg.Host, s.pgcfg.Port, s.pgcfg.User, version)
}

// line is one line of input, or the error that ended the input.
type line struct {
	text string
	err  error
}

// newReader picks how to read input: with line editing when both In and Out
// are the terminal, else plainly.
func (s *shell) newReader() lineReader {
	in, inOK := s.cfg.In.(*os.File)
	out, outOK := s.cfg.Out.(*os.File)
	if s.cfg.Interactive && inOK && outOK && term.IsTerminal(int(in.Fd())) && term.IsTerminal(int(out.Fd())) {
		return newEditReader(in, out, int(in.Fd()), loadHistory(s.cfg.HistoryFile), s.completer())
	}
	return &plainReader{r: bufio.NewReader(s.cfg.In), out: s.cfg.Out}
}

// readLines reads a line from r, on its own goroutine, for each prompt sent
// on prompts, so that the main loop can wait for a line and for Ctrl-C at
// once. Reading only on request matters to the line editor: the terminal is
// in raw mode only while a line is asked for. It stops when prompts closes.
func readLines(r lineReader, prompts <-chan string, done <-chan struct{}) <-chan line {
	ch := make(chan line)
	go func() {
		for p := range prompts {
			text, err := r.ReadLine(p)
			select {
			case ch <- line{text: text, err: err}:
			case <-done:
				return
			}
		}
	}()
	return ch
}

// errQuit ends the session without an error.
var errQuit = errors.New("quit")

func (s *shell) loop(ctx context.Context) error {
	return s.loopWith(ctx, s.newReader())
}

func (s *shell) loopWith(ctx context.Context, r lineReader) error {
	defer r.Close()
	done := make(chan struct{})
	defer close(done)
	prompts := make(chan string)
	defer close(prompts)
	lines := readLines(r, prompts, done)
	waiting := false
	for {
		if !waiting {
			prompts <- s.prompt()
			waiting = true
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.interrupt:
			// Ctrl-C while a line is read plainly (the line editor sees it
			// as a key instead).
			if err := s.interrupted(); err != nil {
				return err
			}
			// The pending read goes on; show it a fresh prompt.
			fmt.Fprintf(s.cfg.Out, "\n%s", s.prompt())
		case l := <-lines:
			waiting = false
			err := s.handle(ctx, l, r)
			if errors.Is(err, errQuit) {
				return nil
			}
			if err != nil {
				return err
			}
		}
	}
}

// interrupted handles Ctrl-C at the prompt: it abandons the statement being
// typed, and ends a script.
func (s *shell) interrupted() error {
	if !s.cfg.Interactive {
		fmt.Fprintln(s.cfg.Err, "riffle: interrupted")
		return &ExitError{Code: ExitScript, Err: errors.New("interrupted")}
	}
	s.split.Reset()
	s.typed = nil
	return nil
}

// handle deals with one line of input (or its end), and adds what it
// completes to r's history.
func (s *shell) handle(ctx context.Context, l line, r lineReader) error {
	if errors.Is(l.err, errInterrupted) {
		return s.interrupted()
	}
	if l.err != nil {
		if !errors.Is(l.err, io.EOF) {
			fmt.Fprintf(s.cfg.Err, "riffle: reading input: %v\n", l.err)
			return &ExitError{Code: 1, Err: l.err}
		}
		if s.cfg.Interactive {
			fmt.Fprintln(s.cfg.Out)
			return errQuit
		}
		// At the end of a script, a statement without its ';' still runs.
		if rest := s.split.Flush(); rest != "" {
			if err := s.run(ctx, rest); err != nil {
				return err
			}
		}
		return errQuit
	}
	if cmd := strings.TrimSpace(l.text); strings.HasPrefix(cmd, `\`) && !s.split.InLiteral() {
		// The statement typed so far and the command are two entries, so
		// that recalling them one after the other does the same again.
		if cmd != `\r` {
			r.Remember(s.typed)
			r.Remember([]string{l.text})
		}
		s.typed = nil
		return s.command(ctx, cmd)
	}
	s.typed = append(s.typed, l.text)
	stmts := s.split.Feed(l.text)
	if s.split.Pending() == "" && !s.split.InLiteral() {
		r.Remember(s.typed)
		s.typed = nil
	}
	for _, stmt := range stmts {
		if err := s.run(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}

// prompt is the prompt for the next line: none in a script.
func (s *shell) prompt() string {
	if !s.cfg.Interactive {
		return ""
	}
	p := "riffle"
	if s.conn != nil {
		switch s.conn.TxStatus() {
		case 'T':
			p += "*"
		case 'E':
			p += "!"
		}
	}
	if st := s.settings.String(); st != "" {
		p += " " + st
	}
	if s.split.Pending() != "" || s.split.InLiteral() {
		return strings.Repeat(" ", displayWidth(p)) + "> "
	}
	return p + "> "
}

// completer answers Tab with the statement typed so far as context.
func (s *shell) completer() completer {
	return func(before, after string) (int, []string) {
		ctx := s.split.Pending()
		if ctx != "" {
			ctx += "\n"
		}
		start, cands := complete(ctx+before, after, s.catalogNames)
		return start - len(ctx), cands
	}
}

// catalogNames returns the catalog's names, asking the server when the
// cache is empty.
func (s *shell) catalogNames() *names {
	if s.names == nil {
		s.names = loadNames(s.conn)
	}
	return s.names
}

// fail reports a statement's error. In a script it ends the run.
func (s *shell) fail(err error, stmt string) error {
	WriteError(s.cfg.Err, err, stmt)
	if s.conn.IsClosed() {
		if rerr := s.reconnect(); rerr != nil {
			return rerr
		}
	}
	if s.cfg.Interactive {
		return nil
	}
	return &ExitError{Code: ExitScript, Err: err}
}

// reconnect replaces a connection the server or the network closed. In a
// script the run ends instead: later statements may depend on session state.
func (s *shell) reconnect() error {
	if !s.cfg.Interactive {
		err := errors.New("connection to the server was lost")
		fmt.Fprintf(s.cfg.Err, "riffle: %v\n", err)
		return &ExitError{Code: ExitConnection, Err: err}
	}
	fmt.Fprint(s.cfg.Err, "The connection to the server was lost. Attempting reset: ")
	if err := s.connect(context.Background()); err != nil {
		fmt.Fprintf(s.cfg.Err, "Failed.\n%v\n", err)
		return &ExitError{Code: ExitConnection, Err: err}
	}
	fmt.Fprintln(s.cfg.Err, "Succeeded.")
	return nil
}
