package engine

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"

	"riffle/catalog"
	"riffle/exec/runtime"
	"riffle/server/pgwire"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// A subscription's rows, whichever way it was asked for (SUBSCRIBE TO v,
// SUBSCRIBE (query), SELECT … EMIT CHANGES, a cursor over any of them),
// have one layout, documented in docs/subscribe.md:
//
//	op     TEXT         +I, -U, +U, -D; or "progress" (every other column NULL but op_ts)
//	op_ts  TIMESTAMPTZ  when the commit that made the change happened
//	…      the view's or the query's columns
//
// The snapshot's rows are +I with the time of the commit they reflect. A
// progress row at T (WITH (PROGRESS)) promises that every change committed
// up to T has been sent: a client that keeps seeing them knows the query
// is alive even when nothing changes.
var subscribeMeta = []types.Column{
	{Name: "op", Type: types.TString},
	{Name: "op_ts", Type: types.Type{ID: types.TimestampLTZ, Precision: 6}},
}

// progressOp is the op of a progress row.
const progressOp = "progress"

func subscribeColumns(cols []types.Column) []types.Column {
	out := append([]types.Column(nil), subscribeMeta...)
	for _, c := range cols {
		c.Nullable = true // a progress row has NULLs in every column
		out = append(out, c)
	}
	return out
}

// subscribeOptions are SUBSCRIBE's WITH options.
type subscribeOptions struct {
	snapshot bool // start with the current contents as +I rows (default)
	progress bool // progress rows at every commit
}

func parseSubscribeOptions(src *parse.Source, opts []parse.Option) (subscribeOptions, error) {
	o := subscribeOptions{snapshot: true}
	for _, opt := range opts {
		var dst *bool
		switch opt.Key {
		case "snapshot":
			dst = &o.snapshot
		case "progress":
			dst = &o.progress
		default:
			return o, src.Errorf(opt.KeyPos, sqlerr.InvalidParameter, "unrecognized SUBSCRIBE option %q", opt.Key).
				WithHint("SUBSCRIBE takes SNAPSHOT and PROGRESS")
		}
		b, ok := boolOption(opt.Value)
		if !ok {
			return o, src.Errorf(opt.KeyPos, sqlerr.InvalidParameter, "option %q needs a boolean value, not %q", opt.Key, opt.Value)
		}
		*dst = b
	}
	return o, nil
}

// boolOption reads a Boolean option's or setting's value with the words
// PostgreSQL takes (true/false, on/off, yes/no, 1/0, in any case); ok is
// false for anything else.
func boolOption(v string) (b, ok bool) {
	switch strings.ToLower(v) {
	case "true", "on", "1", "yes":
		return true, true
	case "false", "off", "0", "no":
		return false, true
	}
	return false, false
}

// subscribe answers SUBSCRIBE and SELECT … EMIT CHANGES: a result that
// does not end, streaming the contents and then each change as its query
// commits it. It ends when the client cancels or goes away.
func (s *Session) subscribe(ctx context.Context, st *parse.Subscribe, params []*string) (*pgwire.Result, error) {
	sub, err := s.openSubscription(ctx, st, params)
	if err != nil {
		return nil, err
	}
	return &pgwire.Result{Columns: sub.cols, Tag: "SUBSCRIBE", Source: sub}, nil
}

// subscription is a pgwire.RowSource over a runtime subscription: the
// rows of its snapshot, then of every epoch, in the layout above.
type subscription struct {
	e        *Engine
	sub      *runtime.Subscription
	temp     *tempQuery // the temporary query of SUBSCRIBE (query); nil for a view
	cols     []types.Column
	key      []int // the result's stream key: retraction and insertion of a key are -U/+U
	progress bool
	rows     []types.Row // rendered and not yet returned
	next     int
	err      error // the subscription has ended
	closed   bool
}

var _ pgwire.RowSource = (*subscription)(nil)

// openSubscription starts following a materialized view, or a query run
// as a temporary continuous query.
func (s *Session) openSubscription(ctx context.Context, st *parse.Subscribe, params []*string) (*subscription, error) {
	opts, err := parseSubscribeOptions(st.Src, st.Options)
	if err != nil {
		return nil, err
	}
	var sub *subscription
	if st.Query != nil {
		sub, err = s.subscribeQuery(ctx, st, params, opts)
	} else {
		sub, err = s.subscribeView(st, opts)
	}
	if err != nil {
		return nil, err
	}
	s.e.subscriptions.Add(1)
	snap, at := sub.sub.Snapshot, sub.sub.SnapshotTime
	sub.sub.Snapshot = nil // the rows below are all it is needed for
	if at == 0 {
		at = time.Now().UnixMicro()
	}
	if opts.snapshot {
		sub.render(snap, at)
	}
	if opts.progress {
		sub.rows = append(sub.rows, sub.progressRow(at))
	}
	return sub, nil
}

