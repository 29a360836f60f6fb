package scenario

import (
	"strings"
	"testing"
	"time"
)

func TestParseRecord(t *testing.T) {
	r, err := parseRecord(`bids key='a b' partition=2 ts='2024-01-01 00:00:01.5' (1, 'it''s, (x)', NULL)`)
	if err != nil {
		t.Fatal(err)
	}
	if r.table != "bids" || *r.key != "a b" || r.partition != 2 ||
		!r.ts.Equal(time.Date(2024, 1, 1, 0, 0, 1, 5e8, time.UTC)) ||
		strings.Join(r.tuple, "|") != `1|'it''s, (x)'|NULL` {
		t.Fatalf("%+v", r)
	}
	r, err = parseRecord(`bids ts=1704067200000 raw '{not json'`)
	if err != nil || *r.raw != "{not json" || r.ts.UnixMilli() != 1704067200000 || r.key != nil || r.partition != -1 {
		t.Fatalf("%+v %v", r, err)
	}
	for _, bad := range []string{`bids`, `bids (1`, `bids color=red (1)`, `bids partition=x (1)`, `bids raw x`, `bids ('a)`} {
		if _, err := parseRecord(bad); err == nil {
			t.Errorf("%s: want an error", bad)
		}
	}
}

func TestJSONRecord(t *testing.T) {
	b, err := jsonRecord([]string{"a", "b", "c", "d", "e", "f"},
		[]string{"-.5", "'x\"y'", "NULL", "TRUE", "TIMESTAMP '2024-01-01 00:00:00'", "1e3"})
	want := `{"a": -0.5, "b": "x\"y", "c": null, "d": true, "e": "2024-01-01 00:00:00", "f": 1e3}`
	if err != nil || string(b) != want {
		t.Fatalf("got %s, %v\nwant %s", b, err, want)
	}
	if _, err := jsonRecord([]string{"a"}, []string{"1 + 1"}); err == nil {
		t.Fatal("an expression: want an error")
	}
	if _, err := jsonRecord([]string{"a", "b"}, []string{"1"}); err == nil {
		t.Fatal("too few values: want an error")
	}
}

func TestChangelog(t *testing.T) {
	before := []row{{"1", "'a'"}, {"2", "'b'"}, {"2", "'b'"}, {"3", "'c'"}}
	after := []row{{"1", "'a'"}, {"2", "'b'"}, {"3", "'z'"}, {"4", "'d'"}}
	render := func(cs []change) string {
		var lines []string
		for _, c := range cs {
			lines = append(lines, c.op+" "+c.row.String())
		}
		return strings.Join(lines, "\n")
	}
	if got, want := render(changelog(before, after, nil)),
		"-D (2, 'b')\n-D (3, 'c')\n+I (3, 'z')\n+I (4, 'd')"; got != want {
		t.Errorf("unkeyed:\n%s\nwant\n%s", got, want)
	}
	before = []row{{"1", "'a'"}, {"2", "'b'"}, {"3", "'c'"}}
	after = []row{{"1", "'a'"}, {"3", "'z'"}, {"4", "'d'"}}
	if got, want := render(changelog(before, after, []int{0})),
		"-D (2, 'b')\n-U (3, 'c')\n+U (3, 'z')\n+I (4, 'd')"; got != want {
		t.Errorf("keyed:\n%s\nwant\n%s", got, want)
	}
	if dups := duplicateKeys([]row{{"1", "'a'"}, {"1", "'b'"}}, []int{0}); len(dups) != 1 {
		t.Errorf("duplicate keys: %v", dups)
	}
}

func TestRenderValue(t *testing.T) {
	for _, c := range []struct {
		v    []byte
		oid  uint32
		want string
	}{
		{nil, 25, "NULL"}, {[]byte("it's"), 25, "'it''s'"}, {[]byte("t"), 16, "true"},
		{[]byte("1.50"), 1700, "1.50"}, {[]byte("-3"), 20, "-3"}, {[]byte("2024-01-01 00:00:00"), 1114, "'2024-01-01 00:00:00'"},
	} {
		if got := renderValue(c.v, c.oid); got != c.want {
			t.Errorf("renderValue(%q, %d) = %s, want %s", c.v, c.oid, got, c.want)
		}
	}
}

func TestParseOutput(t *testing.T) {
	o, ok := parseOutput("CREATE MATERIALIZED VIEW V (a, b) AS SELECT x, y FROM t;")
	if !ok || o.name != "v" || o.fresh != "CREATE MATERIALIZED VIEW V__fresh (a, b) AS SELECT x, y FROM t" {
		t.Errorf("view: %+v", o)
	}
	o, ok = parseOutput("insert into sink\nselect a from t")
	if !ok || o.name != "sink" || o.fresh != "CREATE MATERIALIZED VIEW sink__fresh AS select a from t" {
		t.Errorf("sink: %+v", o)
	}
	o, ok = parseOutput("INSERT INTO sink (a) SELECT a FROM t")
	if !ok || o.name != "sink" || o.fresh != "" {
		t.Errorf("sink with columns: %+v", o)
	}
}

