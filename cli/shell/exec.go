package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
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

	start := time.Now()
	mrr := s.conn.Exec(ctx, stmt)
	for mrr.NextResult() {
		r, err := collect(mrr.ResultReader())
		if err != nil {
			// The reader's error comes back again from Close, reported below.
			break
		}
		if err := Render(s.cfg.Out, r, s.format); err != nil {
			mrr.Close()
			err = fmt.Errorf("writing output: %w", err)
			fmt.Fprintf(s.cfg.Err, "riffle: %v\n", err)
			return &ExitError{Code: 1, Err: err}
		}
	}
	if err := mrr.Close(); err != nil {
		if cancelled.Load() && s.cfg.Interactive {
			// psql's words, said once the server has answered.
			fmt.Fprintln(s.cfg.Err, "Cancel request sent")
		}
		return err
	}
	if s.timing {
		writeTiming(s.cfg.Out, time.Since(start))
	}
	return nil
}

// collect reads one statement's result to its end. Values are copied: the
// reader reuses its buffers from row to row.
func collect(rr *pgconn.ResultReader) (*Result, error) {
	r := &Result{}
	if fds := rr.FieldDescriptions(); fds != nil {
		r.Columns = make([]Column, len(fds))
		for i, fd := range fds {
			r.Columns[i] = Column{Name: fd.Name, TypeOID: fd.DataTypeOID}
		}
	}
	for rr.NextRow() {
		vals := rr.Values()
		row := make([][]byte, len(vals))
		for i, v := range vals {
			if v != nil {
				row[i] = append([]byte{}, v...)
			}
		}
		r.Rows = append(r.Rows, row)
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
