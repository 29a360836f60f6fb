package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"golang.org/x/term"
)

// run sends one statement (or statement set) and reports its error, if any;
// only in a script does an error end the run.
func (s *shell) run(ctx context.Context, stmt string) error {
	if err := s.exec(ctx, stmt); err != nil {
		var ee *ExitError
		if errors.As(err, &ee) {
			return err
		}
		return s.fail(err, stmt)
	}
	return nil
}

// exec sends one statement (or statement set) with the simple query protocol
// and prints each result as it completes; it returns the statement's error
// unreported. Ctrl-C cancels the statement on the server.
func (s *shell) exec(ctx context.Context, stmt string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := make(chan struct{})
	var cancelled atomic.Bool
	go func() {
		select {
		case <-s.interrupt:
			cancelled.Store(true)
			cancel()
		case <-stop:
		}
	}()
	defer close(stop)

	if mode, ok, err := resultMode(stmt); ok {
		// Flink's client setting is the shell's, not the server's.
		if err != nil {
			return err
		}
		s.subscribe = mode
		fmt.Fprintln(s.cfg.Out, "SET")
		return nil
	}
	start := time.Now()
	// The statement may change the catalog that Tab completes from.
	s.names = nil
	live := isStreaming(stmt)
	mrr := s.conn.Exec(ctx, stmt)
	for mrr.NextResult() {
		rr := mrr.ResultReader()
		if live && rr.FieldDescriptions() != nil {
			s.stream(rr, &cancelled)
			continue
		}
		r, err := collect(rr)
		if err != nil {
			// The reader's error comes back again from Close, reported below.
			break
		}
		if r.Columns == nil && s.format.Output != Aligned && s.cfg.Interactive {
			// CSV and JSON print rows only; at the terminal the tag still says what happened.
			fmt.Fprintln(s.cfg.Out, r.Tag)
		}
		if err := s.render(r); err != nil {
			mrr.Close()
			fmt.Fprintf(s.cfg.Err, "riffle: %v\n", err)
			return &ExitError{Code: 1, Err: err}
		}
	}
	if err := mrr.Close(); err != nil {
		if live && cancelled.Load() && s.cfg.Interactive {
			// Ctrl-C is how a live result ends: its view said so.
			return nil
		}
		if cancelled.Load() && s.cfg.Interactive {
			// psql's words, said once the server has answered.
			fmt.Fprintln(s.cfg.Err, "Cancel request sent")
		}
		return err
	}
	s.settings.observe(stmt)
	if s.timing {
		writeTiming(s.cfg.Out, time.Since(start))
	}
	return nil
}

// stream shows a streaming result as its rows arrive, until the statement
// ends: as a table redrawn in place at a terminal in table mode, else as a
// changelog.
func (s *shell) stream(rr *pgconn.ResultReader, cancelled *atomic.Bool) {
	cols := columns(rr.FieldDescriptions())
	var v liveView
	if size, ok := s.terminalSize(); ok && s.cfg.Interactive && s.subscribe == SubscribeTable && s.format.Output == Aligned {
		v = newTableView(s.cfg.Out, cols, s.format, size)
	} else {
		v = newChangelogView(s.cfg.Out, cols, s.format, s.cfg.Interactive)
	}
	for rr.NextRow() {
		v.row(copyRow(rr.Values()))
	}
	rr.Close()
	v.end(cancelled.Load())
}

// terminalSize returns a function giving the size of the terminal that Out
// is, if it is one.
func (s *shell) terminalSize() (func() (int, int), bool) {
	f, ok := s.cfg.Out.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, false
	}
	return func() (int, int) {
		w, h, err := term.GetSize(int(f.Fd()))
		if err != nil || w <= 0 || h <= 0 {
			return 80, 24
		}
		return w, h
	}, true
}

func columns(fds []pgconn.FieldDescription) []Column {
	cols := make([]Column, len(fds))
	for i, fd := range fds {
		cols[i] = Column{Name: fd.Name, TypeOID: fd.DataTypeOID}
	}
	return cols
}

// copyRow copies a row's values: the reader reuses its buffers.
func copyRow(vals [][]byte) [][]byte {
	row := make([][]byte, len(vals))
	for i, v := range vals {
		if v != nil {
			row[i] = append([]byte{}, v...)
		}
	}
	return row
}

// collect reads one statement's result to its end. Values are copied: the
// reader reuses its buffers from row to row.
func collect(rr *pgconn.ResultReader) (*Result, error) {
	r := &Result{}
	if fds := rr.FieldDescriptions(); fds != nil {
		r.Columns = columns(fds)
	}
	for rr.NextRow() {
		r.Rows = append(r.Rows, copyRow(rr.Values()))
	}
	tag, err := rr.Close()
	if err != nil {
		return nil, err
	}
	r.Tag = tag.String()
	return r, nil
}

// writeTiming prints the time a statement took, as psql's \timing does.
func writeTiming(w io.Writer, d time.Duration) {
	ms := float64(d.Microseconds()) / 1000
	if d < time.Second {
		fmt.Fprintf(w, "Time: %.3f ms\n", ms)
		return
	}
	m := int(d / time.Minute)
	sec := (d % time.Minute).Seconds()
	fmt.Fprintf(w, "Time: %.3f ms (%02d:%06.3f)\n", ms, m, sec)
}
