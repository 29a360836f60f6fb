package node

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestSessionTimeZone sets the session time zone every way PostgreSQL and
// Flink users write it and checks, through pgx, what PostgreSQL does: a
// ParameterStatus TimeZone after each change (RESET included), SHOW, and
// 22023 naming a zone that does not exist, which leaves the zone as it was.
func TestSessionTimeZone(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	status := func() string { return c.PgConn().ParameterStatus("TimeZone") }
	if got := status(); got != "UTC" {
		t.Fatalf("TimeZone at startup: %q, want UTC", got)
	}
	for _, s := range []struct{ set, want string }{
		{"SET TIME ZONE 'Europe/Berlin'", "Europe/Berlin"},
		{"SET timezone = 'America/New_York'", "America/New_York"},
		{"SET TimeZone TO 'Asia/Kolkata'", "Asia/Kolkata"},
		{"SET 'table.local-time-zone' = 'Asia/Shanghai'", "Asia/Shanghai"},
		{"SET TIME ZONE '+02:00'", "+02:00"},
		{"SET TIME ZONE LOCAL", "UTC"},
		{"SET TIME ZONE 'Europe/Berlin'", "Europe/Berlin"},
	} {
		exec(t, c, s.set)
		if got := status(); got != s.want {
			t.Errorf("%s: ParameterStatus TimeZone %q, want %q", s.set, got, s.want)
		}
		equal(t, s.set+"; SHOW timezone", rows(t, c, "SHOW timezone"), s.want)
	}
	pe := pgErr(t, c, "SET TIME ZONE 'Mars/Olympus_Mons'")
	if pe.Code != "22023" || !strings.Contains(pe.Message, "Mars/Olympus_Mons") {
		t.Errorf("bad zone: %s %s", pe.Code, pe.Message)
	}
	equal(t, "zone after a bad SET", rows(t, c, "SHOW TIME ZONE"), "Europe/Berlin")
	exec(t, c, "RESET timezone")
	if got := status(); got != "UTC" {
		t.Errorf("RESET timezone: ParameterStatus TimeZone %q, want UTC", got)
	}
	exec(t, c, "SET 'table.local-time-zone' = 'Asia/Tokyo'")
	exec(t, c, "RESET 'table.local-time-zone'")
	equal(t, "after RESET 'table.local-time-zone'", rows(t, c, "SHOW timezone"), "UTC")
}

