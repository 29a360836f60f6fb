package node

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"riffle/connectors/format"
	"riffle/sql/types"
)

// produceRecords writes key/value records (nil key: none) to topic.
func produceRecords(t *testing.T, n *Node, topic string, kvs ...[2][]byte) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(n.KafkaBrokers()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for _, kv := range kvs {
		if err := cl.ProduceSync(context.Background(), &kgo.Record{Topic: topic, Key: kv[0], Value: kv[1]}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
}

// values makes unkeyed records.
func values(vs ...[]byte) [][2][]byte {
	out := make([][2][]byte, len(vs))
	for i, v := range vs {
		out[i] = [2][]byte{nil, v}
	}
	return out
}

// badRecords is the bad_records count of the query maintaining view.
func badRecords(t *testing.T, c *pgx.Conn, view string) int64 {
	t.Helper()
	q := viewQuery(t, c, view)
	if q == nil {
		t.Fatalf("no query maintains %s", view)
	}
	if q["state"] != "RUNNING" {
		t.Fatalf("query of %s is %v: %v", view, q["state"], q)
	}
	return q["bad_records"].(int64)
}

// viewQuery is the SHOW QUERIES row, by column, of the query maintaining
// view (nil: none).
func viewQuery(t *testing.T, c *pgx.Conn, view string) map[string]any {
	t.Helper()
	rs, err := c.Query(context.Background(), `SHOW QUERIES`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	for rs.Next() {
		vals, err := rs.Values()
		if err != nil {
			t.Fatal(err)
		}
		row := map[string]any{}
		for i, f := range rs.FieldDescriptions() {
			row[f.Name] = vals[i]
		}
		if strings.Contains(row["statement"].(string), "VIEW "+view+" ") {
			return row
		}
	}
	return nil
}

// avroRecord encodes a row in the Avro schema riffle derives from cols.
func avroRecord(t *testing.T, cols []types.Column, row ...types.Value) []byte {
	t.Helper()
	enc, err := format.NewAvroEncoder(types.Schema{Columns: cols})
	if err != nil {
		t.Fatal(err)
	}
	b, err := enc.Encode(nil, row)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// confluent encodes v with hamba/avro in schema (registered under subject)
// and prefixes Confluent's header: what a Java or Go producer with a
// registry serializer writes.
func confluent(t *testing.T, cl *sr.Client, subject, schema string, v any) []byte {
	t.Helper()
	id, err := cl.RegisterSchema(context.Background(), subject, sr.Schema{Schema: schema, Type: sr.TypeAvro}, -1, -1)
	if err != nil {
		t.Fatal(err)
	}
	body, err := avro.Marshal(avro.MustParse(schema), v)
	if err != nil {
		t.Fatal(err)
	}
	return append(binary.BigEndian.AppendUint32([]byte{0}, uint32(id)), body...)
}

// TestNodeFormats reads tables in every format from records a plain Kafka
// client produced: csv with options, raw, Avro, and Avro with a schema
// registry whose producer writes an evolved schema (fields reordered, one
// added, one missing). Records a format cannot read are counted and
// skipped. The views stay right across a restart, and a view created after
// it reads every record again from the start.
func TestNodeFormats(t *testing.T) {
	fake := srfake.New() // outlives the node's restarts
	defer fake.Close()
	reg, err := sr.NewClient(sr.URLs(fake.URL()))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	n := startNode(t, dir)
	c := connect(t, n)
	exec(t, c, `CREATE TABLE orders (id BIGINT, who STRING, amount DECIMAL(10, 2))
		WITH ('format' = 'csv', 'csv.field-delimiter' = ';', 'csv.quote-character' = '''', 'csv.null-literal' = '-')`)
	exec(t, c, `CREATE TABLE logs (line STRING) WITH ('format' = 'raw')`)
	exec(t, c, `CREATE TABLE temps (sensor INT NOT NULL, temp DOUBLE) WITH ('format' = 'avro')`)
	exec(t, c, `CREATE TABLE bids (id BIGINT, price DOUBLE, note STRING)
		WITH ('format' = 'avro-confluent', 'avro-confluent.url' = '`+fake.URL()+`')`)
	exec(t, c, `CREATE TABLE users (id BIGINT, name STRING, PRIMARY KEY (id) NOT ENFORCED)
		WITH ('connector' = 'upsert-kafka', 'key.format' = 'avro-confluent', 'value.format' = 'avro-confluent',
		      'value.fields-include' = 'EXCEPT_KEY', 'avro-confluent.url' = '`+fake.URL()+`',
		      'error.policy' = 'skip')`) // a keyed table fails on a bad record by default
	exec(t, c, `CREATE MATERIALIZED VIEW per_who AS SELECT who, COUNT(*) AS n, SUM(amount) AS total FROM orders GROUP BY who`)
	exec(t, c, `CREATE MATERIALIZED VIEW errors AS SELECT line FROM logs WHERE line LIKE 'ERROR%'`)
	exec(t, c, `CREATE MATERIALIZED VIEW hottest AS SELECT sensor, MAX(temp) AS hi FROM temps GROUP BY sensor`)
	exec(t, c, `CREATE MATERIALIZED VIEW bid_notes AS SELECT id, price, COALESCE(note, '?') AS note FROM bids`)
	exec(t, c, `CREATE MATERIALIZED VIEW user_names AS SELECT id, name FROM users`)

	temp := []types.Column{{Name: "sensor", Type: types.TInt}, {Name: "temp", Type: types.TDouble, Nullable: true}}
	bidV1 := `{"type": "record", "name": "Bid", "namespace": "shop", "fields": [
		{"name": "price", "type": "float"}, {"name": "id", "type": "long"}, {"name": "channel", "type": "string"}]}`
	userKey := `{"type": "record", "name": "UserKey", "fields": [{"name": "id", "type": "long"}]}`
	userValue := `{"type": "record", "name": "User", "fields": [{"name": "name", "type": ["null", "string"]}]}`
	produceRecords(t, n, "orders", values([]byte("1;ann;10.50"), []byte("2;'bo;b';-"), []byte("3;ann"), []byte("4;ann;2.25\n"))...)
	produceRecords(t, n, "logs", values([]byte("ERROR disk full"), []byte("INFO ok"), nil, []byte("ERROR \xff bad utf-8"))...)
	produceRecords(t, n, "temps", values(avroRecord(t, temp, types.NewInt(1), types.NewFloat(20.5)),
		avroRecord(t, temp, types.NewInt(1), types.NewFloat(22)), []byte{0x02, 0x02},
		avroRecord(t, temp, types.NewInt(2), types.Null))...)
	produceRecords(t, n, "bids", values(confluent(t, reg, "bids-value", bidV1, map[string]any{"price": float32(2.5), "id": int64(1), "channel": "web"}),
		[]byte(`{"id": 2}`), []byte{0, 0, 0, 0x7f, 0x7f, 2})...)
	produceRecords(t, n, "users",
		[2][]byte{confluent(t, reg, "users-key", userKey, map[string]any{"id": int64(7)}),
			confluent(t, reg, "users-value", userValue, map[string]any{"name": "ann"})},
		[2][]byte{confluent(t, reg, "users-key", userKey, map[string]any{"id": int64(8)}),
			confluent(t, reg, "users-value", userValue, map[string]any{"name": nil})},
		[2][]byte{confluent(t, reg, "users-key", userKey, map[string]any{"id": int64(8)}), nil}, // a tombstone
		[2][]byte{[]byte("8"), confluent(t, reg, "users-value", userValue, map[string]any{"name": "bad key"})})
	exec(t, c, `FLUSH`)

	check := func(when string) {
		t.Helper()
		equal(t, when+": csv", rows(t, c, `SELECT * FROM per_who`), "ann|2|12.75", "bo;b|1|<nil>")
		equal(t, when+": raw", rows(t, c, `SELECT * FROM errors`), "ERROR disk full", "ERROR \uFFFD bad utf-8")
		equal(t, when+": avro", rows(t, c, `SELECT * FROM hottest`), "1|22", "2|<nil>")
		equal(t, when+": avro-confluent", rows(t, c, `SELECT * FROM bid_notes`), "1|2.5|?")
		equal(t, when+": avro-confluent keys", rows(t, c, `SELECT * FROM user_names`), "7|ann")
	}
	check("before the restart")
	// The counts start again at a restart (they are not committed).
	for view, bad := range map[string]int64{"per_who": 1, "errors": 0, "hottest": 1, "bid_notes": 2, "user_names": 1} {
		if got := badRecords(t, c, view); got != bad {
			t.Errorf("%s counted %d bad records, want %d", view, got, bad)
		}
	}

	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	n = startNode(t, dir)
	defer n.Close()
	c = connect(t, n)
	check("after the restart")
	bidV2 := `{"type": "record", "name": "Bid", "namespace": "shop", "fields": [
		{"name": "id", "type": "long"}, {"name": "price", "type": "double"}, {"name": "note", "type": ["null", "string"]}]}`
	produceRecords(t, n, "bids", values(confluent(t, reg, "bids-value", bidV2, map[string]any{"id": int64(3), "price": 4.75, "note": "v2"}))...)
	produceRecords(t, n, "orders", values([]byte("5;cy;1"))...)
	exec(t, c, `CREATE MATERIALIZED VIEW all_bids AS SELECT id, note FROM bids`)
	exec(t, c, `FLUSH`)
	equal(t, "a second writer schema", rows(t, c, `SELECT * FROM bid_notes`), "1|2.5|?", "3|4.75|v2")
	equal(t, "a new view reads from the start", rows(t, c, `SELECT * FROM all_bids`), "1|<nil>", "3|v2")
	equal(t, "csv after the restart", rows(t, c, `SELECT * FROM per_who`), "ann|2|12.75", "bo;b|1|<nil>", "cy|1|1.00")
	equal(t, "one-shot SELECT over the table", rows(t, c, `SELECT id, price FROM bids`), "1|2.5", "3|4.75")
}

// TestNodeFormatAvroConfluentInsert checks the write path of the
// avro-confluent format: INSERT INTO registers the table's schema under
// <topic>-value (and an upsert table's key schema under <topic>-key) and
// writes Confluent's wire format, which a plain consumer decodes with the
// schema it fetches from the registry by id.
func TestNodeFormatAvroConfluentInsert(t *testing.T) {
	fake := srfake.New()
	defer fake.Close()
	reg, err := sr.NewClient(sr.URLs(fake.URL()))
	if err != nil {
		t.Fatal(err)
	}
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, `CREATE TABLE payments (id BIGINT NOT NULL, amount DECIMAL(8, 2), paid TIMESTAMP(3))
		WITH ('format' = 'avro-confluent', 'avro-confluent.url' = '`+fake.URL()+`')`)
	exec(t, c, `CREATE TABLE accounts (id BIGINT, owner STRING, PRIMARY KEY (id) NOT ENFORCED)
		WITH ('connector' = 'upsert-kafka', 'key.format' = 'avro-confluent', 'value.format' = 'avro-confluent',
		      'value.avro-confluent.url' = '`+fake.URL()+`')`)
	exec(t, c, `INSERT INTO payments VALUES (1, 9.99, TIMESTAMP '2024-05-01 12:00:00.5'), (2, NULL, NULL)`)
	exec(t, c, `INSERT INTO accounts VALUES (10, 'ann')`)

	ctx := context.Background()
	subjects, err := reg.Subjects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "subjects", subjects, "accounts-key", "accounts-value", "payments-value")

	got := consume(t, n, reg, "payments", 2)
	equal(t, "payments read back with the registry's schema", got,
		"value org.apache.flink.avro.generated.record map[amount:9.99 id:1 paid:2024-05-01 12:00:00.5 +0000 UTC]",
		"value org.apache.flink.avro.generated.record map[amount:<nil> id:2 paid:<nil>]")
	got = consume(t, n, reg, "accounts", 1)
	equal(t, "accounts read back", got,
		"key org.apache.flink.avro.generated.record map[id:10] value org.apache.flink.avro.generated.record map[id:10 owner:ann]")

	exec(t, c, `CREATE MATERIALIZED VIEW big AS SELECT id, amount FROM payments WHERE amount > 1`)
	exec(t, c, `FLUSH`)
	equal(t, "riffle reads its own records", rows(t, c, `SELECT * FROM big`), "1|9.99")
}

// consume reads n records of topic and renders each side as the writer
// schema's name and the decoded value.
func consume(t *testing.T, n *Node, reg *sr.Client, topic string, count int) []string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(n.KafkaBrokers()...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out []string
	for len(out) < count {
		fs := cl.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			t.Fatal(err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			var parts []string
			for _, side := range []struct {
				what string
				b    []byte
			}{{"key", r.Key}, {"value", r.Value}} {
				if side.b != nil {
					parts = append(parts, side.what+" "+decodeConfluent(t, reg, side.b))
				}
			}
			out = append(out, strings.Join(parts, " "))
		})
	}
	return out
}

// decodeConfluent decodes a Confluent-framed Avro record with hamba/avro in
// the schema the registry holds for its id.
func decodeConfluent(t *testing.T, reg *sr.Client, b []byte) string {
	t.Helper()
	if len(b) < 5 || b[0] != 0 {
		t.Fatalf("not the Confluent wire format: %x", b)
	}
	ss, err := reg.SchemaByID(context.Background(), int(binary.BigEndian.Uint32(b[1:5])))
	if err != nil {
		t.Fatal(err)
	}
	schema := avro.MustParse(ss.Schema)
	var v map[string]any
	if err := avro.Unmarshal(schema, b[5:], &v); err != nil {
		t.Fatal(err)
	}
	for k, x := range v {
		switch x := x.(type) {
		case map[string]any: // a union's branch, by its type name
			for _, y := range x {
				v[k] = y
			}
		case time.Time:
			v[k] = x.UTC()
		}
	}
	for k, x := range v {
		if r, ok := x.(interface{ FloatString(int) string }); ok {
			v[k] = r.FloatString(2) // a decimal as *big.Rat
		}
	}
	return schema.(avro.NamedSchema).FullName() + " " + fmt.Sprint(v) // maps print sorted by key
}
