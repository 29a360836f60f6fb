package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// helpText is what \? prints.
const helpText = `General
  \q                quit
  \?                show this help
  \g                send the statement typed so far (as a final ';' would)
  \r                forget the statement typed so far
  \i FILE           run the SQL statements in FILE, stopping at the first error

Formatting
  \x [on|off]       toggle expanded display (one "column | value" line per column)
  \pset null TEXT   print NULL as TEXT (default: nothing)
  \timing [on|off]  toggle printing how long each statement took

Statements end with ';'. A statement set, BEGIN STATEMENT SET; INSERT …; INSERT …; END;,
is sent as one unit. Ctrl-C cancels a running statement; Ctrl-D or \q quits.
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
	default:
		fmt.Fprintf(s.cfg.Err, "invalid command %s\nTry \\? for help.\n", name)
		return s.commandFailed(fmt.Errorf("invalid command %s", name))
	}
	if err != nil {
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
	case "":
		return errors.New("missing option (supported: null, expanded)")
	}
	return fmt.Errorf("unknown option %q (supported: null, expanded)", opt)
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
