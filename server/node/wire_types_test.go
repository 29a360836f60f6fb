package node

import (
	"context"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// TestWireTypesBinary round-trips a value of every type riffle stores
// through pgx in the binary format: Describe infers each parameter's type
// from the column it is inserted into (ParameterDescription), so pgx sends
// binary parameters, and it asks for binary results for every OID it
// knows.
func TestWireTypesBinary(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	ctx := context.Background()
	exec(t, c, `CREATE TABLE ty (b BOOLEAN, i2 SMALLINT, i4 INT, i8 BIGINT, f4 FLOAT, f8 DOUBLE, num DECIMAL(12,3),
		s STRING, vc VARCHAR(10), bs BYTES, d DATE, tm TIME(6), ts TIMESTAMP(6), tz TIMESTAMP_LTZ(6),
		ids INTERVAL DAY TO SECOND, iym INTERVAL YEAR TO MONTH, j JSON)`)

	insert := `INSERT INTO ty VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`
	sd, err := c.Prepare(ctx, "ins", insert)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(sd.ParamOIDs))
	for i, oid := range sd.ParamOIDs {
		typ, ok := c.TypeMap().TypeForOID(oid)
		if !ok {
			t.Fatalf("parameter $%d: unknown OID %d", i+1, oid)
		}
		names[i] = typ.Name
	}
	if got := strings.Join(names, " "); got != "bool int2 int4 int8 float4 float8 numeric text varchar bytea date time timestamp timestamptz interval interval json" {
		t.Errorf("ParameterDescription: %s", got)
	}

	when := time.Date(2024, 2, 29, 13, 14, 15, 123456000, time.UTC)
	var num pgtype.Numeric
	if err := num.Scan("-1234.567"); err != nil {
		t.Fatal(err)
	}
	args := []any{true, int16(-7), int32(123456), int64(1) << 40, float32(1.5), -2.25e10, num,
		"héllo\tworld", "varchar", []byte{0, 0xde, 0xad}, pgtype.Date{Time: when.Truncate(24 * time.Hour), Valid: true},
		pgtype.Time{Microseconds: 13*3600e6 + 14*60e6 + 15e6 + 123456, Valid: true}, when, when.Add(time.Hour),
		pgtype.Interval{Days: 1, Microseconds: 3661e6, Valid: true}, pgtype.Interval{Months: 14, Valid: true},
		map[string]any{"k": []any{1.0, "two"}}}
	if _, err := c.Exec(ctx, "ins", args...); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx, "ins", make([]any, 17)...); err != nil {
		t.Fatalf("NULLs: %v", err)
	}

	// ExecModeCacheStatement (pgx's default) asks for binary results.
	rs, err := c.Query(ctx, `SELECT b, i2, i4, i8, f4, f8, num, s, vc, bs, d, tm, ts, tz, ids, iym, j FROM ty ORDER BY i4`)
	if err != nil {
		t.Fatal(err)
	}
	var formats []string
	for _, f := range rs.FieldDescriptions() {
		formats = append(formats, fmt.Sprint(f.Format))
	}
	// pgx asks for text where the binary form is the text anyway: text,
	// varchar and json.
	if got := strings.Join(formats, ""); got != "1111111"+"00"+"1111111"+"0" {
		t.Errorf("result formats %s", got)
	}
	all, err := pgx.CollectRows(rs, func(r pgx.CollectableRow) ([]any, error) { return r.Values() })
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Fatalf("%d rows", len(all))
	}
	got := fmt.Sprintf("%v", all[0])
	want := "[true -7 123456 1099511627776 1.5 -2.25e+10 {-1234567 -3 false finite true} héllo\tworld varchar [0 222 173] " +
		"2024-02-29 00:00:00 +0000 UTC {47655123456 true} 2024-02-29 13:14:15.123456 +0000 UTC 2024-02-29 14:14:15.123456 +0000 UTC " +
		"{3661000000 1 0 true} {0 0 14 true} map[k:[1 two]]]"
	if got != want {
		t.Errorf("binary round trip\n got %s\nwant %s", got, want)
	}
	for i, v := range all[1] {
		if v != nil {
			t.Errorf("NULL row column %d = %v", i, v)
		}
	}

	// A comparison types its parameter too.
	sd, err = c.Prepare(ctx, "sel", `SELECT s FROM ty WHERE i8 = $1 AND num > $2`)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(sd.ParamOIDs) != "[20 1700]" {
		t.Errorf("WHERE parameters: %v", sd.ParamOIDs)
	}
	var s string
	if err := c.QueryRow(ctx, "sel", int64(1)<<40, big.NewInt(-2000)).Scan(&s); err != nil || s != "héllo\tworld" {
		t.Errorf("select with binary parameters: %q %v", s, err)
	}
}
