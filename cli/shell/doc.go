// Package shell is riffle's interactive SQL shell: a small psql that speaks
// to riffle's Postgres gateway (server/pgwire), or to any PostgreSQL server,
// over the simple query protocol with pgconn.
//
// Input is read a line at a time. A Splitter cuts it into statements at
// top-level semicolons, knowing enough SQL lexing (strings, quoted
// identifiers, dollar quotes, comments, parentheses) not to cut inside them;
// a line starting with a backslash is a shell command (\q, \?, \x, \timing,
// \pset null, \g, \r, \i FILE). Each statement is sent on its own, and each result is printed
// by Render in psql's aligned or expanded format; server errors are printed
// by WriteError with the line of the statement they point at and a caret:
//
//	riffle> SELECT id,
//	     >   FROM t WHERE pricee > 10;
//	ERROR:  column "pricee" does not exist (SQLSTATE 42703)
//	LINE 2:   FROM t WHERE pricee > 10;
//	                       ^
//
// In interactive mode (a terminal) the shell prompts, keeps going after
// errors, reconnects when the connection is lost, and Ctrl-C cancels the
// running statement on the server (a CancelRequest) and returns to the
// prompt. When In and Out are the terminal itself, lines are edited with
// golang.org/x/term (cursor keys, history on up/down, an optional history
// file); the terminal is in raw mode only while a line is being typed, so
// Ctrl-C during a statement is still a SIGINT. Otherwise the shell runs a
// script: it prints only results, and stops at the first error with an
// *ExitError carrying psql's exit code.
//
// The package holds no engine code: everything it knows about riffle comes
// over the wire, so the same shell works against PostgreSQL, which is what
// its tests start when one is installed.
package shell
