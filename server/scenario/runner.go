package scenario

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/twmb/franz-go/pkg/kgo"
)

// stmtTimeout bounds every statement, FLUSH included.
const stmtTimeout = 30 * time.Second

// runner is the state of one file in one configuration.
type runner struct {
	// nondeterministic names the outputs not compared with a fresh copy.
	nondeterministic map[string]bool
	t                T
	cfg              Config
	dir              string // riffle's data directory, kept across restarts
	srv              server
	conn             *pgx.Conn
	kafka            *kgo.Client // nil until the first record is produced
	tables           map[string]*tableInfo
	keys             map[string][]int // an output's key columns, by its statement
	// sinkCols are a sink table's column names, by its query's statement.
	sinkCols map[string][]string
	fed      map[string]*fedRows
	next     atomic.Int64 // round-robin partition for records with neither key nor partition
	// slept is the longest `sleep` so far: a fresh copy of a query gets as
	// much processing time before it is compared (outputs.go).
	slept time.Duration
	pos   string // the current directive's position, for errors
}

func (r *runner) directive(d *Directive) string {
	r.pos = d.Pos
	switch d.Cmd {
	case "statement":
		return r.statement(d)
	case "step":
		return r.step(d)
	case "snapshot":
		return r.snapshot(d)
	case "query":
		return r.query(d.Input)
	case "restart":
		return r.restartDirective(d.HasArg("crash"))
	case "sleep":
		return r.sleep(d)
	case "skip":
		return r.skip(d)
	case "pgcheck":
		if len(d.CmdArgs) != 1 {
			r.fatalf("want `pgcheck <view or sink table>`")
		}
		return r.pgcheck(d.CmdArgs[0].Key, strings.TrimSpace(d.Input))
	case "nondeterministic":
		if r.nondeterministic == nil {
			r.nondeterministic = map[string]bool{}
		}
		for _, a := range d.CmdArgs {
			r.nondeterministic[strings.ToLower(a.Key)] = true
		}
		return ""
	case "late":
		if len(d.CmdArgs) != 1 {
			r.fatalf("want `late <view or sink table>`")
		}
		return r.lateRows(d.CmdArgs[0].Key)
	}
	r.t.Fatalf("%s: unknown directive %q (statement, step, snapshot, query, restart, sleep, skip, pgcheck, late, nondeterministic)", d.Pos, d.Cmd)
	return ""
}

func (r *runner) fatalf(format string, args ...any) {
	r.t.Helper()
	r.t.Fatalf("%s: [%s] %s", r.pos, r.cfg.Name, fmt.Sprintf(format, args...))
}

// skip skips the rest of the file, in every configuration or only in those
// listed with config=(a, b); the input says why.
func (r *runner) skip(d *Directive) string {
	var only []string
	if a, ok := d.Arg("config"); ok {
		only = a.Vals
	}
	if len(only) == 0 || slices.Contains(only, r.cfg.Name) {
		r.t.Skipf("%s: %s", d.Pos, strings.TrimSpace(d.Input))
	}
	return ""
}

// statement runs `statement ok` or `statement error <SQLSTATE>`; the output
// of an error is its message.
func (r *runner) statement(d *Directive) string {
	err := r.exec(d.Input)
	switch {
	case d.HasArg("ok"):
		if err != nil {
			r.fatalf("%s\nfailed: %v", d.Input, err)
		}
		return ""
	case d.HasArg("error"):
		want := ""
		if len(d.CmdArgs) > 1 {
			want = d.CmdArgs[1].Key
		}
		var pe *pgconn.PgError
		if !errors.As(err, &pe) {
			r.fatalf("%s\nwant an error with SQLSTATE %s, got %v", d.Input, want, err)
		}
		if want != "" && pe.Code != want {
			r.fatalf("%s\nwant SQLSTATE %s, got %s: %s", d.Input, want, pe.Code, pe.Message)
		}
		return pe.Message
	}
	r.fatalf("want `statement ok` or `statement error <SQLSTATE>`")
	return ""
}

// step writes the step's records, flushes, and renders the changelog of
// every watched output.
func (r *runner) step(d *Directive) string {
	var recs []record
	for _, line := range strings.Split(d.Input, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		rec, err := parseRecord(line)
		if err != nil {
			r.fatalf("%v", err)
		}
		recs = append(recs, rec)
	}
	// A view created just before the step may still be reading what came
	// before it; that is not the step's doing.
	r.flush()
	outs := r.outputs()
	before := r.contents(outs)
	if r.cfg.PerRecord {
		for _, rec := range recs {
			r.write([]record{rec})
			r.flush()
		}
	} else {
		r.write(recs)
	}
	if r.cfg.Restart {
		r.restart(r.cfg.Crash)
	}
	r.flush()
	after := r.contents(outs)
	r.checkInvariants(outs, after)
	return r.render(outs, before, after)
}

// restartDirective stops riffle (crash: without a clean shutdown, in the
// binary configuration) and starts it again; its output is whatever the
// outputs changed across the restart, which should be nothing.
func (r *runner) restartDirective(crash bool) string {
	r.flush()
	outs := r.outputs()
	before := r.contents(outs)
	r.restart(crash && r.cfg.Binary != "")
	r.flush()
	after := r.contents(outs)
	r.checkInvariants(outs, after)
	return r.render(outs, before, after)
}

