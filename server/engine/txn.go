package engine

import (
	"context"
	"strings"

	"riffle/server/pgwire"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
)

// transaction answers BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK and
// ABORT. riffle applies every statement when it runs, so there is nothing
// to begin, commit or undo: the gateway keeps the transaction status
// clients read (pgwire/txn.go), and docs/gateway.md tells users that a
// block is not atomic. Transaction modes (ISOLATION LEVEL, READ ONLY, …)
// are accepted and have no effect, as every statement sees the latest
// committed results anyway.
//
// What a block does bound is the life of its cursors: at its end, by
// COMMIT or ROLLBACK alike, those declared in it without HOLD are closed,
// as in PostgreSQL (psql's FETCH_COUNT and psycopg2's named cursors
// declare theirs in a block and rely on that).
func (s *Session) transaction(st *parse.Transaction) *pgwire.Result {
	switch st.Kind {
	case parse.TxnBegin:
		tag := "BEGIN"
		if strings.EqualFold(strings.Fields(st.Src.Text)[0], "START") {
			tag = "START TRANSACTION"
		}
		return &pgwire.Result{Tag: tag, Txn: pgwire.TxnBegin}
	case parse.TxnCommit:
		s.closeCursors(func(c *cursor) bool { return c.block })
		return &pgwire.Result{Tag: "COMMIT", Txn: pgwire.TxnCommit}
	}
	s.closeCursors(func(c *cursor) bool { return c.block })
	return &pgwire.Result{Tag: "ROLLBACK", Txn: pgwire.TxnRollback}
}

// checkTxn refuses a statement in a failed transaction block, as
// PostgreSQL does: only COMMIT and ROLLBACK end it.
func checkTxn(ctx context.Context, st parse.Statement) error {
	if !pgwire.InFailedTransaction(ctx) {
		return nil
	}
	if tx, ok := st.(*parse.Transaction); ok && tx.Kind != parse.TxnBegin {
		return nil
	}
	return st.Source().Errorf(-1, sqlerr.InFailedTransaction,
		"current transaction is aborted, commands ignored until end of transaction block")
}