func TestParseDelete(t *testing.T) {
	r, err := parseRecord(`users key='{"id": 1}' delete (1, 'a')`)
	if err != nil || !r.del || *r.key != `{"id": 1}` || strings.Join(r.tuple, "|") != "1|'a'" {
		t.Fatalf("%+v %v", r, err)
	}
	if _, err := parseRecord(`users delete 1`); err == nil {
		t.Error("delete without a tuple: want an error")
	}
}

func TestEncodeUpsert(t *testing.T) {
	tb := &tableInfo{cols: []string{"id", "name", "n"}, pk: []int{0}}
	key, val, err := tb.encode(record{tuple: []string{"2", "'x'", "NULL"}})
	if err != nil || string(key) != `{"id": 2}` || string(val) != `{"id": 2, "name": "x", "n": null}` {
		t.Fatalf("json key: %s %s %v", key, val, err)
	}
	key, val, err = tb.encode(record{del: true, tuple: []string{"2"}})
	if err != nil || string(key) != `{"id": 2}` || val != nil {
		t.Fatalf("tombstone: %s %s %v", key, val, err)
	}
	tb = &tableInfo{cols: []string{"k", "v"}, pk: []int{0}, rawKey: true, exceptKey: true}
	key, val, err = tb.encode(record{tuple: []string{"'BB'", "2"}})
	if err != nil || string(key) != "BB" || string(val) != `{"v": 2}` {
		t.Fatalf("raw key, EXCEPT_KEY: %s %s %v", key, val, err)
	}
	k := "override"
	if key, _, _ = tb.encode(record{key: &k, tuple: []string{"'BB'", "2"}}); string(key) != "override" {
		t.Fatalf("key= wins: %s", key)
	}
	if _, _, err = (&tableInfo{cols: []string{"a"}}).encode(record{del: true, tuple: []string{"1"}}); err == nil {
		t.Fatal("delete on an append-only table: want an error")
	}
	if _, _, err = tb.encode(record{del: true, tuple: []string{"'a'", "1"}}); err == nil {
		t.Fatal("delete with too many key values: want an error")
	}
}

func TestGlobalKeyChangelog(t *testing.T) {
	var lines []string
	for _, c := range changelog([]row{{"0", "NULL"}}, []row{{"2", "5"}}, []int{}) {
		lines = append(lines, c.op+" "+c.row.String())
	}
	if got, want := strings.Join(lines, "\n"), "-U (0, NULL)\n+U (2, 5)"; got != want {
		t.Errorf("global aggregate:\n%s\nwant\n%s", got, want)
	}
}

func TestPlanKey(t *testing.T) {
	line := "└─ Project plate#0 AS plate, a[1] AS x  [retract, key=(plate, x)] (plate, x)"
	m := planKey.FindAllStringSubmatch(line, -1)
	if len(m) != 1 || m[0][1] != "plate, x" {
		t.Fatalf("%q", m)
	}
	if m := planKey.FindAllStringSubmatch("└─ Scan t [TABLE]  [append-only] (a)", -1); m != nil {
		t.Fatalf("append-only: %q", m)
	}
	if m := planKey.FindAllStringSubmatch("└─ Project c  [retract, key=()] (c)", -1); len(m) != 1 || m[0][1] != "" {
		t.Fatalf("global: %q", m)
	}
}

func TestNormalizeNumbers(t *testing.T) {
	a, b := normalizeNumbers(
		[]row{{"'x'", "85.250000", "0.666667", "3"}},
		[]row{{"'x'", "85.2500000000000000", "0.66666666666666666667", "3"}})
	if a[0].String() != b[0].String() || a[0].String() != "('x', 85.250000, 0.666667, 3)" {
		t.Fatalf("%s vs %s", a[0], b[0])
	}
	a, b = normalizeNumbers([]row{{"1.5"}}, []row{{"1.6"}})
	if a[0].String() == b[0].String() {
		t.Fatal("1.5 and 1.6 must differ")
	}
}

func TestPGType(t *testing.T) {
	for in, want := range map[string]string{
		"STRING": "text", "DECIMAL(10, 2)": "numeric(10, 2)", "INT": "integer", "BIGINT": "BIGINT",
		"TIMESTAMP(3)": "TIMESTAMP(3)", "TIMESTAMP_LTZ(3)": "timestamptz(3)", "DOUBLE": "double precision",
		"VARCHAR(5)": "VARCHAR(5)", "BOOLEAN": "BOOLEAN",
	} {
		if got := pgType(in); got != want {
			t.Errorf("pgType(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestRawIntegerKey(t *testing.T) {
	tb := &tableInfo{cols: []string{"id", "v"}, pk: []int{0}, rawKey: true, rawWidth: 4}
	key, _, err := tb.encode(record{tuple: []string{"258", "1"}})
	if err != nil || string(key) != "\x00\x00\x01\x02" {
		t.Fatalf("%q %v", key, err)
	}
}
