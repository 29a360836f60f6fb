package extest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/twmb/franz-go/pkg/kgo"

	"riffle/server/node"
)

// CheckResult is the outcome of one check.
type CheckResult struct {
	Step  int    // 1-based index of the step in the case
	Query string // the statement run
	// Informational marks a check the format says not to hold the engine
	// to (see informational); a mismatch there does not fail the case.
	Informational bool
	// Diff is empty when the rows matched.
	Diff string
	// OrderNote is set when the rows matched as a multiset but came back
	// in another order than the case lists them under order_sensitive.
	OrderNote string
}

// Outcome is what playing a case gave.
type Outcome struct {
	Checks []CheckResult
	// Err is set when a statement or a produce failed; the checks after it
	// did not run.
	Err error
}

// Passed reports whether the case ran through and every check that
// counts matched.
func (o *Outcome) Passed() bool {
	if o.Err != nil {
		return false
	}
	for _, c := range o.Checks {
		if c.Diff != "" && !c.Informational {
			return false
		}
	}
	return true
}

// Unsupported reports whether the case failed with SQLSTATE 0A000: riffle
// said a feature is not supported although the tag tables claimed it is.
func (o *Outcome) Unsupported() bool {
	var pe *pgconn.PgError
	return errors.As(o.Err, &pe) && pe.Code == "0A000"
}

// Report prints the outcome for a test log: each check that did not
// match, the informational notes, and the error.
func (o *Outcome) Report() string {
	var b strings.Builder
	for _, c := range o.Checks {
		switch {
		case c.Diff != "" && c.Informational:
			fmt.Fprintf(&b, "step %d (informational, not counted): %s\n%s", c.Step, c.Query, c.Diff)
		case c.Diff != "":
			fmt.Fprintf(&b, "step %d: %s\n%s", c.Step, c.Query, c.Diff)
		case c.OrderNote != "":
			fmt.Fprintf(&b, "step %d (informational): %s\n", c.Step, c.OrderNote)
		}
	}
	if o.Err != nil {
		fmt.Fprintf(&b, "error: %v\n", o.Err)
	}
	return b.String()
}

// RunCase starts a fresh riffle node over dir (embedded broker, one
// partition per topic), plays the case through it and stops it. A node
// per case keeps cases from seeing each other's tables; it starts in well
// under a second.
func RunCase(ctx context.Context, c *Case, dir string) *Outcome {
	n, err := node.Start(ctx, node.Options{
		DataDir: dir, Listen: "127.0.0.1:0", KafkaListen: "127.0.0.1:0", RegistryListen: "127.0.0.1:0",
		Partitions: 1,
	})
	if err != nil {
		return &Outcome{Err: fmt.Errorf("start node: %w", err)}
	}
	defer n.Close()
	return Play(ctx, c, n.Addr(), n.KafkaBrokers())
}

// Play replays a case against a running riffle: the gateway at pgAddr and
// its Kafka brokers. It creates the source tables and views, then walks
// the steps: events are produced one by one in the case's global order,
// and each check runs FLUSH and then its query.
func Play(ctx context.Context, c *Case, pgAddr string, brokers []string) *Outcome {
	o := &Outcome{}
	conn, err := pgx.Connect(ctx, "postgres://riffle@"+pgAddr+"/riffle?sslmode=disable")
	if err != nil {
		o.Err = fmt.Errorf("connect to the gateway: %w", err)
		return o
	}
	defer conn.Close(context.Background())
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		o.Err = fmt.Errorf("kafka client: %w", err)
		return o
	}
	defer cl.Close()
	p := &player{c: c, conn: conn, kafka: cl}
	if o.Err = p.setup(ctx); o.Err != nil {
		return o
	}
	for i, s := range c.Steps {
		if s.Input != nil {
			if o.Err = p.produce(ctx, i+1, s.Input); o.Err != nil {
				return o
			}
			continue
		}
		r, err := p.check(ctx, i+1, s.Check)
		if err != nil {
			o.Err = err
			return o
		}
		o.Checks = append(o.Checks, r)
	}
	return o
}

type player struct {
	c     *Case
	conn  *pgx.Conn
	kafka *kgo.Client
}

// exec runs one statement, naming it in the error.
func (p *player) exec(ctx context.Context, sql string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := p.conn.Exec(ctx, sql, pgx.QueryExecModeSimpleProtocol); err != nil {
		return fmt.Errorf("%s: %w", oneLine(sql), err)
	}
	return nil
}

