// Package extest plays external streaming-SQL test cases against riffle.
//
// The cases are taken from other engines (RisingWave's e2e suite so far)
// and converted to one engine-neutral YAML format, streamsql-extest/v0,
// described in ../shared/extests/README.md. They live beside the
// repository, in ../shared/extests, and are read at run time; they are
// never copied in. When that folder is absent, TestExternalCases skips.
//
// # What a run does
//
// For every case file, TestExternalCases first decides whether riffle can
// run it (Decide). A case carries feature tags (aggregate, tumble,
// inner_join, source:append, …); the runner adds tags of its own for what
// the converter does not tag (Tags): the kind of each source table, each
// column type (type:int, type:interval, …), event time on a table, a
// materialized view read by another view. A case runs only when every tag
// is in Built; otherwise it is reported SKIP with the reason of each
// unbuilt tag from NotBuilt (the piece of work that brings it), and a case
// of fidelity "untranslated" is skipped as well.
//
// A runnable case is played through a fresh node (RunCase, then Play):
//
//   - each source table becomes a Kafka table over its own
//     single-partition topic (TableDDL), with the column types mapped to
//     riffle's (ddlType): JSON for append tables, upsert-kafka with JSON
//     keys for upsert tables, debezium-json for retract tables, and
//     WATERMARK FOR the event-time column when the table has one;
//   - each view is created in order from its sql_flink, as a
//     MATERIALIZED VIEW or a plain VIEW;
//   - each input event is produced with a Kafka client (Records), one at
//     a time, in the case's one global order: a JSON row for an append
//     table, a keyed value or tombstone for an upsert table (-U dropped),
//     a Debezium message for a retract table (a -U/+U pair is one update);
//   - each check runs FLUSH (every running query has committed what was
//     written before it), then its query over the gateway with the simple
//     protocol, so that values come back as PostgreSQL text, and compares
//     the rows as a multiset (Compare, CompareText): NULL only equals NULL,
//     numbers by value (1e-9 relative tolerance in float columns, exact
//     otherwise), t/true and f/false, timestamps without trailing
//     fractional zeros and in UTC.
//
// Intermediate checks that the format calls informational (results of
// operators that emit only at the watermark, see informational) are
// compared and printed, but a mismatch there does not fail the case.
// Matching rows in another order than listed is a note, never a failure.
//
// Each case is a subtest: PASS, FAIL with a diff, KNOWN-FAIL, or SKIP with
// the reason; the test ends with a totals line such as
//
//	extests: 64 cases: 0 passed, 0 failed, 0 known failures, 64 skipped (incremental aggregation 36, joins 25, …)
//
// # Keeping it honest
//
// A check with sql: null reads the whole target (SELECT * FROM target): a
// materialized view is already the folded result the format describes.
//
// A case whose tags are all built and that fails, fails the test. That
// includes a failure with SQLSTATE 0A000 (feature not supported): it means
// a tag in Built is wrong, or a case is mistagged, and the fix is to the
// tag table or the tagging, never to the expectation. Comparisons are
// never loosened to make a case pass. A case that fails because of an
// engine bug is listed in knownFailures with the bug and a symptom (text
// its failure report contains); it still runs, is reported KNOWN-FAIL, and
// fails the test once it passes or fails without that symptom, so the
// list only ever holds live bugs.
//
// Run with -extest.all to also play the skipped cases and log what they
// give (PREVIEW): the way to see what an issue's cases need before moving
// its tags to Built. A preview never fails the test.
//
// # How the tag table grows
//
// Each issue that lands a feature moves its tags from NotBuilt to Built in
// the same commit: incremental aggregation moves aggregate, group_by,
// count_distinct, select_distinct, top_n, row_number, …; joins move
// inner_join, left_join, …; event time and windows move tumble, hop,
// watermark, eowc and the derived event_time (binding INTERVAL literals
// in expressions moves interval_arith); the runner ends every source before
// the at_end_of_input check of an end_of_input: flush case by making each
// source table bounded at its current end (ALTER TABLE … SET
// ('scan.bounded.mode' = 'latest-offset'));
// upsert and changelog sources move source:upsert and source:retract,
// after checking that TableDDL declares them the way riffle implements
// them. The cases that become runnable must then pass, or be listed in
// knownFailures with the bug that stops them.
//
// TestSelfCases plays the cases in testdata/extest/cases: small cases in the
// same format, written for this runner, that use only built features, so
// that the runner's own path (DDL, produce, FLUSH, compare) is exercised
// even while no external case is runnable; engine bugs they show are in
// selfKnownFailures. TestGolden pins the comparison rules, the tag
// decisions and the Kafka encodings in testdata/extest/golden.
package extest
