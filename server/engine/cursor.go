package engine

import (
	"context"
	"errors"
	"io"
	"time"

	"riffle/exec/runtime"
	"riffle/server/pgwire"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// A cursor is DECLAREd in a session and read with FETCH: over a SELECT it
// returns the snapshot in pieces; over a SUBSCRIBE it returns the changes
// as they come, Materialize's way (FETCH n waits for at least one row,
// then returns up to n of those ready). Cursors belong to their session:
// CLOSE, the end of the transaction block that declared them (unless WITH
// HOLD) and the end of the session free them, and with them a
// subscription's temporary query.
type cursor struct {
	name   string
	cols   []types.Column
	src    pgwire.RowSource
	follow bool // over a subscription: FETCH returns what is ready
	block  bool // declared in a transaction block without HOLD: closed at its end
	closed bool
}

func (s *Session) declare(ctx context.Context, st *parse.Declare, params []*string) (*pgwire.Result, error) {
	name := st.Cursor.Name
	if _, ok := s.cursors[name]; ok {
		return nil, st.Src.Errorf(st.Cursor.Pos, sqlerr.DuplicateCursor, "cursor %q already exists", name)
	}
	c := &cursor{name: name, block: pgwire.InTransactionBlock(ctx) && !st.Hold}
	if st.Subscribe != nil {
		sub, err := s.openSubscription(ctx, st.Subscribe, params)
		if err != nil {
			return nil, err
		}
		c.cols, c.src, c.follow = sub.cols, sub, true
	} else {
		var err error
		if c.cols, c.src, err = s.selectRows(ctx, st.Select, params); err != nil {
			return nil, err
		}
	}
	if s.cursors == nil {
		s.cursors = map[string]*cursor{}
	}
	s.cursors[name] = c
	s.e.cursors.Add(1)
	return &pgwire.Result{Tag: "DECLARE CURSOR"}, nil
}

// cursor finds a declared cursor.
func (s *Session) cursor(src *parse.Source, n parse.Name) (*cursor, error) {
	c, ok := s.cursors[n.Name]
	if !ok {
		return nil, src.Errorf(n.Pos, sqlerr.InvalidCursorName, "cursor %q does not exist", n.Name)
	}
	return c, nil
}

// fetch answers FETCH (the rows, streamed from the cursor as the client
// reads them) and MOVE (the rows skipped, counted).
func (s *Session) fetch(ctx context.Context, st *parse.Fetch) (*pgwire.Result, error) {
	c, err := s.cursor(st.Src, st.Cursor)
	if err != nil {
		return nil, err
	}
	f := &fetchSource{c: c, n: st.Count, timeout: -1}
	for _, o := range st.Options {
		if o.Key != "timeout" {
			return nil, st.Src.Errorf(o.KeyPos, sqlerr.InvalidParameter, "unrecognized FETCH option %q", o.Key).
				WithHint("FETCH takes TIMEOUT, e.g. WITH (TIMEOUT = '1s')")
		}
		d, ok := types.ParseDuration(o.Value)
		if !ok {
			return nil, st.Src.Errorf(o.KeyPos, sqlerr.InvalidParameter, "invalid timeout %q", o.Value).
				WithHint("give a duration such as '1s' or '250 ms'")
		}
		f.timeout = d
	}
	if !st.Move {
		return &pgwire.Result{Columns: c.cols, Source: f, Tag: "FETCH", CountRows: true}, nil
	}
	n := 0
	for {
		if _, err := f.Next(ctx); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, err
		}
		n++
	}
	return &pgwire.Result{Tag: tag("MOVE", n)}, nil
}

// closeCursor answers CLOSE c and CLOSE ALL.
func (s *Session) closeCursor(st *parse.Close) (*pgwire.Result, error) {
	if st.All {
		s.closeCursors(func(*cursor) bool { return true })
		return &pgwire.Result{Tag: "CLOSE CURSOR ALL"}, nil
	}
	c, err := s.cursor(st.Src, st.Cursor)
	if err != nil {
		return nil, err
	}
	s.closeCursors(func(x *cursor) bool { return x == c })
	return &pgwire.Result{Tag: "CLOSE CURSOR"}, nil
}

// closeCursors closes the session's cursors that match.
func (s *Session) closeCursors(match func(*cursor) bool) {
	for name, c := range s.cursors {
		if !match(c) {
			continue
		}
		delete(s.cursors, name)
		c.closed = true
		if err := c.src.Close(); err != nil {
			s.e.cfg.Log.Warn("close cursor", "cursor", name, "err", err)
		}
		s.e.cursors.Add(-1)
	}
}

