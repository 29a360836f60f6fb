// Package pipeline keeps a pipeline as a directory of .sql files, the way
// teams keep code in Git: `riffle check`, `riffle test` and `riffle apply`
// (cli/main.go only dispatches to it).
//
// A pipeline directory holds .sql files of declarations, in any folders:
// CREATE TABLE, CREATE [MATERIALIZED] VIEW, INSERT INTO … SELECT (a
// continuous query), and SET for the statements after it in its file. Its
// tests are scenario files in tests/*.test (server/scenario's format,
// documented in testdata/README.md). Load reads a directory into Decls.
//
//	check  Check binds and plans every declaration in process, against an
//	       in-memory catalog, in dependency order (found by binding: a
//	       declaration that names something not yet declared waits for
//	       it), and reports errors as file:line:column: message (SQLSTATE).
//	test   Test runs each test file with server/scenario.RunFile on a whole
//	       riffle in process (embedded Kafka broker, no network), after
//	       creating the directory's declarations in dependency order.
//	apply  Apply connects to a running riffle over the Postgres protocol,
//	       reads its catalog (SHOW TABLES, SHOW VIEWS, SHOW MATERIALIZED
//	       VIEWS, SHOW CREATE, SHOW QUERIES), diffs it against the
//	       directory (normalised statements, so whitespace, comments and
//	       keyword case are no change), prints the plan, and carries it
//	       out with plain SQL: CREATE, DROP, CREATE OR REPLACE MATERIALIZED
//	       VIEW, and SET 'riffle.replaces' before an INSERT INTO … SELECT
//	       that replaces a running query. Every statement it sends runs
//	       after SET 'riffle.origin' = '<file>@<commit>', so the catalog
//	       records where each object came from.
//
// For a replaced materialized view or query the plan says what happens to
// its state, by comparing the stateful operators of the running plan and
// the new one (runtime.StateLayout): the same layout carries the state
// over; another layout rebuilds it from the source topics; a source read
// from its latest offset, or a change of the query's sink, cannot be
// migrated without losing results. Only a carried-over state is applied
// without --allow-breaking.
package pipeline
