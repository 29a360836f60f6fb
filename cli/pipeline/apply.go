package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"riffle/sql/parse"
)

// ApplyOptions say how Apply deploys a directory.
type ApplyOptions struct {
	// ConnString is the running riffle's Postgres URL.
	ConnString string
	// DryRun prints the plan and changes nothing.
	DryRun bool
	// Prune drops the objects, and stops the queries, that the directory
	// does not declare; without it they are left alone.
	Prune bool
	// AllowBreaking names the materialized views and queries (a query by
	// its plan name, "insert into <table>") whose state may be rebuilt or
	// lost; "all" allows every one.
	AllowBreaking []string
	Out           io.Writer
}

// stmtTimeout bounds each statement apply sends.
const stmtTimeout = time.Minute

// Apply deploys the pipeline in dir to a running riffle: it checks the
// directory, reads the running catalog, prints the plan, and unless
// DryRun or a breaking change not allowed stops it, carries the plan out.
// It returns the process exit code.
func Apply(ctx context.Context, dir string, o ApplyOptions) (int, error) {
	decls, diags, err := Load(dir)
	if err != nil {
		return 1, err
	}
	want := Check(decls)
	if diags = append(diags, want.Diags...); len(diags) > 0 {
		printDiags(o.Out, dir, diags)
		fmt.Fprintf(o.Out, "%s does not check; nothing applied\n", dir)
		return 1, nil
	}
	cctx, cancel := context.WithTimeout(ctx, stmtTimeout)
	defer cancel()
	cfg, err := pgx.ParseConfig(o.ConnString)
	if err != nil {
		return 2, fmt.Errorf("connection string: %w", err)
	}
	// The engine's notices say what it did (which query restarted on its
	// state); they print under the statement that caused them.
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) { fmt.Fprintf(o.Out, "      %s\n", n.Message) }
	conn, err := pgx.ConnectConfig(cctx, cfg)
	if err != nil {
		return 1, fmt.Errorf("connect to riffle: %w", err)
	}
	defer conn.Close(context.Background())
	run, err := readRunning(cctx, conn)
	if err != nil {
		return 1, err
	}
	plan := MakePlan(want, run, o.Prune)
	commit, prefix := gitCommit(dir)
	fmt.Fprintf(o.Out, "Plan for %s (%s) against %s:\n", dir, commitText(commit), net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))))
	blocked := plan.Print(o.Out, dir, o.AllowBreaking)
	if o.DryRun {
		fmt.Fprintln(o.Out, "Dry run: nothing changed.")
		return 0, nil
	}
	if len(blocked) > 0 {
		fmt.Fprintf(o.Out, "Nothing changed: %d breaking change(s) need --allow-breaking %s\n", len(blocked), strings.Join(blocked, ","))
		return 1, nil
	}
	for _, s := range plan.Steps {
		if s.Blocks {
			fmt.Fprintf(o.Out, "Nothing changed: %s %s is in the way (%s)\n", s.Kind, s.Name, s.Why)
			return 1, nil
		}
	}
	if plan.Changes() == 0 {
		fmt.Fprintln(o.Out, "Nothing to do.")
		return 0, nil
	}
	if err := plan.execute(ctx, conn, dir, prefix, commit, o.Out); err != nil {
		fmt.Fprintln(o.Out, err)
		fmt.Fprintln(o.Out, "Apply stopped; the steps before this one were applied. Fix it and apply again.")
		return 1, nil
	}
	fmt.Fprintf(o.Out, "Applied %d change(s).\n", plan.Changes())
	return 0, nil
}

// Changes counts the steps that change something.
func (p *Plan) Changes() int {
	n := 0
	for _, s := range p.Steps {
		if s.Action != Unchanged && s.Action != Keep {
			n++
		}
	}
	return n
}

var marks = map[Action]string{Create: "+", Unchanged: "=", Replace: "~", Rebuild: "!", Drop: "-", Keep: "?"}

