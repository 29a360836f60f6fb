package node

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/sr"

	"riffle/connectors/kafka"
)

// badRecordCase is one of the book's bad-data types (FS-13) as a record of
// table kind "json" or "avro".
type badRecordCase struct {
	kind, what string
	value      func(t *testing.T, n *Node) []byte
}

// badRecordCases are one record of each bad-data type riffle reads: 1
// corrupted bytes, 2 no schema (no magic byte), 3 an unknown schema id, 4
// an incompatible schema, 5 a logically invalid value (a NULL in a NOT NULL
// column, an array for a number), 6 a semantically wrong one (a negative id
// the table's CHECK refuses).
var badRecordCases = []badRecordCase{
	{"json", "type 1: corrupted bytes", func(*testing.T, *Node) []byte { return []byte("\x00\xff{garbage") }},
	{"json", "type 5: NULL in a NOT NULL column", func(*testing.T, *Node) []byte { return []byte(`{"id": 90, "name": null}`) }},
	{"json", "type 5: an array for a number", func(*testing.T, *Node) []byte { return []byte(`{"id": [1, 2], "name": "x"}`) }},
	{"json", "type 6: a value its table's CHECK refuses", func(*testing.T, *Node) []byte { return []byte(`{"id": -5, "name": "neg"}`) }},
	{"avro", "type 2: no schema (no magic byte)", func(*testing.T, *Node) []byte { return []byte(`{"id": 91}`) }},
	{"avro", "type 3: a schema id the registry does not know", func(*testing.T, *Node) []byte {
		return binary.BigEndian.AppendUint32([]byte{0}, 987654)
	}},
	{"avro", "type 4: a schema that cannot be read as the table's", func(t *testing.T, n *Node) []byte {
		// A writer schema whose name is a number: Avro resolution cannot
		// read an int as the table's string.
		reg, err := sr.NewClient(sr.URLs(n.RegistryURL()))
		if err != nil {
			t.Fatal(err)
		}
		s, err := reg.CreateSchema(context.Background(), "elsewhere-value", sr.Schema{Type: sr.TypeAvro,
			Schema: `{"type": "record", "name": "r", "fields": [{"name": "id", "type": "long"}, {"name": "name", "type": "int"}]}`})
		if err != nil {
			t.Fatal(err)
		}
		b := binary.BigEndian.AppendUint32([]byte{0}, uint32(s.ID))
		b = binary.AppendVarint(b, 92)   // id
		return binary.AppendVarint(b, 7) // name, an int
	}},
}

