// Package shell is riffle's interactive SQL shell: a small psql that speaks
// to riffle's Postgres gateway (server/pgwire), or to any PostgreSQL server,
// over the simple query protocol with pgconn. docs/shell.md is its user
// guide.
//
// Input is read a line at a time. A Splitter cuts it into statements at
// top-level semicolons, knowing enough SQL lexing (strings, quoted
// identifiers, dollar quotes, comments, parentheses) not to cut inside them;
// a line starting with a backslash is a shell command (commands.go: \q, \?,
// \d and friends, \pset, \x, \timing, \g, \r, \i FILE). Each statement is
// sent on its own, and each result is printed by Render in psql's aligned or
// expanded format, or as CSV or JSON lines (csv.go, json.go); server errors
// are printed by WriteError with the line of the statement they point at and
// a caret:
//
//	riffle> SELECT id,
//	      >   FROM t WHERE pricee > 10;
//	ERROR:  column "pricee" does not exist (SQLSTATE 42703)
//	LINE 2:   FROM t WHERE pricee > 10;
//	                       ^
//
// A SUBSCRIBE or SELECT … EMIT CHANGES (lex.go recognizes them) never ends;
// live.go shows its rows as they arrive, as a table redrawn in place or as
// a changelog, until Ctrl-C cancels it.
//
// In interactive mode (a terminal) the shell prompts (with the transaction
// state and the settings changed by SET, settings.go), keeps going after
// errors, reconnects when the connection is lost, and Ctrl-C cancels the
// running statement on the server (a CancelRequest) and returns to the
// prompt. When In and Out are the terminal itself, lines are edited with
// golang.org/x/term (lineedit.go: cursor keys, history.go's statement
// history on up/down, kept in a file, and complete.go's Tab completion from
// the catalog, catalog.go); the terminal is in raw mode only while a line
// is being typed, so Ctrl-C during a statement is still a SIGINT. Otherwise
// the shell runs a script: it prints only results, and stops at the first
// error with an *ExitError carrying psql's exit code.
//
// The package holds no engine code: everything it knows about riffle comes
// over the wire (the \d commands are SQL over pg_catalog, describe.go), so
// the same shell works against PostgreSQL, which is what its tests start
// when one is installed. ConnOptions resolves psql-style flags, a URL and
// the PG* environment variables into the server to connect to.
package shell
