package extest

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// sharedCases is where the external cases live: ../shared/extests beside
// the repository root, read at run time and never copied in.
var sharedCases = filepath.Join("..", "..", "..", "shared", "extests")

// previewAll makes the runner also play the cases it skips, logging what
// they give: the way to see what an issue's cases need before moving its
// tags to Built. A skipped case never fails the test.
var previewAll = flag.Bool("extest.all", false, "also play the cases whose features are not built, and log their outcomes")

// knownFailure is a case whose tags are all built but that fails because
// of an engine bug.
type knownFailure struct {
	// Bug describes the bug, with a minimal reproduction.
	Bug string
	// Symptom is text the failure report must contain, so that a case
	// that starts failing for another reason is not hidden as known.
	Symptom string
}

// knownFailures lists the external cases that fail because of an engine
// bug, or because the case's conversion contradicts the Flink semantics it
// claims (said so in Bug), by case id. They are run and reported as
// KNOWN-FAIL; one that starts passing, or fails without its symptom, fails
// the test, so that the list holds only live problems.
var knownFailures = map[string]knownFailure{
	"rw/bug_fixes__hop_window_update_10495/mv-1": {
		Bug: "not an engine bug: the case's sql_flink is SELECT * over TABLE(HOP(…)), which in Flink (and riffle) returns " +
			"window_start, window_end and window_time; the expected rows keep RisingWave's hop() columns, without window_time",
		Symptom: `"2021-01-01 10:29:59.999")`,
	},
	// All four: not engine bugs. RisingWave's EMIT ON WINDOW CLOSE on a plain
	// SELECT holds each row until the watermark passes its time; the
	// conversion removed the clause (its note says a window TVF already
	// emits final results, but there is no window here), so sql_flink is
	// a plain SELECT, which emits every row at once, and the expected rows
	// are still RisingWave's held-back ones.
	"rw/watermark/mv1-1": {
		Bug:     "not an engine bug: sql_flink drops RisingWave's EMIT ON WINDOW CLOSE from a plain SELECT but keeps its held-back expected rows",
		Symptom: `+ ("2023-05-06 16:56:01", "1")`,
	},
	// Not an engine bug: Flink's window Top-N needs PARTITION BY
	// window_start and window_end; partitioned by window_start alone it is
	// a regular Top-N, which updates at once, where the expected rows are
	// RisingWave's EMIT ON WINDOW CLOSE ones (the clause is dropped).
	"rw/eowc__eowc_group_top_n/mv-1": {
		Bug: "not an engine bug: sql_flink drops EMIT ON WINDOW CLOSE from a Top-N partitioned by window_start alone, " +
			"which Flink runs as a regular, updating Top-N (a window Top-N needs window_start and window_end)",
		Symptom: `+ ("2023-05-06 18:00:00", "6")`,
	},
	"rw/eowc__eowc_select/mv-1": {
		Bug:     "not an engine bug: sql_flink drops RisingWave's EMIT ON WINDOW CLOSE from a plain SELECT but keeps its held-back expected rows",
		Symptom: `+ ("2023-05-06 18:01:00", "6")`,
	},
	// The upstream views of these two (hash_join_wm_mv, between_join_mv)
	// pass on their own; the EOWC view over each is a plain SELECT * of it.
	"rw/join__hash_join_watermark/hash_join_wm_eowc_mv-1": {
		Bug:     "not an engine bug: sql_flink drops RisingWave's EMIT ON WINDOW CLOSE from a plain SELECT but keeps its held-back expected rows",
		Symptom: `+ ("4", "400", "2024-01-01 00:00:20+00")`,
	},
	"rw/join__interval_join/between_eowc_mv-1": {
		Bug:     "not an engine bug: sql_flink drops RisingWave's EMIT ON WINDOW CLOSE from a plain SELECT but keeps its held-back expected rows",
		Symptom: `+ ("4", "4", "2024-01-01 00:01:20+00", "2024-01-01 00:01:15+00", "70", "80")`,
	},
}

// selfKnownFailures is knownFailures for the runner's own cases.
var selfKnownFailures = map[string]knownFailure{}

// TestExternalCases plays every external case riffle can run today through
// a fresh node and reports each as PASS, FAIL, KNOWN-FAIL or SKIP (with
// the reason), then a totals line.
func TestExternalCases(t *testing.T) {
	if _, err := os.Stat(sharedCases); err != nil {
		t.Skip("../shared/extests not found: the external cases live beside the repository")
	}
	cases, err := LoadDir(sharedCases)
	if err != nil {
		t.Fatal(err)
	}
	runCases(t, cases, knownFailures)
}

