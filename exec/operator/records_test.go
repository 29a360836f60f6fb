package operator_test

import (
	"context"
	"encoding/binary"
	"net/http"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"riffle/catalog"
	"riffle/connectors/kafka"
	"riffle/exec/operator"
	"riffle/planner/bind"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// table binds one CREATE TABLE as an engine that hands its registry to
// the tables naming none does.
func table(t testing.TB, sql string) *catalog.Object {
	t.Helper()
	obj, err := bindTable(sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return obj
}

func bindTable(sql string) (*catalog.Object, error) {
	st, err := parse.ParseOne(sql)
	if err != nil {
		return nil, err
	}
	cat, err := catalog.Open(catalog.NewMemStore())
	if err != nil {
		return nil, err
	}
	b := &bind.Binder{Cat: cat, Src: st.Source()}
	return b.CreateTable(st.(*parse.CreateTable), bind.TableDefaults{Partitions: 1, Registry: true})
}

// text renders a row as "a|b|NULL" in PostgreSQL's text forms.
func text(s types.Schema, row types.Row) string {
	parts := make([]string, len(row))
	for i, v := range row {
		parts[i] = "NULL"
		if !v.IsNull() {
			parts[i] = types.Text(v, s.Columns[i].Type)
		}
	}
	return strings.Join(parts, "|")
}

func dec(s string) types.Value {
	d, err := types.ParseDec(s)
	if err != nil {
		panic(err)
	}
	return types.NewDecimal(d)
}

// TestRecordFormats writes rows of tables in each format with a
// RecordEncoder, checks the record's key and value bytes where they are
// readable, and reads them back with a RecordDecoder.
func TestRecordFormats(t *testing.T) {
	fake := srfake.New()
	defer fake.Close()
	regs := operator.NewRegistries(fake.URL())
	str, null := types.NewString, types.Null
	for _, c := range []struct {
		sql        string
		row        types.Row
		key, value string // the record's bytes; "-" for none, "?" unchecked
	}{
		{`CREATE TABLE t (a INT, b STRING) WITH ('format' = 'json')`,
			types.Row{types.NewInt(1), str("x")}, "-", `{"a":1,"b":"x"}`},
		{`CREATE TABLE t (a INT, b STRING, c DOUBLE) WITH ('format' = 'csv', 'csv.field-delimiter' = ';', 'csv.null-literal' = 'n/a')`,
			types.Row{types.NewInt(1), str("a;b"), null}, "-", `1;"a;b";n/a`},
		{`CREATE TABLE t (a INT, b STRING) WITH ('value.format' = 'csv', 'value.csv.field-delimiter' = '\t',
			'value.csv.disable-quote-character' = 'true', 'value.csv.escape-character' = '\')`,
			types.Row{types.NewInt(2), str("tab\there")}, "-", "2\ttab\\\there"},
		{`CREATE TABLE t (line STRING) WITH ('format' = 'raw')`, types.Row{str("hello")}, "-", "hello"},
		{`CREATE TABLE t (line STRING) WITH ('format' = 'raw')`, types.Row{null}, "-", "-"},
		{`CREATE TABLE t (a INT, b DECIMAL(10, 2), c ARRAY<STRING>, d TIMESTAMP(3)) WITH ('format' = 'avro')`,
			types.Row{types.NewInt(-3), dec("12.50"), types.Value{K: types.KArray, X: []types.Value{str("p"), null}},
				types.NewTimestamp(1_704_067_201_500_000)}, "-", "?"},
		{`CREATE TABLE t (a INT, b STRING) WITH ('format' = 'avro-confluent')`,
			types.Row{types.NewInt(5), str("five")}, "-", "?"},
		{`CREATE TABLE u (id BIGINT, k STRING, v STRING, PRIMARY KEY (id, k) NOT ENFORCED) WITH ('connector' = 'upsert-kafka',
			'key.format' = 'csv', 'key.csv.field-delimiter' = '|', 'value.format' = 'csv')`,
			types.Row{types.NewInt(7), str("x"), str("seven")}, "7|x", "7,x,seven"},
		{`CREATE TABLE u (id BIGINT, v STRING, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'upsert-kafka',
			'key.format' = 'raw', 'value.format' = 'raw', 'value.fields-include' = 'EXCEPT_KEY')`,
			types.Row{types.NewInt(258), str("v")}, "\x00\x00\x00\x00\x00\x00\x01\x02", "v"},
		{`CREATE TABLE u (id BIGINT, v STRING, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'upsert-kafka',
			'key.format' = 'avro', 'value.format' = 'json')`,
			types.Row{types.NewInt(1), str("one")}, "\x02", `{"id":1,"v":"one"}`},
		{`CREATE TABLE u (id BIGINT, v STRING, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'upsert-kafka',
			'key.format' = 'avro-confluent', 'value.format' = 'avro-confluent', 'value.avro-confluent.subject' = 'shared')`,
			types.Row{types.NewInt(1), str("one")}, "?", "?"},
	} {
		obj := table(t, c.sql)
		enc, err := operator.NewRecordEncoderWith(obj, regs)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		r, err := enc.Encode(c.row, 0, false)
		if err != nil {
			t.Fatalf("%s: encode: %v", c.sql, err)
		}
		for _, b := range []struct {
			what, want string
			got        []byte
		}{{"key", c.key, r.Key}, {"value", c.value, r.Value}} {
			if b.want == "-" && b.got != nil || b.want != "-" && b.want != "?" && string(b.got) != b.want {
				t.Errorf("%s:\n%s %q, want %q", c.sql, b.what, b.got, b.want)
			}
		}
		d, err := operator.NewRecordDecoderWith(obj, regs)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		row := make(types.Row, len(obj.Schema.Columns))
		if diff, err := d.Decode(&r, row); err != nil || diff != 1 {
			t.Fatalf("%s: decode %q/%q: diff %d, %v", c.sql, r.Key, r.Value, diff, err)
		}
		if got, want := text(obj.Schema, row), text(obj.Schema, c.row); got != want {
			t.Errorf("%s:\nread back %s, want %s", c.sql, got, want)
		}
	}
	// The avro-confluent tables registered their schemas, under
	// <topic>-value and <topic>-key unless told otherwise.
	subjects, err := mustClient(t, fake.URL()).Subjects(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(subjects, " "); got != "shared t-value u-key" {
		t.Errorf("subjects %q", got)
	}
}

func mustClient(t *testing.T, url string) *sr.Client {
	t.Helper()
	cl, err := sr.NewClient(sr.URLs(url))
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// TestRecordFormatsBadRecords checks that what a table's formats cannot
// read is a bad record (counted and skipped by the source).
func TestRecordFormatsBadRecords(t *testing.T) {
	fake := srfake.New()
	defer fake.Close()
	regs := operator.NewRegistries(fake.URL())
	for _, c := range []struct {
		sql        string
		key, value []byte
	}{
		{`CREATE TABLE t (a INT) WITH ('format' = 'json')`, nil, []byte(`{not json`)},
		{`CREATE TABLE t (a INT) WITH ('format' = 'json')`, nil, nil},
		{`CREATE TABLE t (a INT, b INT) WITH ('format' = 'csv')`, nil, []byte(`1,2,3`)},
		{`CREATE TABLE t (a INT, b INT) WITH ('format' = 'csv')`, nil, []byte(`1,two`)},
		{`CREATE TABLE t (a BIGINT) WITH ('format' = 'raw')`, nil, []byte{1, 2, 3}},
		{`CREATE TABLE t (a INT, b STRING) WITH ('format' = 'avro')`, nil, []byte{0x02, 0x09}},
		{`CREATE TABLE t (a INT) WITH ('format' = 'avro-confluent')`, nil, []byte(`{"a": 1}`)},
		{`CREATE TABLE t (a INT) WITH ('format' = 'avro-confluent')`, nil, []byte{0, 0, 0, 0, 99, 2}},
		{`CREATE TABLE u (id BIGINT, v STRING, PRIMARY KEY (id) NOT ENFORCED)`, nil, []byte(`{"v": "x"}`)},
		{`CREATE TABLE u (id BIGINT, v STRING, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'upsert-kafka',
			'key.format' = 'raw')`, []byte{1, 2}, []byte(`{"v": "x"}`)},
		{`CREATE TABLE u (id BIGINT, v STRING, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'upsert-kafka',
			'key.format' = 'csv')`, []byte(`one`), []byte(`{"v": "x"}`)},
	} {
		obj := table(t, c.sql)
		d, err := operator.NewRecordDecoderWith(obj, regs)
		if err != nil {
			t.Fatal(err)
		}
		row := make(types.Row, len(obj.Schema.Columns))
		_, err = d.Decode(&kafka.Record{Key: c.key, Value: c.value}, row)
		if err == nil || !operator.IsBadRecord(err) {
			t.Errorf("%s: record %q/%q: want a bad record, got %v", c.sql, c.key, c.value, err)
		}
	}
}

// TestRecordFormatsRegistryDown checks that a registry that cannot be
// reached is not a bad record: the reader must stop rather than skip the
// record; and that a writer fails with 08006 and tries again next time.
func TestRecordFormatsRegistryDown(t *testing.T) {
	fake := srfake.New()
	url := fake.URL()
	fake.Close()
	obj := table(t, `CREATE TABLE t (a INT) WITH ('format' = 'avro-confluent', 'avro-confluent.url' = '`+url+`')`)
	d := operator.NewRecordDecoder(obj) // names its registry: needs no Registries
	row := make(types.Row, 1)
	_, err := d.Decode(&kafka.Record{Value: []byte{0, 0, 0, 0, 1, 2}}, row)
	if err == nil || operator.IsBadRecord(err) {
		t.Errorf("decode with the registry down: want an error that is not a bad record, got %v", err)
	}
	enc := operator.NewRecordEncoder(obj)
	for range 2 {
		_, err = enc.Encode(types.Row{types.NewInt(1)}, 0, false)
		if e, ok := sqlerr.As(err); !ok || e.Code != sqlerr.ConnectionFailure {
			t.Errorf("encode with the registry down: want 08006, got %v", err)
		}
	}

	// A table that names no registry, read without an engine's Registries.
	obj = table(t, `CREATE TABLE t (a INT) WITH ('format' = 'avro-confluent')`)
	if _, err := operator.NewRecordDecoderWith(obj, operator.NewRegistries("")); err == nil {
		t.Error("a table naming no registry built a decoder without a default registry")
	}
	if _, err := operator.NewRecordDecoder(obj).Decode(&kafka.Record{Value: []byte{0, 0, 0, 0, 1, 2}}, row); err == nil || operator.IsBadRecord(err) {
		t.Errorf("decode without a registry: want an error that is not a bad record, got %v", err)
	}
}

// TestRecordFormatsIncompatibleSchema checks that a table whose schema the
// registry refuses under its subject cannot be written, with 42P16. srfake
// checks no compatibility, so the refusal is a Confluent registry's answer
// played back.
func TestRecordFormatsIncompatibleSchema(t *testing.T) {
	fake := srfake.New()
	defer fake.Close()
	fake.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodPost || r.URL.Path != "/subjects/t-value/versions" {
			return false
		}
		w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
		w.WriteHeader(http.StatusConflict)
		_, _ = w.Write([]byte(`{"error_code": 409, "message": "Schema being registered is incompatible with an earlier schema"}`))
		return true
	})
	obj := table(t, `CREATE TABLE t (a INT NOT NULL) WITH ('format' = 'avro-confluent')`)
	enc, err := operator.NewRecordEncoderWith(obj, operator.NewRegistries(fake.URL()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = enc.Encode(types.Row{types.NewInt(1)}, 0, false)
	if e, ok := sqlerr.As(err); !ok || e.Code != sqlerr.InvalidTableDefinition {
		t.Errorf("an incompatible schema: want 42P16, got %v", err)
	}
}

// TestRecordFormatsAgreeWithBinder checks that CREATE TABLE accepts a
// column in a format exactly when exec/operator can build the format's
// codecs for it: the binder cannot import connectors/format, so it keeps
// its own copy of each format's rules.
func TestRecordFormatsAgreeWithBinder(t *testing.T) {
	regs := operator.NewRegistries("http://127.0.0.1:1") // never asked
	colTypes := []string{"BOOLEAN", "TINYINT", "INT", "BIGINT", "FLOAT", "DOUBLE", "DECIMAL(10, 2)", "STRING", "CHAR(3)",
		"BYTES", "DATE", "TIME(3)", "TIMESTAMP(6)", "TIMESTAMP_LTZ(3)", "INTERVAL DAY", "INTERVAL YEAR TO MONTH",
		"ARRAY<INT>", "MAP<STRING, INT>", "MAP<INT, STRING>", "ROW<x INT, y STRING>", "ROW<`a b` INT>", "ARRAY<INTERVAL DAY>"}
	accepted, refused := 0, 0
	for _, f := range []string{"json", "csv", "raw", "avro", "avro-confluent"} {
		for _, ct := range colTypes {
			for _, name := range []string{"c", "`my col`"} {
				for _, ddl := range []string{
					"CREATE TABLE t (" + name + " " + ct + ") WITH ('format' = '" + f + "')",
					"CREATE TABLE t (" + name + " " + ct + ", PRIMARY KEY (" + name + ") NOT ENFORCED) WITH ('connector' = 'upsert-kafka', 'key.format' = '" + f + "')",
				} {
					obj, bindErr := bindTable(ddl)
					if bindErr != nil {
						if e, ok := sqlerr.As(bindErr); !ok || e.Code != sqlerr.InvalidTableDefinition {
							t.Errorf("%s: %v", ddl, bindErr)
						}
						refused++
						continue
					}
					accepted++
					_, decErr := operator.NewRecordDecoderWith(obj, regs)
					_, encErr := operator.NewRecordEncoderWith(obj, regs)
					if decErr != nil || encErr != nil {
						t.Errorf("%s: accepted, but the codecs cannot be built: %v, %v", ddl, decErr, encErr)
					}
				}
			}
		}
	}
	t.Logf("%d tables accepted, %d refused", accepted, refused)
}

// TestRecordFormatsAllocations checks that a RecordDecoder adds no
// allocation to its formats': with no strings, decoding a record allocates
// nothing.
func TestRecordFormatsAllocations(t *testing.T) {
	fake := srfake.New()
	defer fake.Close()
	regs := operator.NewRegistries(fake.URL())
	for _, f := range []string{"json", "csv", "avro", "avro-confluent"} {
		obj := table(t, `CREATE TABLE t (a BIGINT, b DOUBLE, ts TIMESTAMP(3), p INT METADATA FROM 'partition') WITH ('format' = '`+f+`')`)
		enc, err := operator.NewRecordEncoderWith(obj, regs)
		if err != nil {
			t.Fatal(err)
		}
		r, err := enc.Encode(types.Row{types.NewInt(1), types.NewFloat(2.5), types.NewTimestamp(1_000_000)}, 0, false)
		if err != nil {
			t.Fatal(err)
		}
		d, err := operator.NewRecordDecoderWith(obj, regs)
		if err != nil {
			t.Fatal(err)
		}
		row := make(types.Row, 4)
		if _, err := d.Decode(&r, row); err != nil { // the first fetches the writer schema
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(100, func() { _, _ = d.Decode(&r, row) }); n != 0 {
			t.Errorf("%s: %.1f allocations per record", f, n)
		}
	}
	obj := table(t, `CREATE TABLE t (id BIGINT) WITH ('format' = 'raw')`)
	d, _ := operator.NewRecordDecoderWith(obj, regs)
	r := kafka.Record{Value: binary.BigEndian.AppendUint64(nil, 7)}
	row := make(types.Row, 1)
	if n := testing.AllocsPerRun(100, func() { _, _ = d.Decode(&r, row) }); n != 0 {
		t.Errorf("raw: %.1f allocations per record", n)
	}
}
