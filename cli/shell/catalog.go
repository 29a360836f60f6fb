package shell

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// names is what Tab completion knows of the server's catalog: the user's
// relations and their columns, as pg_catalog describes them (riffle
// emulates it, so the same queries work on riffle and on PostgreSQL).
type names struct {
	relations []relation
	columns   map[string][]string // relation name → column names in order
}

type relation struct {
	name string
	kind byte // pg_class.relkind: 'r' table, 'v' view, 'm' materialized view, …
}

// userRelations restricts pg_class to the relations people query: tables,
// views, materialized views, partitioned and foreign tables, outside the
// system schemas.
const userRelations = `c.relkind IN ('r', 'v', 'm', 'p', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')`

const (
	relationsQuery = `SELECT c.relname, c.relkind FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE ` + userRelations + ` ORDER BY c.relname`
	columnsQuery = `SELECT c.relname, a.attname FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE ` + userRelations + ` AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum`
)

// loadNames asks the server for its relations and columns. Completion must
// never get in the way: on any error (a failed transaction block, a server
// without pg_catalog) it returns what it has, possibly nothing.
func loadNames(conn *pgconn.PgConn) *names {
	n := &names{columns: map[string][]string{}}
	if conn == nil || conn.IsClosed() || conn.TxStatus() == 'E' {
		return n
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := conn.Exec(ctx, relationsQuery+";"+columnsQuery).ReadAll()
	if err != nil || len(res) != 2 {
		return n
	}
	for _, row := range res[0].Rows {
		if len(row) == 2 && len(row[1]) == 1 {
			n.relations = append(n.relations, relation{name: string(row[0]), kind: row[1][0]})
		}
	}
	for _, row := range res[1].Rows {
		if len(row) == 2 {
			rel := string(row[0])
			n.columns[rel] = append(n.columns[rel], string(row[1]))
		}
	}
	return n
}