// Print writes the plan, one line per object or query with why, and a
// summary line; it returns the names of breaking steps not allowed.
func (p *Plan) Print(w io.Writer, dir string, allow []string) []string {
	var blocked []string
	counts := map[Action]int{}
	width := 0
	for _, s := range p.Steps {
		width = max(width, len(s.Kind)+1+len(s.Name))
	}
	for _, s := range p.Steps {
		counts[s.Action]++
		line := fmt.Sprintf("  %s %-*s %s", marks[s.Action], width, string(s.Kind)+" "+s.Name, s.Action)
		if s.State != "" {
			line += ", state " + s.State
		}
		if s.Why != "" {
			line += ": " + s.Why
		}
		if s.Decl != nil && s.Action != Unchanged {
			line += "  [" + dir + "/" + s.Decl.Pos() + "]"
		}
		if s.Blocks {
			line += "  BLOCKS THE PLAN"
		}
		if s.Breaking {
			if allowed(allow, s.Name) {
				line += "  BREAKING, allowed"
			} else {
				line += "  BREAKING: needs --allow-breaking " + quoteName(s.Name)
				blocked = append(blocked, quoteName(s.Name))
			}
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintf(w, "%d to create, %d to replace, %d to rebuild, %d to drop, %d unchanged, %d left alone\n",
		counts[Create], counts[Replace], counts[Rebuild], counts[Drop], counts[Unchanged], counts[Keep])
	return blocked
}

func quoteName(n string) string {
	if strings.ContainsAny(n, " #") {
		return "'" + n + "'"
	}
	return n
}

func allowed(allow []string, name string) bool {
	return slices.ContainsFunc(allow, func(a string) bool {
		a = strings.TrimSpace(a)
		return strings.EqualFold(a, "all") || strings.EqualFold(a, name)
	})
}

// execute carries the plan out: the drops, then the steps in dependency
// order, each statement after SET 'riffle.origin'.
func (p *Plan) execute(ctx context.Context, conn *pgx.Conn, dir, prefix, commit string, out io.Writer) error {
	for _, s := range p.Drops {
		sql := "DROP " + strings.ToUpper(string(s.Kind)) + " " + quoteIdent(s.Name)
		if s.Kind == Query {
			sql = "DROP QUERY " + s.QueryID
		}
		if err := send(ctx, conn, out, sql); err != nil {
			return fmt.Errorf("%s: %v", sql, errText(err))
		}
	}
	for _, s := range p.Steps {
		if s.Decl == nil || (s.Action != Create && s.Action != Replace && s.Action != Rebuild) {
			continue
		}
		d := s.Decl
		stmts := []string{"SET 'riffle.origin' = " + quote(origin(prefix+d.File, commit))}
		for _, set := range d.Settings {
			stmts = append(stmts, set.Src.Text)
		}
		sql := d.SQL
		if s.Action == Replace {
			if d.Kind == Query {
				stmts = append(stmts, "SET 'riffle.replaces' = "+quote(s.QueryID))
			} else {
				sql = orReplace(d)
			}
		}
		stmts = append(stmts, sql)
		for _, set := range d.Settings {
			stmts = append(stmts, "RESET "+quote(set.Key))
		}
		stmts = append(stmts, "RESET 'riffle.origin'")
		for _, st := range stmts {
			if err := send(ctx, conn, out, st); err != nil {
				return fmt.Errorf("%s: %s", filepath.Join(dir, d.Pos()), errText(err))
			}
		}
	}
	return nil
}

// send runs one statement and prints it (its first line) with its notices.
func send(ctx context.Context, conn *pgx.Conn, out io.Writer, sql string) error {
	ctx, cancel := context.WithTimeout(ctx, stmtTimeout)
	defer cancel()
	if strings.HasPrefix(sql, "SET ") || strings.HasPrefix(sql, "RESET ") {
		_, err := conn.Exec(ctx, sql, pgx.QueryExecModeSimpleProtocol)
		return err
	}
	first, _, _ := strings.Cut(sql, "\n")
	fmt.Fprintf(out, "  > %s\n", first)
	_, err := conn.Exec(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	return err
}

func errText(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		s := fmt.Sprintf("%s (SQLSTATE %s)", pe.Message, pe.Code)
		if pe.Hint != "" {
			s += "\n\thint: " + pe.Hint
		}
		return s
	}
	return err.Error()
}

// orReplace is d's CREATE … statement as CREATE OR REPLACE ….
func orReplace(d *Decl) string {
	if cv, ok := d.Stmt.(*parse.CreateView); ok && cv.OrReplace {
		return d.SQL
	}
	toks, err := parse.Tokenize(d.SQL)
	if err != nil {
		return d.SQL
	}
	for _, t := range toks {
		if t.Is("CREATE") {
			return d.SQL[:t.End] + " OR REPLACE" + d.SQL[t.End:]
		}
	}
	return d.SQL
}

// gitCommit is the commit the directory is at, with "-dirty" when it has
// changes not committed, and the directory's path inside its repository
// ("" and "" outside a Git repository, or in one with no commit yet).
func gitCommit(dir string) (commit, prefix string) {
	head, err := exec.Command("git", "-C", dir, "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return "", ""
	}
	where, _ := exec.Command("git", "-C", dir, "rev-parse", "--show-prefix").Output()
	commit, prefix = strings.TrimSpace(string(head)), strings.TrimSpace(string(where))
	if st, err := exec.Command("git", "-C", dir, "status", "--porcelain", "--", ".").Output(); err == nil && len(st) > 0 {
		commit += "-dirty"
	}
	return commit, prefix
}

func commitText(c string) string {
	if c == "" {
		return "not in a Git repository"
	}
	return "commit " + c
}

// origin is what the catalog records for a declaration: file@commit.
func origin(file, commit string) string {
	if commit == "" {
		return file
	}
	return file + "@" + commit
}
