package pipeline

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestApply deploys the example pipeline to a riffle running in process,
// over the Postgres protocol, and changes it as a team would.
//
// The copy reads bids from the topic's latest offset: a query rebuilt from
// the topic would then start from nothing, so counts that go on after a
// replace prove that the state carried over.
func TestApply(t *testing.T) {
	n, c := startNode(t)
	bids, err := os.ReadFile(filepath.Join(example, "tables", "bids.sql"))
	if err != nil {
		t.Fatal(err)
	}
	latest := strings.Replace(string(bids), "'format' = 'json'", "'format' = 'json', 'scan.startup.mode' = 'latest-offset'", 1)
	dir := copyExample(t, map[string]string{"tables/bids.sql": latest})
	inGit := gitCommitAll(t, dir)

	// A dry run prints the plan and changes nothing.
	code, out := apply(t, n, dir, ApplyOptions{DryRun: true})
	mustContain(t, "dry run", out, "+ table bids", "+ materialized view per_auction", "+ query insert into big_bids",
		"6 to create, 0 to replace, 0 to rebuild, 0 to drop, 0 unchanged, 0 left alone", "Dry run: nothing changed.")
	if code != 0 || len(sqlRows(t, c, "SHOW TABLES")) != 0 {
		t.Fatalf("dry run: code %d, tables %v", code, sqlRows(t, c, "SHOW TABLES"))
	}

	// Apply creates everything, in dependency order (queries/ comes
	// before tables/ in path order).
	code, out = apply(t, n, dir, ApplyOptions{})
	mustContain(t, "apply", out, "Applied 6 change(s).")
	order := regexp.MustCompile(`> (CREATE \w+( VIEW)?|INSERT INTO) (\w+)`).FindAllStringSubmatch(out, -1)
	var created []string
	for _, m := range order {
		created = append(created, m[3])
	}
	if code != 0 || !slices.Equal(created, []string{"bids", "big_bids", "valid_bids", "big_bids", "per_auction", "per_window"}) {
		t.Fatalf("apply: code %d, created %v\n%s", code, created, out)
	}
	// Every query says where it came from, and so does every object.
	queries := strings.Join(sqlRows(t, c, "SHOW QUERIES"), "\n")
	origin := regexp.MustCompile(`views/per_auction\.sql@[0-9a-f]{12}\b`)
	if !inGit {
		origin = regexp.MustCompile(`\|views/per_auction\.sql$`)
	}
	if !origin.MatchString(queries) {
		t.Errorf("SHOW QUERIES has no origin for per_auction:\n%s", queries)
	}
	if got := sqlRows(t, c, "SHOW CREATE TABLE bids"); len(got) != 1 || !strings.Contains(got[0], "|tables/bids.sql") {
		t.Errorf("SHOW CREATE TABLE bids: %v", got)
	}

	// Again: nothing to do, also once a file is laid out differently.
	edit(t, dir, map[string]string{"views/valid_bids.sql": "create view VALID_BIDS as\n\n  select auction, bidder, price, channel, ts\n  from bids\n  where price > 0 -- free bids are bugs\n"})
	code, out = apply(t, n, dir, ApplyOptions{})
	mustContain(t, "re-apply", out, "0 to create, 0 to replace, 0 to rebuild, 0 to drop, 6 unchanged", "Nothing to do.")
	if code != 0 {
		t.Fatalf("re-apply: code %d\n%s", code, out)
	}

	mustExec(t, c, "INSERT INTO bids VALUES (1, 10, 20, 'web', TIMESTAMP '2024-01-01 00:00:01'), (1, 11, 150, 'app', TIMESTAMP '2024-01-01 00:00:02')")
	mustExec(t, c, "FLUSH")
	if got := sqlRows(t, c, "SELECT * FROM per_auction"); !slices.Equal(got, []string{"1|2|150"}) {
		t.Fatalf("per_auction before the change: %v", got)
	}

	// A renamed column keeps the state layout: the view is replaced in
	// place, the sink's query too (a filter is no state), and counting
	// goes on.
	perAuction := "CREATE MATERIALIZED VIEW per_auction AS\nSELECT auction, COUNT(*) AS bids, MAX(price) AS highest\nFROM valid_bids\nGROUP BY auction;\n"
	bigBids := "INSERT INTO big_bids\nSELECT auction, bidder, price, channel FROM valid_bids WHERE price >= 25;\n"
	edit(t, dir, map[string]string{"views/per_auction.sql": perAuction, "queries/big_bids.sql": bigBids})
	code, out = apply(t, n, dir, ApplyOptions{})
	mustContain(t, "replace", out,
		"~ materialized view per_auction  replace, state carries over: same state layout",
		"~ query insert into big_bids     replace, state carries over", "> CREATE OR REPLACE MATERIALIZED VIEW per_auction",
		"restarted query q2; its state carried over", "Applied 2 change(s).")
	if code != 0 {
		t.Fatalf("replace: code %d\n%s", code, out)
	}
	mustExec(t, c, "INSERT INTO bids VALUES (1, 12, 30, 'web', TIMESTAMP '2024-01-01 00:00:12')")
	mustExec(t, c, "FLUSH")
	if got := sqlRows(t, c, "SELECT auction, bids, highest FROM per_auction"); !slices.Equal(got, []string{"1|3|150"}) {
		t.Fatalf("per_auction after a compatible change: %v, want 1|3|150 (state carried over)", got)
	}
	if got := sqlRows(t, c, "SELECT price FROM big_bids"); !slices.Equal(got, []string{"150", "30"}) {
		t.Fatalf("big_bids after its query changed: %v (each result once)", got)
	}

	// A plain view keeps no state: it is replaced, and the queries
	// reading it restart on theirs.
	edit(t, dir, map[string]string{"views/valid_bids.sql": "CREATE VIEW valid_bids AS\nSELECT auction, bidder, price, channel, ts FROM bids WHERE price > 1;\n"})
	code, out = apply(t, n, dir, ApplyOptions{})
	mustContain(t, "view", out, "~ view valid_bids replace: a view keeps no state", "> CREATE OR REPLACE VIEW valid_bids", "Applied 1 change(s).")
	if code != 0 {
		t.Fatalf("view change: code %d\n%s", code, out)
	}
	mustExec(t, c, "INSERT INTO bids VALUES (1, 13, 1, 'web', TIMESTAMP '2024-01-01 00:00:13'), (1, 14, 40, 'web', TIMESTAMP '2024-01-01 00:00:14')")
	mustExec(t, c, "FLUSH")
	if got := sqlRows(t, c, "SELECT auction, bids, highest FROM per_auction"); !slices.Equal(got, []string{"1|4|150"}) {
		t.Fatalf("per_auction after its view changed: %v, want 1|4|150", got)
	}

	// A view whose columns a materialized view reads cannot change them
	// in place: it is dropped and created again with its readers.
	edit(t, dir, map[string]string{"views/valid_bids.sql": "CREATE VIEW valid_bids AS\nSELECT auction, bidder, price, channel, ts, 1 AS one FROM bids WHERE price > 1;\n"})
	if code, out = apply(t, n, dir, ApplyOptions{DryRun: true}); code != 0 {
		t.Fatalf("dry run: code %d\n%s", code, out)
	}
	mustContain(t, "columns", out, "! view valid_bids rebuild: its columns change, and materialized view per_auction reads them",
		"! materialized view per_auction rebuild, state cannot be migrated: it reads valid_bids, which is dropped and created again")
	edit(t, dir, map[string]string{"views/valid_bids.sql": "CREATE VIEW valid_bids AS\nSELECT auction, bidder, price, channel, ts FROM bids WHERE price > 1;\n"})

	// A changed aggregate cannot keep its state: apply refuses without
	// the flag (changing nothing), and says why.
	perWindow, _ := os.ReadFile(filepath.Join(dir, "views", "per_window.sql"))
	edit(t, dir, map[string]string{"views/per_window.sql": strings.Replace(string(perWindow), "COUNT(*) AS n", "COUNT(*) AS n, MAX(price) AS top", 1)})
	code, out = apply(t, n, dir, ApplyOptions{})
	mustContain(t, "breaking", out, "! materialized view per_window", "rebuild, state cannot be migrated",
		"aggs=(count(*)) became Aggregate", "table bids is read from its latest offset",
		"BREAKING: needs --allow-breaking per_window", "Nothing changed: 1 breaking change(s)")
	if code != 1 || strings.Contains(sqlRows(t, c, "SHOW CREATE MATERIALIZED VIEW per_window")[0], "MAX") {
		t.Fatalf("breaking change without the flag: code %d\n%s", code, out)
	}
	// Something made by hand that reads it is in the way of the drop.
	mustExec(t, c, "CREATE VIEW handmade AS SELECT channel, n FROM per_window")
	code, out = apply(t, n, dir, ApplyOptions{AllowBreaking: []string{"per_window"}})
	mustContain(t, "in the way", out, "? view handmade keep: not in the directory, and it reads per_window, which is dropped and created again",
		"BLOCKS THE PLAN", "Nothing changed: view handmade is in the way")
	if code != 1 {
		t.Fatalf("blocked: code %d\n%s", code, out)
	}
	mustExec(t, c, "DROP VIEW handmade")

	code, out = apply(t, n, dir, ApplyOptions{AllowBreaking: []string{"per_window"}})
	mustContain(t, "allowed", out, "BREAKING, allowed", `> DROP MATERIALIZED VIEW "per_window"`, "> CREATE MATERIALIZED VIEW per_window")
	if code != 0 || !strings.Contains(sqlRows(t, c, "SHOW CREATE MATERIALIZED VIEW per_window")[0], "MAX") {
		t.Fatalf("breaking change with the flag: code %d\n%s", code, out)
	}

	// What someone created by hand is left alone, unless --prune.
	mustExec(t, c, "CREATE VIEW adhoc AS SELECT auction FROM per_auction")
	code, out = apply(t, n, dir, ApplyOptions{})
	mustContain(t, "keep", out, "? view adhoc", "keep: not in the directory; --prune drops it", "Nothing to do.")
	if code != 0 || len(sqlRows(t, c, "SHOW VIEWS")) != 2 {
		t.Fatalf("without --prune: code %d, views %v\n%s", code, sqlRows(t, c, "SHOW VIEWS"), out)
	}
	code, out = apply(t, n, dir, ApplyOptions{Prune: true})
	mustContain(t, "prune", out, "- view adhoc", `> DROP VIEW "adhoc"`, "Applied 1 change(s).")
	if got := sqlRows(t, c, "SHOW VIEWS"); code != 0 || !slices.Equal(got, []string{"valid_bids"}) {
		t.Fatalf("--prune: code %d, views %v\n%s", code, got, out)
	}

	// A statement the server refuses stops apply there, at its file.
	edit(t, dir, map[string]string{"tables/missing.sql": "CREATE TABLE missing (a INT)\nWITH ('connector' = 'kafka', 'topic' = 'nowhere', 'format' = 'json', 'topic.auto-create' = 'false');\n"})
	code, out = apply(t, n, dir, ApplyOptions{})
	mustContain(t, "refused", out, "> CREATE TABLE missing", filepath.Join(dir, "tables/missing.sql")+`:1:1: topic "nowhere" does not exist (SQLSTATE 42704)`,
		"Apply stopped; the steps before this one were applied.")
	if code != 1 {
		t.Fatalf("refused statement: code %d\n%s", code, out)
	}
	edit(t, dir, map[string]string{"tables/missing.sql": ""})

	// A file that does not check stops apply before it connects.
	edit(t, dir, map[string]string{"views/broken.sql": "CREATE VIEW broken AS SELECT nope FROM bids;\n"})
	code, out = apply(t, n, dir, ApplyOptions{})
	mustContain(t, "broken", out, filepath.Join(dir, "views/broken.sql")+`:1:30: column "nope" does not exist (SQLSTATE 42703)`, "nothing applied")
	if code != 1 {
		t.Fatalf("broken file: code %d", code)
	}
}

