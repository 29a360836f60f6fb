package node

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"
)

// TestNodeFormatDefaultRegistry uses the registry riffle was started with
// (the embedded one) for a table that names none: INSERT registers the
// table's schemas there, the view reads the records, and after a restart
// the registry still knows the ids, so a new view reads every record again.
func TestNodeFormatDefaultRegistry(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	c := connect(t, n)
	exec(t, c, `CREATE TABLE payments (id BIGINT, amount DECIMAL(10, 2), PRIMARY KEY (id) NOT ENFORCED)
		WITH ('connector' = 'upsert-kafka', 'key.format' = 'avro-confluent', 'value.format' = 'avro-confluent')`)
	exec(t, c, `CREATE MATERIALIZED VIEW total AS SELECT COUNT(*) AS n, SUM(amount) AS total FROM payments`)
	exec(t, c, `INSERT INTO payments VALUES (1, 10.00), (2, 2.50)`)
	exec(t, c, `FLUSH`)
	equal(t, "view", rows(t, c, `SELECT * FROM total`), "2|12.50")
	reg, err := sr.NewClient(sr.URLs(n.RegistryURL()))
	if err != nil {
		t.Fatal(err)
	}
	subjects, err := reg.Subjects(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "subjects in riffle's registry", subjects, "payments-key", "payments-value")

	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	n = startNode(t, dir)
	defer n.Close()
	c = connect(t, n)
	exec(t, c, `INSERT INTO payments VALUES (2, 4.00)`)
	exec(t, c, `CREATE MATERIALIZED VIEW again AS SELECT id, amount FROM payments`)
	exec(t, c, `FLUSH`)
	equal(t, "view after the restart", rows(t, c, `SELECT * FROM total`), "2|14.00")
	equal(t, "a new view reads the records written before the restart", rows(t, c, `SELECT * FROM again`), "1|10.00", "2|4.00")
}

// TestNodeFormatRegistryDown checks that a registry that cannot be reached
// stops the query reading an avro-confluent table, rather than letting it
// skip the record as bad: the record is not lost, and SHOW QUERIES says why.
func TestNodeFormatRegistryDown(t *testing.T) {
	fake := srfake.New()
	reg, err := sr.NewClient(sr.URLs(fake.URL()))
	if err != nil {
		t.Fatal(err)
	}
	n := startNode(t, t.TempDir(), func(o *Options) { o.Registry = fake.URL() })
	defer n.Close()
	c := connect(t, n)
	exec(t, c, `CREATE TABLE bids (id BIGINT, price DOUBLE) WITH ('format' = 'avro-confluent')`)
	exec(t, c, `CREATE MATERIALIZED VIEW prices AS SELECT id, price FROM bids`)
	v1 := `{"type": "record", "name": "Bid", "fields": [{"name": "id", "type": "long"}, {"name": "price", "type": "double"}]}`
	v2 := `{"type": "record", "name": "Bid", "fields": [{"name": "id", "type": "long"}, {"name": "price", "type": "double"},
		{"name": "note", "type": ["null", "string"], "default": null}]}`
	produceRecords(t, n, "bids", values(confluent(t, reg, "bids-value", v1, map[string]any{"id": int64(1), "price": 1.5}))...)
	exec(t, c, `FLUSH`)
	equal(t, "view", rows(t, c, `SELECT * FROM prices`), "1|1.5")

	second := confluent(t, reg, "bids-value", v2, map[string]any{"id": int64(2), "price": 2.5, "note": nil})
	fake.Close()
	produceRecords(t, n, "bids", values(second)...)
	deadline := time.Now().Add(20 * time.Second)
	for {
		q := rows(t, c, `SHOW QUERIES`)
		if len(q) == 1 && strings.Contains(q[0], "|FAILED|") {
			if !strings.Contains(q[0], "schema registry") {
				t.Errorf("failed query: %q", q[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the query did not stop: %q", q)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestNodeFormatRegistryAuth reads and writes through a registry that
// wants HTTP basic authentication, with Flink's user-info option or the
// credentials in the URL; wrong ones fail the INSERT and name the cause.
func TestNodeFormatRegistryAuth(t *testing.T) {
	fake := srfake.New(srfake.WithAuth("Basic " + base64.StdEncoding.EncodeToString([]byte("ann:s3cret"))))
	defer fake.Close()
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	withCreds := strings.Replace(fake.URL(), "://", "://ann:s3cret@", 1)
	exec(t, c, `CREATE TABLE a (id BIGINT) WITH ('format' = 'avro-confluent', 'avro-confluent.url' = '`+fake.URL()+`',
		'avro-confluent.basic-auth.credentials-source' = 'USER_INFO', 'avro-confluent.basic-auth.user-info' = 'ann:s3cret')`)
	exec(t, c, `CREATE TABLE b (id BIGINT) WITH ('format' = 'avro-confluent', 'avro-confluent.url' = '`+withCreds+`')`)
	exec(t, c, `CREATE TABLE wrong (id BIGINT) WITH ('format' = 'avro-confluent', 'avro-confluent.url' = '`+fake.URL()+`',
		'avro-confluent.basic-auth.user-info' = 'ann:guess')`)
	exec(t, c, `CREATE MATERIALIZED VIEW ab AS SELECT id FROM a UNION ALL SELECT id FROM b`)
	exec(t, c, `INSERT INTO a VALUES (1)`)
	exec(t, c, `INSERT INTO b VALUES (2)`)
	exec(t, c, `FLUSH`)
	equal(t, "read through the authenticated registry", rows(t, c, `SELECT id FROM ab ORDER BY id`), "1", "2")
	if _, err := c.Exec(context.Background(), `INSERT INTO wrong VALUES (3)`); err == nil || !strings.Contains(err.Error(), "not authorized") {
		t.Fatalf("INSERT with a wrong password: %v", err)
	}
}
