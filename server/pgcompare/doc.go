// Package pgcompare holds only a test: it evaluates the scalar expressions
// of testdata/pgcompare with a whole riffle node (in process, through its
// Postgres wire gateway) and with a throwaway PostgreSQL server, and
// requires the two to agree wherever riffle means what PostgreSQL means.
//
// The corpus is datadriven. Each input line of a block is one expression,
// run as SELECT <expr> with the simple protocol so that both servers render
// text; the output line is riffle's result. A line may also be a whole
// query (SELECT is prepended to "x, sum(x) OVER (…) FROM (VALUES …) v(x)"):
// its rows render as a|b; c|d.
//
//	compare
//	1 + 2
//	CAST('x' AS INT)
//	----
//	1 + 2 → 3
//	CAST('x' AS INT) → ERROR 22P02
//
// A value is compared as text, NULL as NULL; an error is compared by
// SQLSTATE (both servers must fail, with the same code). Where the spelling
// must differ, a line carries PostgreSQL's own spelling after " ;; pg: "
// (CAST(1 AS STRING) ;; pg: CAST(1 AS TEXT)). A block of the directive
//
//	differs reason=(MySQL IF: PostgreSQL has no IF function)
//
// lists cases where riffle deliberately differs: only riffle runs them,
// and its result must match the golden output. A block of
//
//	pending reason=(the parser has no IS DISTINCT FROM yet)
//
// holds cases riffle should agree on but cannot yet because of another
// layer; they run on both servers, and the test fails once they agree, so
// that they move to a compare block. compare round (DECIMAL results) rounds
// PostgreSQL's numeric to riffle's scale before comparing, since riffle's
// DECIMAL(p, s) takes its scale from the operand types. Without PostgreSQL
// installed, the compare blocks are checked against the golden output
// only. Rewrite the golden files with -rewrite.
package pgcompare