// subscribeView follows a materialized view through the query that
// maintains it.
func (s *Session) subscribeView(st *parse.Subscribe, opts subscribeOptions) (*subscription, error) {
	v := s.e.cat.Get(st.Name.Name)
	if v == nil {
		return nil, st.Src.Errorf(st.Name.Pos, sqlerr.UndefinedTable, "relation %q does not exist", st.Name.Name)
	}
	if v.Kind != catalog.MaterializedView {
		return nil, st.Src.Errorf(st.Name.Pos, sqlerr.WrongObjectType, "%q is not a materialized view", v.Name).
			WithHint("SUBSCRIBE follows a materialized view's changes, or a query's: SUBSCRIBE (SELECT … FROM %s)", v.Name)
	}
	rq := s.e.query(v.Query)
	if q := s.e.cat.Query(v.Query); rq == nil && q != nil && q.State == catalog.Finished {
		sub, err := runtime.FinishedView(s.e.deps.Store, v.StateTable)
		if err != nil {
			return nil, err
		}
		return &subscription{e: s.e, sub: sub, cols: subscribeColumns(v.Schema.Columns), progress: opts.progress}, nil
	}
	if rq == nil {
		return nil, st.Src.Errorf(st.Name.Pos, sqlerr.ObjectInUse, "the query maintaining %q is not running", v.Name).
			WithHint("SHOW QUERIES says why")
	}
	sub, err := rq.Subscribe(v.StateTable, runtime.SubscribeOptions{Progress: opts.progress})
	if err != nil {
		return nil, sqlerr.New(sqlerr.ObjectInUse, "subscribe to %s: %v", v.Name, err)
	}
	return &subscription{e: s.e, sub: sub, cols: subscribeColumns(v.Schema.Columns), key: rq.OutputKey(),
		progress: opts.progress}, nil
}

// subscribeQuery runs the query as a temporary continuous query, waits
// until it has caught up with its sources as they are now, and follows
// its result from there: the snapshot is the result as of that moment.
func (s *Session) subscribeQuery(ctx context.Context, st *parse.Subscribe, params []*string, opts subscribeOptions) (*subscription, error) {
	b := s.binder(st, params)
	node, err := b.Query(st.Query)
	if err != nil {
		return nil, err
	}
	tq, err := s.startTemp(st.Src.Text, b, node)
	if err != nil {
		return nil, err
	}
	end, err := s.e.endOffsets(ctx, tq.rq)
	if err == nil {
		err = tq.rq.WaitFor(ctx, end)
	}
	var sub *runtime.Subscription
	if err == nil {
		sub, err = tq.rq.Subscribe(tq.view, runtime.SubscribeOptions{Progress: opts.progress})
	}
	if err != nil {
		s.e.dropTemp(tq)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if _, ok := sqlerr.As(err); ok {
			return nil, err
		}
		return nil, sqlerr.New(sqlerr.ObjectInUse, "subscribe: %v", err)
	}
	return &subscription{e: s.e, sub: sub, temp: tq, cols: subscribeColumns(node.Schema().Columns),
		key: tq.rq.OutputKey(), progress: opts.progress}, nil
}

// render appends the rows of changes committed at time at.
func (s *subscription) render(b types.Batch, at int64) {
	ts := types.NewTimestamp(at)
	for _, kr := range runtime.RowKind(b, s.key) {
		row := make(types.Row, 0, len(s.cols))
		row = append(row, types.NewString(kr.Kind), ts)
		s.rows = append(s.rows, append(row, kr.Row...))
	}
}

func (s *subscription) progressRow(at int64) types.Row {
	row := make(types.Row, len(s.cols))
	row[0], row[1] = types.NewString(progressOp), types.NewTimestamp(at)
	return row
}

// fill takes what the runtime has delivered, without waiting.
func (s *subscription) fill() {
	if s.next < len(s.rows) || s.err != nil {
		return
	}
	s.rows, s.next = s.rows[:0], 0
	epochs, err := s.sub.Take()
	if err != nil {
		s.err = err
		return
	}
	for _, ep := range epochs {
		s.render(ep.Changes, ep.Time)
	}
	if s.progress && len(epochs) > 0 {
		// One progress row after the epochs taken together: it covers them all.
		s.rows = append(s.rows, s.progressRow(epochs[len(epochs)-1].Time))
	}
}

// Next returns the next row, waiting for the next commit if need be.
func (s *subscription) Next(ctx context.Context) (types.Row, error) {
	for {
		s.fill()
		if s.next < len(s.rows) {
			row := s.rows[s.next]
			s.rows[s.next] = nil
			s.next++
			return row, nil
		}
		if s.err != nil {
			return nil, ended(s.err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-s.sub.Ready():
		}
	}
}

// ended is the error a reader sees when the subscription stops on its own:
// its query stopped (the view was dropped, the query failed) or the reader
// fell too far behind. A query over bounded tables that read them to their
// end completes the statement normally.
func ended(err error) error {
	if errors.Is(err, runtime.ErrSubscriptionClosed) || errors.Is(err, runtime.ErrQueryFinished) {
		return io.EOF
	}
	return sqlerr.New(sqlerr.ObjectInUse, "subscription ended: %v", err)
}

// Ready reports whether Next has a row (or the end) at once.
func (s *subscription) Ready() bool {
	s.fill()
	return s.next < len(s.rows) || s.err != nil
}

// Close ends the subscription and, for a query, stops its temporary query
// and deletes its state.
func (s *subscription) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	s.sub.Close()
	s.rows = nil
	s.e.subscriptions.Add(-1)
	if s.temp != nil {
		return s.e.dropTemp(s.temp)
	}
	return nil
}
