package pgwire

import (
	"context"
	"errors"
	"io"
	"strconv"

	"riffle/sql/types"
)

// pump sends up to limit rows (0: all) of a result produced by a
// RowSource, each as soon as the source gives it. Before waiting for a
// row it flushes, so that a client following a subscription sees every
// change as it happens, while rows that are ready at once go out in as
// few writes as the output buffer allows. ended is set when the source
// has no more rows; writeErr means the client is gone; srcErr is the
// statement's own error.
//
// With a limit (an Execute's row count), pump stops early once it has
// sent a row and the next one is not ready: the portal is suspended with
// fewer rows than asked for. A client reading a subscription with a fetch
// size (pgjdbc) then gets each change when it happens instead of when
// enough have piled up; a result that is all there (a SELECT) is always
// ready, so its pieces have exactly the size asked for.
func (s *session) pump(ctx context.Context, r *Result, formats []int16, limit int) (n int, ended bool, writeErr, srcErr error) {
	one := &Result{Columns: r.Columns, Rows: make([]types.Row, 1)}
	for limit <= 0 || n < limit {
		if !r.Source.Ready() {
			if limit > 0 && n > 0 {
				return n, false, nil, nil
			}
			if err := s.flush(); err != nil {
				return n, false, err, nil
			}
		}
		row, err := r.Source.Next(ctx)
		if errors.Is(err, io.EOF) {
			return n, true, nil, nil
		}
		if err != nil {
			return n, false, nil, err
		}
		one.Rows[0] = row
		if _, err := s.sendRows(one, formats, 0, 1); err != nil {
			// An encoding failure is the statement's; a failed write
			// surfaces at the next flush.
			return n, false, nil, err
		}
		n++
	}
	return n, false, nil, nil
}

// closeSource closes a result's source once, logging a failure: the
// result is over either way.
func (s *session) closeSource(r *Result) {
	if r == nil || r.Source == nil {
		return
	}
	src := r.Source
	r.Source = nil
	if err := src.Close(); err != nil {
		s.srv.log.Warn("pgwire: closing a result's rows", "pid", s.pid, "err", err)
	}
}

// sourceTag is the CommandComplete tag of a result produced by a source
// after n rows.
func sourceTag(r *Result, n int) string {
	if r.CountRows {
		return r.Tag + " " + strconv.Itoa(n)
	}
	return r.Tag
}
