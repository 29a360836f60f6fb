package node

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/twmb/franz-go/pkg/sr"
)

// TestRegistryColumns declares a table with no columns over a topic whose
// producer registered its Avro schema: the table takes the columns of the
// subject's latest schema, reads the records, and keeps those columns
// after the schema evolves and after a restart. A table of another format,
// or over a subject the registry does not have, is an error.
func TestRegistryColumns(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	c := connect(t, n)
	// The producer: a table riffle writes with avro-confluent, which
	// registers items-value.
	exec(t, c, `CREATE TABLE producer (id BIGINT NOT NULL, name STRING, price DECIMAL(10, 2), tags ARRAY<STRING>)
		WITH ('connector' = 'kafka', 'topic' = 'items', 'format' = 'avro-confluent')`)
	exec(t, c, `INSERT INTO producer VALUES (1, 'pen', 2.50, ARRAY['blue']), (2, 'ink', 9.00, NULL)`)
	exec(t, c, `CREATE TABLE items WITH ('connector' = 'kafka', 'format' = 'avro-confluent')`)
	exec(t, c, `CREATE MATERIALIZED VIEW dear AS SELECT name, price FROM items WHERE price > 5`)
	exec(t, c, `FLUSH`)
	describe := `SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = 'items' ORDER BY ordinal_position`
	want := []string{"id|bigint|NO", "name|text|YES", "price|numeric|YES", "tags|ARRAY|YES"}
	equal(t, "columns from the registry", rows(t, c, describe), want...)
	equal(t, "rows", rows(t, c, `SELECT id, name, price, tags FROM items ORDER BY id`), "1|pen|2.50|[blue]", "2|ink|9.00|<nil>")
	equal(t, "view", rows(t, c, `SELECT * FROM dear`), "ink|9.00")

	// A new version of the schema does not change the table, which keeps
	// reading the new records by Avro's resolution.
	reg, err := sr.NewClient(sr.URLs(n.RegistryURL()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.CreateSchema(context.Background(), "items-value", sr.Schema{Type: sr.TypeAvro, Schema: `{"type": "record",
		"name": "record", "namespace": "org.apache.flink.avro.generated", "fields": [{"name": "id", "type": "long"},
		{"name": "name", "type": ["null", "string"], "default": null}, {"name": "color", "type": ["null", "string"], "default": null}]}`}); err != nil {
		t.Fatal(err)
	}
	equal(t, "columns after the schema evolved", rows(t, c, describe), want...)
	exec(t, c, `CREATE TABLE items_now WITH ('connector' = 'kafka', 'topic' = 'items', 'format' = 'avro-confluent')`)
	equal(t, "a new table takes the new schema", rows(t, c,
		`SELECT column_name FROM information_schema.columns WHERE table_name = 'items_now' ORDER BY ordinal_position`), "color", "id", "name")

	for sql, code := range map[string]string{
		`CREATE TABLE nothing WITH ('connector' = 'kafka', 'format' = 'json')`:                                "42P16",
		`CREATE TABLE unknown WITH ('connector' = 'kafka', 'topic' = 'nowhere', 'format' = 'avro-confluent')`: "42P16",
	} {
		_, err := c.Exec(context.Background(), sql)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != code {
			t.Fatalf("%s: %v, want %s", sql, err, code)
		}
	}

	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	n = startNode(t, dir)
	defer n.Close()
	c = connect(t, n)
	equal(t, "columns after a restart", rows(t, c, describe), want...)
	exec(t, c, `INSERT INTO producer VALUES (3, 'pad', 7.00, NULL)`)
	exec(t, c, `FLUSH`)
	equal(t, "view after a restart", rows(t, c, `SELECT * FROM dear ORDER BY name`), "ink|9.00", "pad|7.00")
}
