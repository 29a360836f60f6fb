package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"riffle/cli/pipeline"
	"riffle/cli/shell"
)

const pipelineUsage = `Usage:
  riffle check [flags] DIR           bind and plan every .sql file of DIR, in process
  riffle test [flags] DIR            run DIR/tests/*.test against DIR's declarations, in process
  riffle apply [flags] DIR [URL]     deploy DIR to the riffle at --listen (or URL)

See docs/pipelines.md. Flags:
`

func isPipelineCommand(cmd string) bool {
	return cmd == "check" || cmd == "test" || cmd == "apply"
}

// runPipeline parses the flags of check, test and apply (before or after
// DIR) and runs the command. apply takes the connection flags of riffle
// shell (--listen, $PGUSER) and also a postgres:// URL after DIR.
func runPipeline(ctx context.Context, cmd string, args []string, stdout, stderr io.Writer) (int, error) {
	// apply connects as riffle shell does: the main flags' --listen, with
	// its default and environment variable.
	var c config
	listen := flags(&c, io.Discard).Lookup("listen")
	fs := flag.NewFlagSet("riffle "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var t pipeline.TestOptions
	var a pipeline.ApplyOptions
	var allow string
	switch cmd {
	case "test":
		fs.BoolVar(&t.Rewrite, "rewrite", false, "write each test file's actual outputs into it, to review as a diff")
		fs.BoolVar(&t.Thorough, "thorough", false, "run every file in each configuration riffle's own tests use (INSERT, Kafka, a record per step, a restart after every step)")
		fs.StringVar(&t.Match, "run", "", "run only the test files whose path contains this")
	case "apply":
		fs.Var(listen.Value, listen.Name, listen.Usage)
		fs.BoolVar(&a.DryRun, "dry-run", false, "print the plan and change nothing")
		fs.BoolVar(&a.Prune, "prune", false, "drop the objects and stop the queries that DIR does not declare")
		fs.StringVar(&allow, "allow-breaking", "", "comma-separated names (or 'all') whose state may be rebuilt from the topics or lost")
	}
	fs.Usage = func() {
		fmt.Fprint(stderr, pipelineUsage)
		fs.PrintDefaults()
	}
	pos, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return 0, nil
	}
	if err != nil {
		return 2, nil
	}
	if len(pos) == 0 || len(pos) > 2 || (len(pos) == 2 && cmd != "apply") {
		fs.Usage()
		return 2, fmt.Errorf("%s takes one directory", cmd)
	}
	dir := pos[0]
	switch cmd {
	case "check":
		return pipeline.CheckDir(dir, stdout)
	case "test":
		t.Out = stdout
		return pipeline.Test(dir, t)
	}
	// The server is found as the shell finds it: a URL after DIR, else
	// PGHOST/PGPORT/PGUSER…, else --listen.
	conn := shell.ConnOptions{Default: c.listen}
	if len(pos) == 2 {
		conn.Target = pos[1]
	}
	url, err := conn.ConnString(os.Getenv)
	if err != nil {
		return 2, err
	}
	a.Out, a.ConnString = stdout, url
	if allow != "" {
		a.AllowBreaking = strings.Split(allow, ",")
	}
	return pipeline.Apply(ctx, dir, a)
}

// parseInterleaved parses flags written before and after the positional
// arguments (riffle apply DIR --dry-run), which flag.Parse alone stops at.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos, args = append(pos, args[0]), args[1:]
	}
}
