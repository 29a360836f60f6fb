package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"riffle/cli/shell"

	"golang.org/x/term"
)

const shellUsage = `riffle shell: an interactive SQL shell for riffle (or any PostgreSQL server).

Usage:
  riffle shell [flags] [URL | DBNAME [USER]]

It connects over the Postgres protocol to the server named by the flags, a
postgres:// URL or a "host=… port=…" string, the PGHOST, PGPORT, PGUSER,
PGDATABASE, PGSSLMODE and PGPASSWORD environment variables, or by default to
the riffle at --listen. Statements are read from the terminal (with line
editing, history and Tab completion), from -c and -f, or from standard input.
See docs/shell.md.

Flags:
`

// shellFlags are the flags of `riffle shell`, psql's where psql has one.
type shellFlags struct {
	conn        shell.ConnOptions
	listen      string
	askPassword bool
	commands    []string
	file        string
	format      string
	history     string
}

// shellCommand runs `riffle shell`.
func shellCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	var f shellFlags
	fs := flag.NewFlagSet("riffle shell", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := "127.0.0.1:6543"
	if v, ok := os.LookupEnv("RIFFLE_LISTEN"); ok {
		listen = v
	}
	fs.StringVar(&f.listen, "listen", listen, "address of the riffle to connect to when nothing else names a server [RIFFLE_LISTEN]")
	// psql's one-letter flags, each with its long name.
	str := func(p *string, short, long, help string) {
		fs.StringVar(p, long, "", help)
		fs.StringVar(p, short, "", "short for --"+long)
	}
	str(&f.conn.Host, "h", "host", "server host, or a Unix socket directory [PGHOST]")
	str(&f.conn.Port, "p", "port", "server port [PGPORT]")
	str(&f.conn.User, "U", "username", "user name (default riffle) [PGUSER]")
	str(&f.conn.DBName, "d", "dbname", "database name (default riffle) [PGDATABASE]")
	fs.StringVar(&f.conn.SSLMode, "sslmode", "", "disable, prefer (default), require, verify-ca or verify-full [PGSSLMODE]")
	fs.BoolVar(&f.askPassword, "password", false, "ask for the password before connecting (else asked only if the server wants one) [PGPASSWORD]")
	fs.BoolVar(&f.askPassword, "W", false, "short for --password")
	fs.Func("c", "run this statement or \\command and exit; may be repeated", func(v string) error {
		f.commands = append(f.commands, v)
		return nil
	})
	fs.StringVar(&f.file, "f", "", "run the statements in this file and exit")
	fs.StringVar(&f.format, "format", "aligned", "result format: aligned, csv or json (one object per line)")
	fs.StringVar(&f.history, "history", shell.DefaultHistoryFile(os.LookupEnv), "file keeping the statements typed at the terminal; empty: none [RIFFLE_HISTORY]")
	fs.Usage = func() {
		fmt.Fprint(stderr, shellUsage)
		fs.PrintDefaults()
	}
	// Flags may come after the arguments, as psql allows.
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0, nil
			}
			return 2, nil
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	switch len(positional) {
	case 0:
	case 1:
		f.conn.Target = positional[0]
	case 2:
		f.conn.Target = positional[0]
		if f.conn.User == "" {
			f.conn.User = positional[1]
		}
	default:
		fs.Usage()
		return 2, fmt.Errorf("too many arguments: %s", strings.Join(positional, " "))
	}
	format, err := shell.ParseOutput(f.format)
	if err != nil {
		return 2, fmt.Errorf("--format: %w", err)
	}
	f.conn.Default = f.listen
	url, err := f.conn.ConnString(os.Getenv)
	if err != nil {
		return 2, err
	}
	cfg := shell.Config{ConnString: url, In: stdin, Out: stdout, Err: stderr, Interactive: isTerminal(stdin),
		HistoryFile: f.history, Format: shell.Format{Output: format}, AskPassword: f.askPassword,
		Commands: f.commands}
	if f.file != "" {
		file, err := os.Open(f.file)
		if err != nil {
			return 2, err
		}
		defer file.Close()
		cfg.In, cfg.Interactive = file, false
	}
	if len(f.commands) > 0 {
		cfg.Interactive = false
	}
	return runShell(ctx, cfg, stdin)
}

// embeddedShell is the shell `riffle` opens on the server it started.
func embeddedShell(addr string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	url, err := shell.ConnOptions{Default: addr}.ConnString(func(env string) string {
		// The server is the one just started: only the user (and password) may differ.
		if env == "PGUSER" {
			return os.Getenv(env)
		}
		return ""
	})
	if err != nil {
		return 1, err
	}
	cfg := shell.Config{ConnString: url, In: stdin, Out: stdout, Err: stderr, Interactive: true,
		HistoryFile: shell.DefaultHistoryFile(os.LookupEnv)}
	return runShell(context.Background(), cfg, stdin)
}

// runShell runs the shell and turns its outcome into an exit code.
func runShell(ctx context.Context, cfg shell.Config, stdin io.Reader) (int, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		cfg.Password = func(prompt string) (string, error) {
			fmt.Fprint(cfg.Err, prompt)
			pw, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(cfg.Err)
			return string(pw), err
		}
	}
	err := shell.Run(ctx, cfg)
	var exit *shell.ExitError
	if errors.As(err, &exit) {
		return exit.Code, nil // the shell has printed it
	}
	if err != nil {
		return 1, err
	}
	return 0, nil
}