// TestSelfCases plays the runner's own cases in testdata/cases: small
// cases in the same format that use only built features, so that the
// runner itself (DDL, produce, FLUSH, compare) is exercised end to end
// even while no external case is runnable. Every one must run, and pass
// unless it is listed in selfKnownFailures.
func TestSelfCases(t *testing.T) {
	cases, err := LoadDir(filepath.Join("..", "..", "testdata", "extest", "cases"))
	if err != nil {
		t.Fatal(err)
	}
	tl := runCases(t, cases, selfKnownFailures)
	if tl.skipped > 0 {
		t.Errorf("self cases must use only built features; %d skipped", tl.skipped)
	}
}

// runCases runs each case as a subtest and logs the totals.
func runCases(t *testing.T, cases []*Case, known map[string]knownFailure) *tally {
	ids := map[string]bool{}
	tl := &tally{reasons: map[string]int{}}
	for _, c := range cases {
		ids[c.ID] = true
		if d := Decide(c); !d.Run() {
			tl.skip(d.Reasons)
			t.Run(c.Name, func(t *testing.T) {
				if *previewAll {
					t.Logf("PREVIEW %s:\n%s", c.ID, preview(c, t.TempDir()))
				}
				t.Skipf("SKIP %s: not built: %s", c.ID, strings.Join(d.Blocked, "; "))
			})
			continue
		}
		kf, isKnown := known[c.ID]
		t.Run(c.Name, func(t *testing.T) { tl.add(runOne(t, c, kf, isKnown)) })
	}
	for id := range known {
		if !ids[id] {
			t.Errorf("knownFailures names %q, which is not a case: remove it", id)
		}
	}
	t.Log(tl)
	return tl
}

// preview plays a case that is not runnable and summarises what it gave.
func preview(c *Case, dir string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	o := RunCase(ctx, c, dir)
	if o.Passed() {
		return "would pass\n" + o.Report()
	}
	return o.Report()
}

// runOne plays and reports one case whose features are all built.
func runOne(t *testing.T, c *Case, kf knownFailure, isKnown bool) string {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	o := RunCase(ctx, c, t.TempDir())
	report := o.Report()
	switch {
	case o.Passed() && isKnown:
		t.Errorf("FAIL %s: listed as a known failure (%s) but passes now: remove it from the list", c.ID, kf.Bug)
		return "FAIL"
	case o.Passed():
		t.Logf("PASS %s\n%s", c.ID, report)
		return "PASS"
	case isKnown && strings.Contains(report, kf.Symptom):
		t.Logf("KNOWN-FAIL %s: %s\n%s", c.ID, kf.Bug, report)
		return "KNOWN-FAIL"
	case isKnown:
		t.Errorf("FAIL %s: listed as a known failure (%s) but fails without its symptom %q\n%s", c.ID, kf.Bug, kf.Symptom, report)
		return "FAIL"
	}
	hint := ""
	if o.Unsupported() {
		hint = "SQLSTATE 0A000 although every tag of the case is in Built: fix the tag table or the case's tagging\n"
	}
	t.Errorf("FAIL %s (tags %s)\n%s%s", c.ID, strings.Join(Tags(c), ", "), report, hint)
	return "FAIL"
}

// tally counts verdicts; a skipped case counts once under each reason
// that blocks it.
type tally struct {
	passed, failed, known, skipped int
	reasons                        map[string]int
}

// add counts a verdict: PASS, FAIL or KNOWN-FAIL.
func (tl *tally) add(verdict string) {
	switch verdict {
	case "PASS":
		tl.passed++
	case "FAIL":
		tl.failed++
	case "KNOWN-FAIL":
		tl.known++
	}
}

func (tl *tally) skip(reasons []string) {
	tl.skipped++
	for _, r := range reasons {
		tl.reasons[r]++
	}
}

func (tl *tally) String() string {
	rs := make([]string, 0, len(tl.reasons))
	for r := range tl.reasons {
		rs = append(rs, r)
	}
	sort.Slice(rs, func(i, j int) bool {
		if tl.reasons[rs[i]] != tl.reasons[rs[j]] {
			return tl.reasons[rs[i]] > tl.reasons[rs[j]]
		}
		return rs[i] < rs[j]
	})
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("%s %d", r, tl.reasons[r])
	}
	total := tl.passed + tl.failed + tl.known + tl.skipped
	s := fmt.Sprintf("extests: %d cases: %d passed, %d failed, %d known failures, %d skipped", total, tl.passed, tl.failed, tl.known, tl.skipped)
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + "; a case counts under each reason that blocks it)"
	}
	return s
}
