package node

import (
	"context"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

// TestDebeziumJSON reads a Debezium topic as a changelog table: creates and
// snapshot reads insert, updates retract the old row and insert the new,
// deletes retract, and the tombstone after a delete is accepted silently;
// the envelope may come wrapped with its schema. Every view over the table
// follows, across a restart. A query into a debezium-json table writes its
// updates as Debezium deletes and creates, which a table over that topic
// reads back as the same result.
func TestDebeziumJSON(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	c := connect(t, n)
	exec(t, c, `CREATE TABLE products (id BIGINT, name STRING, price INT, PRIMARY KEY (id) NOT ENFORCED)
		WITH ('connector' = 'kafka', 'topic' = 'pg.products', 'format' = 'debezium-json')`)
	exec(t, c, `CREATE TABLE wrapped (id BIGINT, name STRING, price INT)
		WITH ('connector' = 'kafka', 'topic' = 'pg.wrapped', 'format' = 'debezium-json',
		      'debezium-json.schema-include' = 'true', 'error.policy' = 'skip')`)
	exec(t, c, `CREATE MATERIALIZED VIEW stock AS SELECT COUNT(*) AS n, SUM(price) AS total FROM products`)
	exec(t, c, `CREATE MATERIALIZED VIEW cheap AS SELECT id, name FROM products WHERE price < 10`)
	exec(t, c, `CREATE MATERIALIZED VIEW wrapped_names AS SELECT name FROM wrapped`)
	// Per price band, written as Debezium records, and read back.
	exec(t, c, `CREATE TABLE bands (band INT, n BIGINT) WITH ('connector' = 'kafka', 'topic' = 'bands', 'format' = 'debezium-json')`)
	exec(t, c, `INSERT INTO bands SELECT price / 10 AS band, COUNT(*) AS n FROM products GROUP BY price / 10`)
	exec(t, c, `CREATE MATERIALIZED VIEW bands_back AS SELECT band, n FROM bands`)

	produce(t, n, "pg.products",
		`{"before": null, "after": {"id": 1, "name": "pen", "price": 5}, "op": "r", "source": {"db": "shop"}, "ts_ms": 1}`,
		`{"before": null, "after": {"id": 2, "name": "ink", "price": 20}, "op": "c"}`,
		`{"before": null, "after": {"id": 3, "name": "pad", "price": 8}, "op": "c"}`)
	produce(t, n, "pg.wrapped",
		`{"schema": {"type": "struct"}, "payload": {"before": null, "after": {"id": 1, "name": "a", "price": 1}, "op": "c"}}`,
		`{"schema": {"type": "struct"}, "payload": {"before": null, "after": {"id": 2, "name": "b", "price": 1}, "op": "x"}}`,
		`{"before": null, "after": {"id": 3, "name": "c", "price": 1}, "op": "c"}`)
	exec(t, c, `FLUSH`)
	equal(t, "stock before the changes", rows(t, c, `SELECT * FROM stock`), "3|33")
	equal(t, "cheap before the changes", rows(t, c, `SELECT * FROM cheap ORDER BY id`), "1|pen", "3|pad")
	check := func(when string) {
		t.Helper()
		equal(t, when+": stock", rows(t, c, `SELECT * FROM stock`), "2|32")
		equal(t, when+": cheap", rows(t, c, `SELECT * FROM cheap ORDER BY id`))
		equal(t, when+": wrapped (an unknown op and an unwrapped record are bad)", rows(t, c, `SELECT * FROM wrapped_names`), "a")
		equal(t, when+": bands read back", rows(t, c, `SELECT * FROM bands_back ORDER BY band`), "1|1", "2|1")
	}
	// The update moves the pen out of the cheap ones and into band 1; the
	// delete takes the pad, and its tombstone is no bad record.
	produceRecords(t, n, "pg.products",
		[2][]byte{nil, []byte(`{"before": {"id": 1, "name": "pen", "price": 5}, "after": {"id": 1, "name": "pen", "price": 12}, "op": "u"}`)},
		[2][]byte{nil, []byte(`{"before": {"id": 3, "name": "pad", "price": 8}, "after": null, "op": "d"}`)},
		[2][]byte{[]byte(`{"id": 3}`), nil})
	exec(t, c, `FLUSH`)
	check("after the changes")
	if got := badRecords(t, c, "stock"); got != 0 {
		t.Fatalf("stock: %d bad records, want 0 (a tombstone after a delete is expected)", got)
	}
	if got := badRecords(t, c, "wrapped_names"); got != 2 {
		t.Fatalf("wrapped_names: %d bad records, want 2", got)
	}
	// The band changes went out as Debezium records: band 0 came and went.
	var ops []string
	for _, r := range readTopic(t, n, "bands") {
		for _, op := range []string{`"op":"c"`, `"op":"d"`} {
			if strings.Contains(string(r.Value), op) {
				ops = append(ops, op[6:7])
			}
		}
	}
	if got := strings.Join(ops, ""); !strings.Contains(got, "d") || strings.Count(got, "c")-strings.Count(got, "d") != 2 {
		t.Fatalf("bands topic ops %q: want creates and deletes netting to the two live bands", got)
	}

	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	n = startNode(t, dir)
	defer n.Close()
	c = connect(t, n)
	exec(t, c, `FLUSH`)
	check("after a restart")
}

// TestDebeziumAvroConfluent reads Debezium's Avro envelopes through the
// registry, with the fields Debezium adds (source, ts_ms) skipped by Avro's
// resolution, and writes a query's changes as such envelopes, which a
// second table over the topic reads back as the same result.
func TestDebeziumAvroConfluent(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, `CREATE TABLE orders (id BIGINT, amount INT) WITH ('connector' = 'kafka', 'topic' = 'orders', 'format' = 'json')`)
	exec(t, c, `CREATE TABLE totals (k BIGINT, total BIGINT) WITH ('connector' = 'kafka', 'topic' = 'totals', 'format' = 'debezium-avro-confluent')`)
	exec(t, c, `INSERT INTO totals SELECT id % 2 AS k, SUM(amount) AS total FROM orders GROUP BY id % 2`)
	exec(t, c, `CREATE TABLE totals_in (k BIGINT, total BIGINT)
		WITH ('connector' = 'kafka', 'topic' = 'totals', 'format' = 'debezium-avro-confluent', 'debezium-avro-confluent.subject' = 'totals-value')`)
	exec(t, c, `CREATE MATERIALIZED VIEW totals_back AS SELECT k, total FROM totals_in`)
	produce(t, n, "orders", `{"id": 1, "amount": 5}`, `{"id": 2, "amount": 7}`)
	exec(t, c, `FLUSH`)
	produce(t, n, "orders", `{"id": 3, "amount": 1}`)
	exec(t, c, `FLUSH`)
	equal(t, "a query's changes as Debezium Avro, read back", rows(t, c, `SELECT * FROM totals_back ORDER BY k`), "0|7", "1|6")

	// An envelope as Debezium writes it, registered by its producer.
	reg, err := sr.NewClient(sr.URLs(n.RegistryURL()))
	if err != nil {
		t.Fatal(err)
	}
	s, err := reg.CreateSchema(context.Background(), "shop.items-value", sr.Schema{Type: sr.TypeAvro, Schema: `{"type": "record",
		"name": "Envelope", "namespace": "shop.items", "fields": [
		{"name": "before", "type": ["null", {"type": "record", "name": "Value", "fields": [{"name": "id", "type": "long"}, {"name": "name", "type": "string"}]}], "default": null},
		{"name": "after", "type": ["null", "Value"], "default": null},
		{"name": "source", "type": {"type": "record", "name": "Source", "fields": [{"name": "db", "type": "string"}]}},
		{"name": "op", "type": "string"}, {"name": "ts_ms", "type": ["null", "long"], "default": null}]}`})
	if err != nil {
		t.Fatal(err)
	}
	envelope := func(before, after []any, op string) []byte {
		b := binary.BigEndian.AppendUint32([]byte{0}, uint32(s.ID))
		for _, row := range [][]any{before, after} {
			if row == nil {
				b = binary.AppendVarint(b, 0) // the union's null
				continue
			}
			b = binary.AppendVarint(b, 1)
			b = binary.AppendVarint(b, int64(row[0].(int)))
			b = binary.AppendVarint(b, int64(len(row[1].(string))))
			b = append(b, row[1].(string)...)
		}
		b = binary.AppendVarint(b, 4)
		b = append(b, "shop"...)
		b = binary.AppendVarint(b, int64(len(op)))
		b = append(b, op...)
		return binary.AppendVarint(binary.AppendVarint(b, 1), 1700000000000)
	}
	exec(t, c, `CREATE TABLE items (id BIGINT, name STRING, PRIMARY KEY (id) NOT ENFORCED)
		WITH ('connector' = 'kafka', 'topic' = 'shop.items', 'format' = 'debezium-avro-confluent')`)
	exec(t, c, `CREATE MATERIALIZED VIEW item_names AS SELECT id, name FROM items`)
	produceRecords(t, n, "shop.items", values(
		envelope(nil, []any{1, "pen"}, "r"), envelope(nil, []any{2, "ink"}, "c"),
		envelope([]any{1, "pen"}, []any{1, "quill"}, "u"), envelope([]any{2, "ink"}, nil, "d"))...)
	exec(t, c, `FLUSH`)
	equal(t, "Debezium's own Avro envelopes", rows(t, c, `SELECT * FROM item_names`), "1|quill")
	if got := badRecords(t, c, "item_names"); got != 0 {
		t.Fatalf("%d bad records", got)
	}
}
