package engine

import (
	"riffle/server/pgwire"
	"riffle/sql/parse"
)

// transaction accepts BEGIN, COMMIT and ROLLBACK. riffle applies every
// statement as it runs, so a transaction block changes nothing but the life
// of the cursors declared in it: at its end, those declared without HOLD
// are closed, as in PostgreSQL (psql's FETCH_COUNT and psycopg2's named
// cursors declare theirs in a block).
//
// This is the minimum cursors need; the gateway's transaction status
// (ReadyForQuery) is the protocol's business, not this function's.
func (s *Session) transaction(st *parse.Transaction) (*pgwire.Result, error) {
	switch st.Kind {
	case parse.TxnBegin:
		r := &pgwire.Result{Tag: "BEGIN"}
		if s.inBlock {
			r.Notices = []string{"there is already a transaction in progress"}
		}
		s.inBlock = true
		return r, nil
	case parse.TxnCommit:
		return s.endBlock("COMMIT"), nil
	}
	return s.endBlock("ROLLBACK"), nil
}

// endBlock ends a transaction block: its cursors without HOLD close.
func (s *Session) endBlock(verb string) *pgwire.Result {
	r := &pgwire.Result{Tag: verb}
	if !s.inBlock {
		r.Notices = []string{"there is no transaction in progress"}
	}
	s.inBlock = false
	s.closeCursors(func(c *cursor) bool { return c.block })
	return r
}