// TestTimestampLTZWire checks that a TIMESTAMP_LTZ (timestamptz) is an
// instant on the wire: pgx's binary round trip gives back the same
// instant in any session zone (microseconds since 2000-01-01 UTC), while
// the text format, what psql shows, renders it in the session zone. It
// also checks the functions whose value follows the zone.
func TestTimestampLTZWire(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	ctx := context.Background()
	exec(t, c, "CREATE TABLE ev (id INT, at TIMESTAMP_LTZ(6))")
	exec(t, c, "SET TIME ZONE 'Europe/Berlin'")
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	// 02:30 on 31 March 2024 does not exist in Berlin; 01:30 UTC is 03:30 CEST.
	when := time.Date(2024, 3, 31, 3, 30, 0, 123456000, berlin)
	if _, err := c.Exec(ctx, "INSERT INTO ev VALUES ($1, $2)", 1, when); err != nil {
		t.Fatal(err)
	}
	exec(t, c, "INSERT INTO ev VALUES (2, '2024-03-31 01:59:59')") // text without an offset: Berlin's wall clock (CET)
	for _, zone := range []string{"Europe/Berlin", "Asia/Shanghai", "UTC"} {
		exec(t, c, "SET TIME ZONE '"+zone+"'")
		var got time.Time
		if err := c.QueryRow(ctx, "SELECT at FROM ev WHERE id = 1").Scan(&got); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(when) {
			t.Errorf("%s: binary round trip gave %v, want %v", zone, got, when)
		}
	}
	text := func(sql string) string {
		t.Helper()
		var s string
		if err := c.QueryRow(ctx, sql, pgx.QueryExecModeSimpleProtocol).Scan(&s); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return s
	}
	for _, x := range []struct{ zone, sql, want string }{
		{"Europe/Berlin", "SELECT at FROM ev WHERE id = 1", "2024-03-31 03:30:00.123456+02"},
		{"Europe/Berlin", "SELECT at FROM ev WHERE id = 2", "2024-03-31 01:59:59+01"},
		{"Asia/Shanghai", "SELECT at FROM ev WHERE id = 1", "2024-03-31 09:30:00.123456+08"},
		{"UTC", "SELECT at FROM ev WHERE id = 2", "2024-03-31 00:59:59+00"},
		{"Asia/Shanghai", "SELECT CAST(at AS TIMESTAMP) FROM ev WHERE id = 2", "2024-03-31 08:59:59"},
		{"Asia/Shanghai", "SELECT TO_TIMESTAMP_LTZ(1700000000, 0)", "2023-11-15 06:13:20+08"},
		{"Asia/Shanghai", "SELECT TO_TIMESTAMP_LTZ(1700000000123, 3)", "2023-11-15 06:13:20.123+08"},
		{"Asia/Shanghai", "SELECT FROM_UNIXTIME(1700000000)", "2023-11-15 06:13:20"},
		{"Asia/Shanghai", "SELECT UNIX_TIMESTAMP('2023-11-15 06:13:20')", "1700000000"},
		{"UTC", "SELECT UNIX_TIMESTAMP('2023-11-15 06:13:20')", "1700028800"},
		{"Asia/Shanghai", "SELECT DATE_FORMAT(TO_TIMESTAMP_LTZ(1700000000, 0), 'yyyy-MM-dd HH:mm')", "2023-11-15 06:13"},
		{"America/New_York", "SELECT EXTRACT(DAY FROM TO_TIMESTAMP_LTZ(1700000000, 0))", "14"},
	} {
		exec(t, c, "SET TIME ZONE '"+x.zone+"'")
		if got := text(x.sql); got != x.want {
			t.Errorf("in %s, %s: got %s, want %s", x.zone, x.sql, got, x.want)
		}
	}
	pe := pgErr(t, c, "SELECT TO_TIMESTAMP_LTZ(1, 6)")
	if pe.Code != "22023" {
		t.Errorf("TO_TIMESTAMP_LTZ(1, 6): %s %s", pe.Code, pe.Message)
	}

	// LOCALTIMESTAMP is the wall clock of the zone, CURRENT_TIMESTAMP the
	// instant: in a fixed +05:00 they differ by five hours.
	exec(t, c, "SET TIME ZONE '+05:00'")
	var now, local time.Time
	if err := c.QueryRow(ctx, "SELECT CURRENT_TIMESTAMP, LOCALTIMESTAMP").Scan(&now, &local); err != nil {
		t.Fatal(err)
	}
	wall := time.Date(local.Year(), local.Month(), local.Day(), local.Hour(), local.Minute(), local.Second(), local.Nanosecond(), time.UTC)
	if d := wall.Sub(now) - 5*time.Hour; d < -time.Minute || d > time.Minute {
		t.Errorf("LOCALTIMESTAMP %v is not CURRENT_TIMESTAMP %v in +05:00", local, now)
	}
}

// TestQueryKeepsZone checks that a continuous query keeps the zone of the
// session that created it, and says so in SHOW CREATE.
func TestQueryKeepsZone(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, `CREATE TABLE clicks (page STRING, ts TIMESTAMP_LTZ(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
		WITH ('connector' = 'kafka', 'topic' = 'clicks', 'format' = 'json')`)
	exec(t, c, "SET 'table.local-time-zone' = 'Asia/Shanghai'")
	exec(t, c, `CREATE MATERIALIZED VIEW daily AS SELECT window_start, COUNT(*) AS n
		FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' DAY)) GROUP BY window_start, window_end`)
	// The aggregate computes its group key and arguments itself (no
	// projection below it): they read the zone too.
	exec(t, c, `CREATE MATERIALIZED VIEW per_day AS SELECT DATE_FORMAT(ts, 'yyyy-MM-dd') AS d, COUNT(*) AS n,
		MAX(HOUR(ts)) AS last_hour FROM clicks GROUP BY DATE_FORMAT(ts, 'yyyy-MM-dd')`)
	exec(t, c, "RESET timezone")
	got := rows(t, c, "SHOW CREATE MATERIALIZED VIEW daily")
	if len(got) != 1 || !strings.HasPrefix(got[0], "SET 'table.local-time-zone' = 'Asia/Shanghai';\nCREATE MATERIALIZED VIEW daily") {
		t.Errorf("SHOW CREATE: %q", got)
	}
	produce(t, n, "clicks", `{"page":"a","ts":"2024-01-01 15:59:59Z"}`, `{"page":"b","ts":"2024-01-01 16:00:00Z"}`,
		`{"page":"c","ts":"2024-01-03 00:00:00Z"}`)
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := rows(t, c, "SELECT CAST(window_start AS STRING), n FROM daily")
		if strings.Join(got, ",") == "2024-01-01 00:00:00|1,2024-01-02 00:00:00|1" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("daily windows in Asia/Shanghai: %q", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	exec(t, c, "FLUSH")
	equal(t, "days in Asia/Shanghai", sorted(rows(t, c, "SELECT d, n, last_hour FROM per_day")),
		"2024-01-01|1|23", "2024-01-02|1|0", "2024-01-03|1|8")
}