// TestBadRecordPolicies puts one bad record of each type between two good
// ones, in a JSON and an Avro (registry) table, under each error policy:
// skip counts them and goes on; dead-letter also writes each, as read, with
// where it came from and why, to the table's dead-letter topic; fail stops
// the query at the first one, naming it, and ALTER TABLE … SET
// ('error.policy' = 'dead-letter') then restarts the query from its last
// commit, so the bad records go to the dead-letter topic and no good
// record is lost.
func TestBadRecordPolicies(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	for _, policy := range []string{"skip", "dead-letter", "fail"} {
		t.Run(policy, func(t *testing.T) {
			for _, kind := range []string{"json", "avro"} {
				table := strings.ReplaceAll(kind+"_"+policy, "-", "_")
				format := map[string]string{"json": "json", "avro": "avro-confluent"}[kind]
				exec(t, c, fmt.Sprintf(`CREATE TABLE %s (id BIGINT, name STRING NOT NULL, CONSTRAINT positive CHECK (id > 0))
					WITH ('connector' = 'kafka', 'topic' = '%s', 'format' = '%s', 'error.policy' = '%s')`, table, table, format, policy))
				exec(t, c, fmt.Sprintf(`CREATE MATERIALIZED VIEW %s_ids AS SELECT id FROM %s`, table, table))
				exec(t, c, fmt.Sprintf(`INSERT INTO %s VALUES (1, 'first')`, table))
				// A writer through riffle is refused what a reader would
				// find bad.
				if _, err := c.Exec(context.Background(), fmt.Sprintf(`INSERT INTO %s VALUES (-1, 'no')`, table)); err == nil ||
					!strings.Contains(err.Error(), `violates check constraint "positive" (SQLSTATE 23514)`) {
					t.Fatalf("INSERT breaking the CHECK: %v", err)
				}
				exec(t, c, `FLUSH`)
				var bad [][]byte
				for _, bc := range badRecordCases {
					if bc.kind == kind {
						bad = append(bad, bc.value(t, n))
					}
				}
				produceRecords(t, n, table, values(bad...)...)
				exec(t, c, fmt.Sprintf(`INSERT INTO %s VALUES (2, 'last')`, table))
				view := table + "_ids"
				if policy == "fail" {
					state, msg := waitQueryState(t, c, view, "FAILED")
					want := fmt.Sprintf("bad record in table %s (topic %s, partition 0, offset 1)", table, table)
					if !strings.Contains(msg, want) {
						t.Fatalf("%s: %s, error %q does not name the record (%s)", view, state, msg, want)
					}
					exec(t, c, fmt.Sprintf(`ALTER TABLE %s SET ('error.policy' = 'dead-letter')`, table))
				}
				exec(t, c, `FLUSH`)
				equal(t, view, rows(t, c, `SELECT id FROM `+view+` ORDER BY id`), "1", "2")
				if got := badRecords(t, c, view); got != int64(len(bad)) {
					t.Fatalf("%s: %d bad records counted, want %d", view, got, len(bad))
				}
				dead := readTopic(t, n, table+".dead-letter")
				if policy == "skip" {
					if len(dead) != 0 {
						t.Fatalf("%s: skip wrote %d dead letters", table, len(dead))
					}
					continue
				}
				if len(dead) != len(bad) {
					t.Fatalf("%s: %d dead letters, want %d", table, len(dead), len(bad))
				}
				// The dead letters read back with SQL: the raw value, and the
				// headers and key as metadata columns.
				exec(t, c, fmt.Sprintf(`CREATE TABLE %s_dead (v BYTES, k BYTES METADATA FROM 'key' VIRTUAL,
					h MAP<STRING, STRING> METADATA FROM 'headers' VIRTUAL, src STRING METADATA FROM 'topic' VIRTUAL)
					WITH ('connector' = 'kafka', 'topic' = '%s.dead-letter', 'format' = 'raw')`, table, table))
				var want []string
				for i := range bad {
					want = append(want, fmt.Sprintf("%s|%d|<nil>|%s.dead-letter|%v", table, i+1, table, bad[i]))
				}
				equal(t, "dead letters with SQL", rows(t, c, fmt.Sprintf(`SELECT h['riffle.table'], h['riffle.offset'], k, src, v
					FROM %s_dead ORDER BY h['riffle.offset']`, table)), want...)
				for i, r := range dead {
					h := map[string]string{}
					for _, x := range r.Headers {
						h[x.Key] = string(x.Value)
					}
					if string(r.Value) != string(bad[i]) || h["riffle.table"] != table || h["riffle.topic"] != table ||
						h["riffle.partition"] != "0" || h["riffle.offset"] != fmt.Sprint(i+1) || h["riffle.error"] == "" ||
						!strings.HasPrefix(h["riffle.query"], "q") {
						t.Fatalf("%s: dead letter %d is %q with headers %v, want the record at offset %d as read", table, i, r.Value, h, i+1)
					}
				}
			}
		})
	}
}

// waitQueryState waits until the query maintaining view is in state and
// returns its state and error.
func waitQueryState(t *testing.T, c *pgx.Conn, view, state string) (string, string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if q := viewQuery(t, c, view); q != nil && q["state"] == state {
			return state, fmt.Sprint(q["error"])
		}
		if time.Now().After(deadline) {
			t.Fatalf("the query of %s did not become %s: %q", view, state, rows(t, c, `SHOW QUERIES`))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// readTopic reads every committed record of topic (none if it does not
// exist).
func readTopic(t *testing.T, n *Node, topic string) []kafka.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cl, err := kafka.Connect(ctx, n.KafkaBrokers())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	end, err := cl.EndOffsets(ctx, topic)
	if err != nil {
		return nil // no such topic
	}
	recs, err := kafka.ReadRange(ctx, cl, topic, nil, end)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestWritableMetadata writes a record's key and headers from metadata
// columns, and reads them back as metadata and with a plain Kafka client.
func TestWritableMetadata(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, `CREATE TABLE notes (body STRING, k STRING METADATA FROM 'key', hs MAP<STRING, STRING> METADATA FROM 'headers',
		part INT METADATA FROM 'partition' VIRTUAL, tt STRING METADATA FROM 'timestamp-type' VIRTUAL)
		WITH ('connector' = 'kafka', 'topic' = 'notes', 'format' = 'json')`)
	exec(t, c, `INSERT INTO notes VALUES ('hello', 'user-7', MAP['trace', 'abc', 'tenant', 'x']), ('bare', NULL, NULL)`)
	equal(t, "read back", rows(t, c, `SELECT body, k, hs['trace'], hs['tenant'], part, tt FROM notes ORDER BY body`),
		"bare|<nil>|<nil>|<nil>|0|CreateTime", "hello|user-7|abc|x|0|CreateTime")
	recs := readTopic(t, n, "notes")
	if len(recs) != 2 || string(recs[0].Key) != "user-7" || len(recs[0].Headers) != 2 ||
		recs[0].Headers[0].Key != "trace" || string(recs[0].Headers[0].Value) != "abc" || string(recs[0].Value) != `{"body":"hello"}` || recs[1].Key != nil {
		t.Fatalf("records: %+v", recs)
	}
}
