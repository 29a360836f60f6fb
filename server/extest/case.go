package extest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Format is the only case format this runner reads.
const Format = "streamsql-extest/v0"

// Case is one external test case: source tables, views in dependency
// order, and steps of input events and checks. Only the fields the runner
// acts on are decoded; the rest of the file (origin, notes, the original
// dialect's SQL) is for people.
type Case struct {
	Format   string   `yaml:"format"`
	ID       string   `yaml:"id"`
	Features []string `yaml:"features"`
	Fidelity string   `yaml:"fidelity"`
	// PgIsms name the PostgreSQL constructs of the original SQL that the
	// Flink translation could not carry (e.g. distinct_on).
	PgIsms        []string      `yaml:"pg_isms"`
	EmitSemantics string        `yaml:"emit_semantics"`
	EndOfInput    string        `yaml:"end_of_input"`
	SourceTables  []SourceTable `yaml:"source_tables"`
	Views         []View        `yaml:"views"`
	Target        string        `yaml:"target"`
	Steps         []Step        `yaml:"steps"`

	// Name is the file's path (relative to the folder LoadDir read)
	// without its extension: the subtest name.
	Name string `yaml:"-"`
}

// SourceTable is a table the case's events are written to.
type SourceTable struct {
	Name string `yaml:"name"`
	// Kind is append, upsert or retract: the Kafka encoding of its events.
	Kind string `yaml:"kind"`
	// Columns are [name, type] pairs in the original dialect's spelling.
	Columns   [][]string `yaml:"columns"`
	Key       []string   `yaml:"key"`
	EventTime *EventTime `yaml:"event_time"`
}

// EventTime declares a table's event-time column and watermark.
type EventTime struct {
	Column           string `yaml:"column"`
	Source           string `yaml:"source"`
	WatermarkDelayMs int64  `yaml:"watermark_delay_ms"`
	// LateRows is "dropped_at_source" when the origin engine filtered rows
	// behind the watermark before any operator saw them.
	LateRows string `yaml:"late_rows"`
	// Derived marks a watermark the converter added so that a window TVF
	// runs under Flink rules; the original table had none.
	Derived bool `yaml:"derived_for_translation"`
}

// View is one view of the case; the runner creates it from SQLFlink, or
// from SQL when the case plays its original SQL (Case.PlaysOriginal).
type View struct {
	Name         string `yaml:"name"`
	Materialized bool   `yaml:"materialized"`
	SQL          string `yaml:"sql"`
	SQLFlink     string `yaml:"sql_flink"`
}

// Step is either a batch of input events or a check.
type Step struct {
	Input []Event `yaml:"input"`
	Check *Check  `yaml:"check"`
}

// Event is one changelog event for a source table. Row holds every column
// in declared order; a nil Row on an append table is a record with a null
// value.
type Event struct {
	Table string `yaml:"t"`
	Ts    *int64 `yaml:"ts"`
	Op    string `yaml:"op"`
	Key   []any  `yaml:"key"`
	Row   []any  `yaml:"row"`
}

// Check is a query whose rows are compared, as a multiset, with Rows (or
// with RowsText when the converter could not split rows into cells).
type Check struct {
	// SQL is the query; nil means the whole target relation.
	SQL            *string  `yaml:"sql"`
	Rows           [][]any  `yaml:"rows"`
	RowsText       []string `yaml:"rows_text"`
	OrderSensitive bool     `yaml:"order_sensitive"`
	AtEndOfInput   bool     `yaml:"at_end_of_input"`
}

// Query is the statement the check runs: its SQL without a trailing
// semicolon, or SELECT * FROM target.
func (c *Check) Query(target string) string {
	if c.SQL == nil {
		return "SELECT * FROM " + target
	}
	return strings.TrimRight(strings.TrimSpace(*c.SQL), "; \n\t")
}

// Load reads one case file.
func Load(path string) (*Case, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c Case
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if c.Format != Format {
		return nil, fmt.Errorf("%s: format %q, want %q", path, c.Format, Format)
	}
	c.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &c, nil
}

// LoadDir reads every *.yaml case under dir (recursively, so that each
// suite keeps its own folder), sorted by path.
func LoadDir(dir string) ([]*Case, error) {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	cases := make([]*Case, 0, len(paths))
	for _, p := range paths {
		c, err := Load(p)
		if err != nil {
			return nil, err
		}
		if rel, err := filepath.Rel(dir, p); err == nil {
			c.Name = strings.TrimSuffix(filepath.ToSlash(rel), filepath.Ext(rel))
		}
		cases = append(cases, c)
	}
	return cases, nil
}

// validate rejects a file the runner would misread: every event must name a
// declared table and give a value for each of its columns.
func (c *Case) validate() error {
	if c.ID == "" {
		return fmt.Errorf("no id")
	}
	for _, v := range c.Views {
		if v.Name == "" || strings.TrimSpace(v.SQLFlink) == "" {
			return fmt.Errorf("view %q has no name or no sql_flink", v.Name)
		}
	}
	for _, t := range c.SourceTables {
		for _, col := range t.Columns {
			if len(col) != 2 {
				return fmt.Errorf("table %s: column %v is not a [name, type] pair", t.Name, col)
			}
		}
	}
	for i, s := range c.Steps {
		if (s.Check == nil) == (s.Input == nil) {
			return fmt.Errorf("step %d: want exactly one of input and check", i+1)
		}
		for _, e := range s.Input {
			t := c.Table(e.Table)
			if t == nil {
				return fmt.Errorf("step %d: event for undeclared table %q", i+1, e.Table)
			}
			if e.Row != nil && len(e.Row) != len(t.Columns) {
				return fmt.Errorf("step %d: %s row %v has %d values for %d columns", i+1, e.Table, e.Row, len(e.Row), len(t.Columns))
			}
		}
	}
	return nil
}

// Table returns the source table named name, or nil.
func (c *Case) Table(name string) *SourceTable {
	for i := range c.SourceTables {
		if c.SourceTables[i].Name == name {
			return &c.SourceTables[i]
		}
	}
	return nil
}