// TestApplySettings: a SET in a file applies to the declarations after it,
// is recorded with their queries, and a changed value is a change.
func TestApplySettings(t *testing.T) {
	n, c := startNode(t)
	dir := t.TempDir()
	table := "CREATE TABLE clicks (page STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)\n" +
		"WITH ('connector' = 'kafka', 'topic' = 'clicks', 'format' = 'json');\n"
	view := func(lateness string) string {
		return "SET 'table.exec.emit.allow-lateness' = '" + lateness + "';\n" +
			"CREATE MATERIALIZED VIEW per_minute AS SELECT page, window_start, COUNT(*) AS n\n" +
			"FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY page, window_start, window_end;\n"
	}
	edit(t, dir, map[string]string{"clicks.sql": table, "per_minute.sql": view("1 min")})
	if code, out := apply(t, n, dir, ApplyOptions{}); code != 0 || !strings.Contains(out, "Applied 2 change(s).") {
		t.Fatalf("apply: code %d\n%s", code, out)
	}
	queries := strings.Join(sqlRows(t, c, "SHOW QUERIES"), "\n")
	if !strings.Contains(queries, "'table.exec.emit.allow-lateness' = '1 min'") {
		t.Fatalf("the query does not keep its file's SET:\n%s", queries)
	}
	if code, out := apply(t, n, dir, ApplyOptions{}); code != 0 || !strings.Contains(out, "Nothing to do.") {
		t.Fatalf("re-apply: code %d\n%s", code, out)
	}
	edit(t, dir, map[string]string{"per_minute.sql": view("5 min")})
	code, out := apply(t, n, dir, ApplyOptions{})
	if code != 0 || !strings.Contains(out, "~ materialized view per_minute replace, state carries over") {
		t.Fatalf("a changed SET: code %d\n%s", code, out)
	}
	queries = strings.Join(sqlRows(t, c, "SHOW QUERIES"), "\n")
	if !strings.Contains(queries, "'table.exec.emit.allow-lateness' = '5 min'") {
		t.Fatalf("the query does not run under the new SET:\n%s", queries)
	}
	if code, out := apply(t, n, dir, ApplyOptions{}); code != 0 || !strings.Contains(out, "Nothing to do.") {
		t.Fatalf("re-apply after the change: code %d\n%s", code, out)
	}
}
