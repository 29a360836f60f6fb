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