// cursorColumns describes what FETCH returns, for the extended protocol.
func (s *Session) cursorColumns(st *parse.Fetch) ([]types.Column, error) {
	c, err := s.cursor(st.Src, st.Cursor)
	if err != nil || st.Move {
		return nil, err
	}
	return c.cols, nil
}

// fetchSource is one FETCH's view of a cursor: up to n rows (n < 0: all);
// over a subscription, it waits (at most timeout, when that is set) for
// the first row only, then takes just the rows that are ready.
type fetchSource struct {
	c       *cursor
	n       int64
	sent    int64
	timeout time.Duration // < 0: wait as long as it takes
}

var _ pgwire.RowSource = (*fetchSource)(nil)

func (f *fetchSource) Next(ctx context.Context) (types.Row, error) {
	switch {
	case f.c.closed, f.n >= 0 && f.sent >= f.n:
		return nil, io.EOF
	case f.c.follow && f.sent > 0 && !f.c.src.Ready():
		return nil, io.EOF
	}
	wait := ctx
	if f.c.follow && f.sent == 0 && f.timeout >= 0 {
		if f.timeout == 0 && !f.c.src.Ready() {
			return nil, io.EOF
		}
		var cancel context.CancelFunc
		wait, cancel = context.WithTimeout(ctx, f.timeout)
		defer cancel()
	}
	row, err := f.c.src.Next(wait)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			return nil, io.EOF // the timeout: no rows this time
		}
		return nil, err
	}
	f.sent++
	return row, nil
}

func (f *fetchSource) Ready() bool {
	if f.c.closed || (f.n >= 0 && f.sent >= f.n) || (f.c.follow && f.sent > 0) {
		return true
	}
	return f.c.src.Ready()
}

// Close leaves the cursor open: the next FETCH continues from here.
func (f *fetchSource) Close() error { return nil }

// selectRows opens a SELECT for a cursor: read from the view in pieces
// when the query only filters and projects one (runtime.Rows), else run
// it once and hold its rows.
func (s *Session) selectRows(ctx context.Context, st *parse.Select, params []*string) ([]types.Column, pgwire.RowSource, error) {
	b := s.binder(st, params)
	b.Snapshot = true
	node, err := b.Query(st.Query)
	if err != nil {
		return nil, nil, err
	}
	s.runSubqueries(ctx, b)
	cols := node.Schema().Columns
	rows, ok, err := runtime.OpenRows(ctx, s.deps(), node)
	if err != nil {
		return nil, nil, err
	}
	if ok {
		return cols, &viewRows{rows: rows}, nil
	}
	all, err := runtime.Snapshot(ctx, s.deps(), node)
	if err != nil {
		return nil, nil, err
	}
	return cols, &rowsSource{rows: all}, nil
}

// viewRows reads a view's rows a chunk at a time.
type viewRows struct {
	rows  *runtime.Rows
	chunk rowsSource
	ended bool
}

var _ pgwire.RowSource = (*viewRows)(nil)

func (v *viewRows) Next(ctx context.Context) (types.Row, error) {
	if row, err := v.chunk.Next(ctx); err == nil || v.ended {
		return row, err
	}
	rows, err := v.rows.Next(ctx)
	if err != nil {
		return nil, err
	}
	if rows == nil {
		v.ended = true
		return nil, io.EOF
	}
	v.chunk = rowsSource{rows: rows}
	return v.chunk.Next(ctx)
}

// Ready is true: the next chunk is read from the store without waiting
// for anything to happen.
func (v *viewRows) Ready() bool { return true }

func (v *viewRows) Close() error { return v.rows.Close() }

// rowsSource returns rows held in memory.
type rowsSource struct {
	rows []types.Row
	next int
}

var _ pgwire.RowSource = (*rowsSource)(nil)

func (r *rowsSource) Next(context.Context) (types.Row, error) {
	if r.next >= len(r.rows) {
		return nil, io.EOF
	}
	row := r.rows[r.next]
	r.rows[r.next] = nil // let the rows sent go
	r.next++
	return row, nil
}

func (r *rowsSource) Ready() bool { return true }

func (r *rowsSource) Close() error {
	r.rows = nil
	return nil
}

// selectOrSubscribe turns SELECT … EMIT CHANGES into the SUBSCRIBE it means.
func selectOrSubscribe(st *parse.Select) *parse.Subscribe {
	if !st.EmitChanges {
		return nil
	}
	return &parse.Subscribe{Src: st.Src, Query: st.Query}
}
