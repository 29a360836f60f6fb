// Package parse is riffle's SQL front end: it turns statement text into
// Statements (ast.go).
//
// riffle's SQL is the TiDB parser's SQL run in ANSI mode, with Flink's
// streaming constructs and PostgreSQL's client syntax around it (see
// /work/shared/dialect.md). The TiDB grammar rejects those constructs, so
// this package puts a layer in front of it:
//
//  1. Tokenize (token.go) reads the whole input with a real tokenizer:
//     strings, E'…' strings, quoted identifiers, comments, $n parameters.
//  2. Parse splits the tokens into statements at top-level semicolons and
//     dispatches each on its leading keywords. Statements TiDB has no
//     grammar for (CREATE TABLE with WITH/WATERMARK, SHOW QUERIES, SET,
//     FLUSH, …) are parsed here with a cursor over the tokens.
//  3. Query text (SELECT, INSERT, the query of a view, the expressions of
//     computed columns and watermarks) goes through the rewrite
//     (rewrite.go), which replaces what TiDB cannot read — CAST to Flink
//     types, x::t, $n, E'…' — with placeholder calls and records what it
//     took out in Source.Ext. TiDB then parses the rewritten text.
//  4. Every position, including TiDB's syntax errors, is mapped back
//     through the rewrite's edit map to the text the user wrote, so errors
//     read "error (42601) at 3:7: syntax error at or near "FORM"".
//
// For example
//
//	SELECT price::DECIMAL(10, 2) FROM bid WHERE auction = $1
//
// reaches TiDB as
//
//	SELECT __riffle_cast_1(price) FROM bid WHERE auction = __riffle_param_1()
//
// with Ext.Casts["__riffle_cast_1"] = DECIMAL(10, 2). The planner binds the
// placeholders back; nothing after this package sees the rewritten text.
package parse