// sleep lets processing time pass, for what acts on it (a table's idle
// timeout, processing-time windows): it flushes, waits the wall-clock
// duration, flushes again, and renders what the outputs changed meanwhile.
func (r *runner) sleep(d *Directive) string {
	if len(d.CmdArgs) != 1 {
		r.fatalf("want `sleep <duration>`, e.g. sleep 3s")
	}
	dur, err := time.ParseDuration(d.CmdArgs[0].Key)
	if err != nil || dur <= 0 {
		r.fatalf("sleep %s: want a Go duration such as 3s or 500ms", d.CmdArgs[0].Key)
	}
	r.flush()
	outs := r.outputs()
	before := r.contents(outs)
	time.Sleep(dur)
	r.slept = max(r.slept, dur)
	r.flush()
	after := r.contents(outs)
	r.checkInvariants(outs, after)
	return r.render(outs, before, after)
}

// snapshot renders an output's current contents (after FLUSH), sorted.
func (r *runner) snapshot(d *Directive) string {
	if len(d.CmdArgs) != 1 {
		r.fatalf("want `snapshot <view or table>`")
	}
	r.flush()
	rows := r.rows("SELECT * FROM " + d.CmdArgs[0].Key)
	return strings.Join(sortedRows(rows), "\n")
}

var orderBy = regexp.MustCompile(`(?i)\border\s+by\b`)

// query runs a query (after FLUSH, so that views have caught up with
// everything written so far) and renders its rows, sorted unless it orders them;
// an error is rendered as its SQLSTATE and message.
func (r *runner) query(sql string) string {
	r.flush()
	rows, err := r.tryRows(sql)
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			return fmt.Sprintf("error (%s): %s", pe.Code, pe.Message)
		}
		r.fatalf("%s\n%v", sql, err)
	}
	if orderBy.MatchString(sql) {
		lines := make([]string, len(rows))
		for i, row := range rows {
			lines[i] = row.String()
		}
		return strings.Join(lines, "\n")
	}
	return strings.Join(sortedRows(rows), "\n")
}

// render prints the changelog of each output, outputs in name order.
func (r *runner) render(outs []output, before, after map[string][]row) string {
	sort.Slice(outs, func(i, j int) bool { return outs[i].name < outs[j].name })
	var b strings.Builder
	for _, o := range outs {
		for _, c := range changelog(before[o.name], after[o.name], o.key) {
			fmt.Fprintf(&b, "%s %s %s\n", o.name, c.op, c.row)
		}
	}
	return b.String()
}

// start starts riffle over the data directory and connects to it.
func (r *runner) start() {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	var err error
	if r.cfg.Binary != "" {
		r.srv, err = startProcess(ctx, r.cfg.Binary, r.dir)
	} else {
		r.srv, err = startInProcess(ctx, r.dir)
	}
	if err != nil {
		r.fatalf("start riffle: %v", err)
	}
	cc, err := pgx.ParseConfig(connString(r.srv.Addr()))
	if err != nil {
		r.fatalf("%v", err)
	}
	// The simple protocol returns every value in PostgreSQL's text form,
	// which is what the expected outputs show.
	cc.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	if r.conn, err = pgx.ConnectConfig(ctx, cc); err != nil {
		r.fatalf("connect to riffle at %s: %v", r.srv.Addr(), err)
	}
	if r.cfg.Parallelism > 0 {
		r.mustExec(fmt.Sprintf("SET 'parallelism.default' = '%d'", r.cfg.Parallelism))
	}
}

// restart stops riffle and starts it again over the same data directory.
func (r *runner) restart(crash bool) {
	r.disconnect()
	err := r.srv.Stop(crash)
	r.srv = nil
	if err != nil {
		r.fatalf("stop riffle: %v", err)
	}
	r.start()
}

func (r *runner) disconnect() {
	if r.kafka != nil {
		r.kafka.Close()
		r.kafka = nil
	}
	if r.conn != nil {
		r.conn.Close(context.Background())
		r.conn = nil
	}
}

func (r *runner) close() {
	if p, ok := r.srv.(*process); ok && r.t.Failed() {
		r.t.Logf("riffle's stderr:\n%s", p.log())
	}
	r.disconnect()
	if r.srv != nil {
		r.srv.Stop(true)
		r.srv = nil
	}
}

func (r *runner) exec(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), stmtTimeout)
	defer cancel()
	_, err := r.conn.Exec(ctx, strings.ReplaceAll(sql, "${FILES}", r.files()))
	return err
}

// files is the directory a file's 'filesystem' tables live under
// (${FILES} in its statements): one per configuration, kept across
// restarts.
func (r *runner) files() string { return filepath.Join(r.dir, "files") }

func (r *runner) mustExec(sql string) {
	r.t.Helper()
	if err := r.exec(sql); err != nil {
		r.fatalf("%s: %v", sql, err)
	}
}

func (r *runner) flush() { r.mustExec("FLUSH") }

func (r *runner) tryRows(sql string) ([]row, error) {
	ctx, cancel := context.WithTimeout(context.Background(), stmtTimeout)
	defer cancel()
	rs, err := r.conn.Query(ctx, sql)
	if err != nil {
		return nil, err
	}
	return readRows(rs)
}

func (r *runner) rows(sql string) []row {
	r.t.Helper()
	rows, err := r.tryRows(sql)
	if err != nil {
		r.fatalf("%s: %v", sql, err)
	}
	return rows
}
