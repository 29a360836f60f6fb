package node

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestTransactionBlocks drives BEGIN/COMMIT/ROLLBACK through pgx's
// transaction API against the real engine: the status ReadyForQuery
// reports, 25P02 after an error, and statements that apply at once (a
// block is not atomic, as docs/gateway.md says).
func TestTransactionBlocks(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	ctx := context.Background()
	exec(t, c, `CREATE TABLE t (a INT)`)

	tx, err := c.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable, AccessMode: pgx.ReadWrite})
	if err != nil {
		t.Fatal(err)
	}
	if s := c.PgConn().TxStatus(); s != 'T' {
		t.Errorf("status after BEGIN: %c", s)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO t VALUES ($1)`, 1); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if s := c.PgConn().TxStatus(); s != 'I' {
		t.Errorf("status after COMMIT: %c", s)
	}

	tx, err = c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO t VALUES (2)`); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT nope FROM t`); err == nil {
		t.Fatal("bad statement succeeded")
	}
	if s := c.PgConn().TxStatus(); s != 'E' {
		t.Errorf("status after an error: %c", s)
	}
	_, err = tx.Exec(ctx, `SELECT a FROM t`)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "25P02" {
		t.Errorf("statement in a failed block: %v", err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	// Nothing is undone: the INSERT before the error stands.
	equal(t, "after ROLLBACK", rows(t, c, `SELECT a FROM t`), "1", "2")

	// The simple protocol, as psql and JDBC send it.
	for _, q := range []struct{ sql, tag string }{
		{"START TRANSACTION READ ONLY", "START TRANSACTION"}, {"END", "COMMIT"},
		{"BEGIN WORK", "BEGIN"}, {"ABORT", "ROLLBACK"},
	} {
		tag, err := c.PgConn().Exec(ctx, q.sql).ReadAll()
		if err != nil || tag[0].CommandTag.String() != q.tag {
			t.Errorf("%s: %v %v", q.sql, tag, err)
		}
	}
}
