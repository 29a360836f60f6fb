package engine

import (
	"context"

	"riffle/catalog"
	"riffle/exec/runtime"
	"riffle/server/pgwire"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// subscribe answers SUBSCRIBE TO v: a result that does not end, streaming
// the view's contents and then each change as its query commits it, every
// row led by its kind (+I, -U, +U, -D). It ends when the client cancels.
func (s *Session) subscribe(st *parse.Subscribe) (*pgwire.Result, error) {
	if st.Query != nil {
		return nil, st.Src.Errorf(0, sqlerr.FeatureNotSupported, "SUBSCRIBE to a query is not supported yet").
			WithHint("create a materialized view of the query and SUBSCRIBE TO it")
	}
	v := s.e.cat.Get(st.Name.Name)
	if v == nil {
		return nil, st.Src.Errorf(st.Name.Pos, sqlerr.UndefinedTable, "relation %q does not exist", st.Name.Name)
	}
	if v.Kind != catalog.MaterializedView {
		return nil, st.Src.Errorf(st.Name.Pos, sqlerr.WrongObjectType, "%q is not a materialized view", v.Name).
			WithHint("SUBSCRIBE follows a materialized view's changes")
	}
	rq := s.e.query(v.Query)
	if rq == nil {
		return nil, st.Src.Errorf(st.Name.Pos, sqlerr.ObjectInUse, "the query maintaining %q is not running", v.Name).
			WithHint("SHOW QUERIES says why")
	}
	sub, err := rq.Subscribe(v.StateTable)
	if err != nil {
		return nil, err
	}
	cols := append([]types.Column{{Name: "op", Type: types.TString}}, v.Schema.Columns...)
	key := rq.OutputKey()
	stream := func(ctx context.Context, send func(types.Row) error) error {
		defer sub.Close()
		emit := func(b types.Batch) error {
			for _, kr := range runtime.RowKind(b, key) {
				if err := send(append(types.Row{types.NewString(kr.Kind)}, kr.Row...)); err != nil {
					return err
				}
			}
			return nil
		}
		if err := emit(sub.Snapshot); err != nil {
			return err
		}
		for {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case b, ok := <-sub.C:
				if !ok {
					return sqlerr.New(sqlerr.ObjectInUse, "%v", sub.Err())
				}
				if err := emit(b); err != nil {
					return err
				}
			}
		}
	}
	return &pgwire.Result{Columns: cols, Tag: "SUBSCRIBE", Stream: stream}, nil
}