// setup creates each source table over its own single-partition topic,
// then each view in the case's order.
func (p *player) setup(ctx context.Context) error {
	for _, t := range p.c.SourceTables {
		if err := p.exec(ctx, TableDDL(&t)); err != nil {
			return err
		}
	}
	for _, v := range p.c.Views {
		kind := "VIEW"
		if v.Materialized {
			kind = "MATERIALIZED VIEW"
		}
		text := v.SQLFlink
		if p.c.PlaysOriginal() {
			text = v.SQL
		}
		sql := fmt.Sprintf("CREATE %s %s AS %s", kind, v.Name, strings.TrimRight(strings.TrimSpace(text), ";"))
		if err := p.exec(ctx, sql); err != nil {
			return err
		}
	}
	return nil
}

// produce writes a step's events, each acknowledged before the next, so
// that the broker holds them in the case's global order. Across topics
// the engine's order is not defined (semantics.md, rule 9), except that a
// processing-time join sees each probe row at the moment it is processed:
// so a case with PROCTIME() gets one event at a time, each processed
// (FLUSH) before the next is written.
func (p *player) produce(ctx context.Context, step int, events []Event) error {
	recs, err := Records(p.c, events)
	if err != nil {
		return fmt.Errorf("step %d: %w", step, err)
	}
	oneByOne := slices.Contains(Tags(p.c), "proctime")
	for _, r := range recs {
		if err := p.kafka.ProduceSync(ctx, r).FirstErr(); err != nil {
			return fmt.Errorf("step %d: produce to %s: %w", step, r.Topic, err)
		}
		if oneByOne {
			if err := p.exec(ctx, "FLUSH"); err != nil {
				return fmt.Errorf("step %d: %w", step, err)
			}
		}
	}
	return nil
}

// check waits for the engine to catch up (FLUSH), runs the check's query
// and compares. With end_of_input: flush the format asks the runner to end
// every source before the last check (watermark +∞): the runner makes each
// source table bounded at its current end (ALTER TABLE … SET
// ('scan.bounded.mode' = 'latest-offset')), which restarts the queries
// over it to read to that end, fire every window, and finish.
func (p *player) check(ctx context.Context, step int, ch *Check) (CheckResult, error) {
	r := CheckResult{Step: step, Query: ch.Query(p.c.Target), Informational: informational(p.c, ch)}
	if ch.AtEndOfInput && p.c.EndOfInput == "flush" {
		for _, t := range p.c.SourceTables {
			if err := p.exec(ctx, "ALTER TABLE "+t.Name+" SET ('scan.bounded.mode' = 'latest-offset')"); err != nil {
				return r, fmt.Errorf("step %d: end of input: %w", step, err)
			}
		}
	}
	if err := p.exec(ctx, "FLUSH"); err != nil {
		return r, fmt.Errorf("step %d: %w", step, err)
	}
	got, err := p.query(ctx, r.Query)
	if err != nil {
		return r, fmt.Errorf("step %d: %w", step, err)
	}
	if ch.RowsText != nil {
		r.Diff = CompareText(ch.RowsText, got)
		return r, nil
	}
	r.Diff = Compare(ch.Rows, got)
	if r.Diff == "" && ch.OrderSensitive && OrderDiffers(ch.Rows, got) {
		r.OrderNote = "rows match as a multiset but not in the listed order"
	}
	return r, nil
}

// query runs a statement with the simple protocol, so that every value
// comes back as PostgreSQL text, exactly what the cases list.
func (p *player) query(ctx context.Context, sql string) (Actual, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	rs, err := p.conn.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return Actual{}, fmt.Errorf("%s: %w", oneLine(sql), err)
	}
	defer rs.Close()
	var a Actual
	for _, f := range rs.FieldDescriptions() {
		a.Float = append(a.Float, f.DataTypeOID == pgtype.Float4OID || f.DataTypeOID == pgtype.Float8OID)
	}
	for rs.Next() {
		raw := rs.RawValues()
		row := make([]Cell, len(raw))
		for i, v := range raw {
			if v != nil {
				row[i] = Text(string(v))
			}
		}
		a.Rows = append(a.Rows, row)
	}
	if err := rs.Err(); err != nil {
		return Actual{}, fmt.Errorf("%s: %w", oneLine(sql), err)
	}
	return a, nil
}

// informational reports whether a mismatch at this check is not held
// against the engine. The format says intermediate checks of on_update
// cases assume results update on every change, which operators that emit
// at the watermark do not do: window aggregates, interval outer joins, and
// any window TVF over a watermark the converter added.
func informational(c *Case, ch *Check) bool {
	if ch.AtEndOfInput || c.EmitSemantics != "on_update" {
		return false
	}
	for _, t := range c.SourceTables {
		if t.EventTime != nil && t.EventTime.Derived {
			return true
		}
	}
	has := map[string]bool{}
	for _, f := range c.Features {
		has[f] = true
	}
	window := has["tumble"] || has["hop"] || has["cumulate"] || has["session"]
	if window && (has["aggregate"] || has["group_by"]) {
		return true
	}
	outer := has["left_join"] || has["right_join"] || has["full_join"]
	return has["interval_join_condition"] && outer
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
