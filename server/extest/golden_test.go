package extest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"gopkg.in/yaml.v3"
)

// TestGolden runs the golden files in testdata/golden:
//
//	cells [float]       lines "want | got" (NULL for NULL) → = or ≠ per line
//	compare             YAML {want, got, float, text} → the diff, or "match"
//	decide              a case in YAML → its tags, decision and, per check,
//	                    whether a mismatch there is informational
//	encode              a case in YAML → its tables' DDL and, per input
//	                    step, the Kafka records produced
func TestGolden(t *testing.T) {
	datadriven.Walk(t, "../../testdata/extest/golden", func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "cells":
				return goldenCells(d)
			case "compare":
				return goldenCompare(t, d)
			case "decide":
				return goldenDecide(t, d)
			case "encode":
				return goldenEncode(t, d)
			}
			t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
			return ""
		})
	})
}

func goldenCells(d *datadriven.TestData) string {
	float := d.HasArg("float")
	cell := func(s string) Cell {
		if s = strings.TrimSpace(s); s != "NULL" {
			return Text(s)
		}
		return nil
	}
	var b strings.Builder
	for _, line := range strings.Split(d.Input, "\n") {
		want, got, ok := strings.Cut(line, "|")
		if !ok {
			fmt.Fprintf(&b, "%s: want a line \"want | got\"\n", line)
			continue
		}
		op := "≠"
		if CellsEqual(cell(want), cell(got), float) {
			op = "="
		}
		fmt.Fprintf(&b, "%s %s %s\n", strings.TrimSpace(want), op, strings.TrimSpace(got))
	}
	return b.String()
}

func goldenCompare(t *testing.T, d *datadriven.TestData) string {
	var in struct {
		Want  [][]any  `yaml:"want"`
		Text  []string `yaml:"text"`
		Got   [][]any  `yaml:"got"`
		Float []bool   `yaml:"float"`
	}
	if err := yaml.Unmarshal([]byte(d.Input), &in); err != nil {
		t.Fatalf("%s: %v", d.Pos, err)
	}
	got := Actual{Float: in.Float}
	for _, r := range in.Got {
		row := make([]Cell, len(r))
		for i, v := range r {
			row[i] = expectedCell(v)
		}
		got.Rows = append(got.Rows, row)
	}
	diff := ""
	if in.Text != nil {
		diff = CompareText(in.Text, got)
	} else {
		diff = Compare(in.Want, got)
		if diff == "" && OrderDiffers(in.Want, got) {
			return "match (order differs)\n"
		}
	}
	if diff == "" {
		return "match\n"
	}
	return diff
}

func goldenDecide(t *testing.T, d *datadriven.TestData) string {
	var c Case
	if err := yaml.Unmarshal([]byte(d.Input), &c); err != nil {
		t.Fatalf("%s: %v", d.Pos, err)
	}
	if err := c.validate(); err != nil {
		return "invalid: " + err.Error() + "\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "tags: %s\n", strings.Join(Tags(&c), ", "))
	dec := Decide(&c)
	if dec.Run() {
		b.WriteString("run\n")
	} else {
		fmt.Fprintf(&b, "skip: %s\n", strings.Join(dec.Reasons, ", "))
		for _, bl := range dec.Blocked {
			fmt.Fprintf(&b, "  %s\n", bl)
		}
	}
	for i, s := range c.Steps {
		if s.Check == nil {
			continue
		}
		kind := "counted"
		if informational(&c, s.Check) {
			kind = "informational"
		}
		fmt.Fprintf(&b, "step %d: %s: %s\n", i+1, s.Check.Query(c.Target), kind)
	}
	return b.String()
}

func goldenEncode(t *testing.T, d *datadriven.TestData) string {
	var c Case
	if err := yaml.Unmarshal([]byte(d.Input), &c); err != nil {
		t.Fatalf("%s: %v", d.Pos, err)
	}
	if err := c.validate(); err != nil {
		return "invalid: " + err.Error() + "\n"
	}
	var b strings.Builder
	for _, tb := range c.SourceTables {
		fmt.Fprintf(&b, "%s\n", TableDDL(&tb))
	}
	for i, s := range c.Steps {
		if s.Input == nil {
			continue
		}
		recs, err := Records(&c, s.Input)
		if err != nil {
			fmt.Fprintf(&b, "step %d: error: %v\n", i+1, err)
			continue
		}
		for _, r := range recs {
			fmt.Fprintf(&b, "step %d: %s", i+1, r.Topic)
			if r.Key != nil {
				fmt.Fprintf(&b, " key=%s", r.Key)
			}
			if r.Value == nil {
				b.WriteString(" value=null")
			} else {
				fmt.Fprintf(&b, " value=%s", r.Value)
			}
			if !r.Timestamp.IsZero() {
				fmt.Fprintf(&b, " ts=%d", r.Timestamp.UnixMilli())
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

// TestIntervalMillisOf checks how the runner reads the cases' interval
// values for riffle's JSON format (milliseconds).
func TestIntervalMillisOf(t *testing.T) {
	for _, c := range []struct {
		in   any
		want int64
	}{
		{"INTERVAL 24 h", 86400e3}, {"INTERVAL 1 d", 86400e3}, {"1 day 2 hours", 93600e3},
		{"interval 1.5 s", 1500}, {"INTERVAL -30 min", -1800e3},
	} {
		got, err := intervalMillisOf(c.in)
		if err != nil || got != c.want {
			t.Errorf("%v: got %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, bad := range []any{"INTERVAL 1 mon", "INTERVAL", "24", 24} {
		if _, err := intervalMillisOf(bad); err == nil {
			t.Errorf("%v: want an error", bad)
		}
	}
}
