package node

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestFilesystemBadRecords reads a file with a bad line through the
// gateway: a table whose error policy is fail answers 22P02 naming the
// file and line, for a one-shot SELECT and for a continuous query alike; a
// table that skips reads the other lines.
func TestFilesystemBadRecords(t *testing.T) {
	files := t.TempDir()
	if err := os.WriteFile(filepath.Join(files, "rates.csv"), []byte("USD,1.10\nGBP,oops\nEUR,1.00\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, "CREATE TABLE rates (currency STRING, rate DECIMAL(6, 2), PRIMARY KEY (currency) NOT ENFORCED) "+
		"WITH ('connector' = 'filesystem', 'path' = 'file://"+files+"/', 'format' = 'csv')")
	exec(t, c, "CREATE TABLE rates_lax (currency STRING, rate DECIMAL(6, 2)) "+
		"WITH ('connector' = 'filesystem', 'path' = '"+files+"/rates.csv', 'format' = 'csv')")
	if got := strings.Join(rows(t, c, "SELECT currency, rate FROM rates_lax ORDER BY currency"), " "); got != "EUR|1.00 USD|1.10" {
		t.Errorf("rates_lax: %q, want the two good lines", got)
	}
	for _, sql := range []string{"SELECT * FROM rates", "CREATE MATERIALIZED VIEW r AS SELECT * FROM rates"} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err := c.Exec(ctx, sql)
		cancel()
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "22P02" || !strings.Contains(pe.Message, "bad record in table rates (file rates.csv, line 2)") {
			t.Errorf("%s: %v, want 22P02 naming rates.csv, line 2", sql, err)
		}
	}
}

// TestFilesystemJSONPartitioned writes json rows into a partitioned
// 'filesystem' table through the gateway and reads them back: each row
// under its dt=…/ directory, the files holding the other columns as json
// lines, the partition column back from the directory name.
func TestFilesystemJSONPartitioned(t *testing.T) {
	files := t.TempDir()
	n := startNode(t, t.TempDir())
	defer n.Close()
	c := connect(t, n)
	exec(t, c, "CREATE TABLE events (id BIGINT, tags ARRAY<STRING>, dt DATE) PARTITIONED BY (dt) "+
		"WITH ('connector' = 'filesystem', 'path' = '"+files+"/events/', 'format' = 'json')")
	exec(t, c, "INSERT INTO events VALUES (1, ARRAY['a', 'b'], DATE '2024-01-01'), (2, ARRAY['c'], DATE '2024-01-02'), (3, NULL, NULL)")
	if got := strings.Join(rows(t, c, "SELECT id, CAST(dt AS STRING) FROM events ORDER BY id"), " "); got != "1|2024-01-01 2|2024-01-02 3|<nil>" {
		t.Errorf("read back: %q", got)
	}
	parts, err := filepath.Glob(filepath.Join(files, "events", "dt=2024-01-01", "part-*.json"))
	if err != nil || len(parts) != 1 {
		t.Fatalf("part files of dt=2024-01-01: %v, %v", parts, err)
	}
	b, err := os.ReadFile(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(b)); got != `{"id":1,"tags":["a","b"]}` {
		t.Errorf("file holds %s, want the row without its partition column", got)
	}
	if _, err := os.Stat(filepath.Join(files, "events", "dt=__DEFAULT_PARTITION__")); err != nil {
		t.Errorf("a NULL partition value: %v", err)
	}
}
