package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// helpText is what \? prints.
const helpText = `General
  \q                                quit
  \?                                show this help
  \g                                send the statement typed so far (as a final ';' would)
  \r                                forget the statement typed so far
  \i FILE                           run the SQL statements in FILE, stopping at the first error
  \conninfo                         say which server the shell is connected to

Catalog (PATTERN: a name, * and ? as wildcards, optionally schema.name)
  \d [PATTERN]                      list tables, views and materialized views
  \d NAME                           describe a relation: its columns, key and definition
  \dt [PATTERN]                     list tables
  \dv [PATTERN]                     list views
  \dm [PATTERN]                     list materialized views

Formatting
  \pset format aligned|csv|json     how results print (json: one object per line)
  \pset subscribe table|changelog   how SUBSCRIBE and EMIT CHANGES results show at a terminal
  \pset null TEXT                   print NULL as TEXT (default: nothing)
  \pset pager [on|off]              page results taller than the terminal (default: on)
  \x [on|off]                       toggle expanded display (one "column | value" line per column)
  \timing [on|off]                  toggle printing how long each statement took

Statements end with ';'. A statement set, BEGIN STATEMENT SET; INSERT …; INSERT …; END;,
is sent as one unit. Tab completes keywords, relation and column names. A SUBSCRIBE or
SELECT … EMIT CHANGES shows its result live until Ctrl-C. Ctrl-C cancels a running
statement; Ctrl-D or \q quits.
`

// command runs one backslash command line. In a script an unknown or
// malformed command stops the run, as a failing statement does.
func (s *shell) command(ctx context.Context, text string) error {
	name, arg, _ := strings.Cut(strings.TrimSpace(text), " ")
	arg = strings.TrimSpace(arg)
	var err error
	switch name {
	case `\q`, `\quit`:
		return errQuit
	case `\?`, `\h`, `\help`:
		io.WriteString(s.cfg.Out, helpText)
	case `\g`:
		if stmt := s.split.Flush(); stmt != "" {
			return s.run(ctx, stmt)
		}
	case `\r`:
		s.split.Reset()
		s.say("Query buffer reset (cleared).")
	case `\x`:
		s.format.Expanded, err = toggle(s.format.Expanded, arg)
		if err == nil {
			s.say("Expanded display is %s.", onOff(s.format.Expanded))
		}
	case `\timing`:
		s.timing, err = toggle(s.timing, arg)
		if err == nil {
			s.say("Timing is %s.", onOff(s.timing))
		}
	case `\pset`:
		err = s.pset(arg)
	case `\i`, `\include`:
		return s.include(ctx, arg)
	case `\d`, `\d+`:
		if arg == "" {
			err = s.listRelations(ctx, "", "", "relations")
		} else if strings.ContainsAny(arg, "*?") {
			err = s.listRelations(ctx, "", arg, "relations")
		} else {
			err = s.describe(ctx, arg)
		}
	case `\dt`, `\dt+`:
		err = s.listRelations(ctx, "r", arg, "tables")
	case `\dv`, `\dv+`:
		err = s.listRelations(ctx, "v", arg, "views")
	case `\dm`, `\dm+`:
		err = s.listRelations(ctx, "m", arg, "materialized views")
	case `\conninfo`:
		fmt.Fprintf(s.cfg.Out, "You are connected to database %q as user %q on host %q at port \"%d\".\n",
			s.pgcfg.Database, s.pgcfg.User, s.pgcfg.Host, s.pgcfg.Port)
	default:
		fmt.Fprintf(s.cfg.Err, "invalid command %s\nTry \\? for help.\n", name)
		return s.commandFailed(fmt.Errorf("invalid command %s", name))
	}
	var pe *pgconn.PgError
	var ee *ExitError
	switch {
	case errors.As(err, &ee):
		return err
	case errors.As(err, &pe) || (err != nil && s.conn.IsClosed()):
		// A catalog query failed on the server.
		return s.fail(err, "")
	case err != nil:
		fmt.Fprintf(s.cfg.Err, "%s: %v\n", name, err)
		return s.commandFailed(err)
	}
	return nil
}

func (s *shell) commandFailed(err error) error {
	if s.cfg.Interactive {
		return nil
	}
	return &ExitError{Code: ExitScript, Err: err}
}

// say prints the confirmation of a setting; scripts print only results.
func (s *shell) say(format string, args ...any) {
	if s.cfg.Interactive {
		fmt.Fprintf(s.cfg.Out, format+"\n", args...)
	}
}

// pset handles the \pset options the shell supports.
func (s *shell) pset(arg string) error {
	opt, val, _ := strings.Cut(arg, " ")
	switch opt {
	case "null":
		s.format.Null = unquote(strings.TrimSpace(val))
		s.say("Null display is %q.", s.format.Null)
		return nil
	case "expanded", "x":
		var err error
		s.format.Expanded, err = toggle(s.format.Expanded, strings.TrimSpace(val))
		if err == nil {
			s.say("Expanded display is %s.", onOff(s.format.Expanded))
		}
		return err
	case "format":
		f, err := ParseOutput(strings.TrimSpace(val))
		if err == nil {
			s.format.Output = f
			s.say("Output format is %s.", f)
		}
		return err
	case "subscribe":
		switch v := strings.ToLower(strings.TrimSpace(val)); v {
		case SubscribeTable, SubscribeChangelog:
			s.subscribe = v
			s.say("Subscriptions show as a %s.", v)
			return nil
		}
		return fmt.Errorf("unknown subscribe mode %q (supported: table, changelog)", strings.TrimSpace(val))
	case "pager":
		var err error
		s.pager, err = toggle(s.pager, strings.TrimSpace(val))
		if err == nil {
			s.say("Pager usage is %s.", onOff(s.pager))
		}
		return err
	case "":
		return errors.New("missing option (supported: format, subscribe, null, expanded, pager)")
	}
	return fmt.Errorf("unknown option %q (supported: format, subscribe, null, expanded, pager)", opt)
}

// toggle flips cur when arg is empty, or sets it from on/off.
func toggle(cur bool, arg string) (bool, error) {
	switch strings.ToLower(arg) {
	case "":
		return !cur, nil
	case "on", "true", "1":
		return true, nil
	case "off", "false", "0":
		return false, nil
	}
	return cur, fmt.Errorf("unrecognized value %q: expected on or off", arg)
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// unquote strips psql-style single quotes: \pset null '(null)'.
func unquote(s string) string {
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		return strings.ReplaceAll(s[1:len(s)-1], "''", "'")
	}
	return s
}

// include runs the statements of a .sql file. It stops at the first failing
// statement even at the terminal: later statements of a pipeline definition
// usually depend on earlier ones.
func (s *shell) include(ctx context.Context, file string) error {
	if file == "" {
		fmt.Fprintln(s.cfg.Err, `\i: missing file name`)
		return s.commandFailed(errors.New("missing file name"))
	}
	data, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintf(s.cfg.Err, "\\i: %v\n", err)
		return s.commandFailed(err)
	}
	for _, stmt := range Split(string(data)) {
		if err := s.exec(ctx, stmt); err != nil {
			var ee *ExitError
			if errors.As(err, &ee) {
				return err
			}
			fmt.Fprintf(s.cfg.Err, "%s: ", file)
			return s.fail(err, stmt)
		}
	}
	return nil
}
