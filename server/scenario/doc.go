// Package scenario runs riffle's streaming scenario files (tier 2 of the
// test plan): end-to-end scripts under testdata/stream that create tables
// and continuous queries through the Postgres gateway, feed input records
// step by step, and state the changelog each step produces on the watched
// outputs (materialized views and sink tables).
//
//	statement ok
//	CREATE MATERIALIZED VIEW big AS SELECT auction, price FROM bids WHERE price > 10
//
//	step
//	bids (1, 20)
//	bids (2, 5)
//	----
//	big +I (1, 20)
//
// The syntax is documented in testdata/README.md.
//
// Files run under go test (riffle's own scenarios, with *testing.T) or
// outside it: RunFile runs one file with a reporter (T) that collects every
// output differing from the file's, for `riffle test` (cli/pipeline). Both
// read the datadriven format; ParseScript reads it without the testing
// package and Script.Rewrite writes outputs back (--rewrite).
//
// Every file runs in several configurations (Configs) that must all give
// the same output: inputs written with INSERT through the gateway, inputs
// produced straight to the embedded Kafka broker with a Kafka client, every
// record as its own step, a clean restart after every step, and a SIGKILL
// of the riffle binary after every step. Expected outputs are rewritten
// (-rewrite) from the first configuration only; the others compare against
// the file as the first left it.
//
// Whatever the expected text says, after every step the runner also checks
// the invariants every output must keep: every continuous query is still
// running (a view whose row count would go negative stops its query with an
// error), a keyed output has at most one row per key, and every output
// equals a freshly created copy of its query computed from all the input
// so far.
//
// The changelog of a step is computed from outside, as a client would see
// it: the multiset difference between an output's contents (SELECT * FROM
// it) before and after the step. For a sink table that is the records
// appended to its topic. A keyed output (a sink table's primary key, or a
// view's query key as EXPLAIN shows it: its GROUP BY columns) shows a key
// that lost a row and gained one as an update, -U then +U.
//
// Upsert tables take delete lines (`t delete (<key>)`): a tombstone when
// producing with Kafka, DELETE FROM through the gateway. `pgcheck <view>`
// checks a view against PostgreSQL running its query as a batch query over
// the input's final rows (tier 3 of the test plan), when PostgreSQL is
// installed.
package scenario
