package scenario

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// record is one input line of a step:
//
//	<table> [key=<k>] [partition=<n>] [ts=<ms or 'YYYY-MM-DD hh:mm:ss'>] (<v1>, <v2>, …)
//	<table> [key=<k>] [partition=<n>] [ts=…] raw '<bytes of the record value>'
//	<table> [key=<k>] [partition=<n>] [ts=…] delete (<k1>, <k2>, …)
type record struct {
	table     string
	key       *string // nil: no key
	partition int32   // -1: any
	ts        time.Time
	tuple     []string // SQL literals, in the table's column order
	raw       *string  // set for raw lines: the record's value as is
	del       bool     // a delete line: tuple holds the primary key's values
	line      string   // for error messages
}

// parseRecord parses one input line of a step.
func parseRecord(line string) (record, error) {
	r := record{partition: -1, line: line}
	s := strings.TrimSpace(line)
	i := strings.IndexAny(s, " (")
	if i <= 0 {
		return r, fmt.Errorf("input %q: want `<table> [options] (<values>)`, `<table> [options] delete (<key values>)` or `<table> [options] raw '<value>'`", line)
	}
	r.table, s = s[:i], strings.TrimSpace(s[i:])
	for s != "" {
		switch {
		case s[0] == '(':
			if !strings.HasSuffix(s, ")") {
				return r, fmt.Errorf("input %q: the tuple must end the line with ')'", line)
			}
			vals, err := splitTuple(s[1 : len(s)-1])
			if err != nil {
				return r, fmt.Errorf("input %q: %w", line, err)
			}
			r.tuple = vals
			return r, nil
		case strings.HasPrefix(s, "delete ") || strings.HasPrefix(s, "delete("):
			r.del, s = true, strings.TrimSpace(s[len("delete"):])
			if !strings.HasPrefix(s, "(") {
				return r, fmt.Errorf("input %q: delete wants the key's values, e.g. delete (1)", line)
			}
			continue
		case strings.HasPrefix(s, "raw "):
			v, rest, err := quoted(strings.TrimSpace(s[4:]))
			if err != nil || strings.TrimSpace(rest) != "" {
				return r, fmt.Errorf("input %q: raw wants one quoted value, e.g. raw '{not json'", line)
			}
			r.raw = &v
			return r, nil
		}
		name, val, rest, err := option(s)
		if err != nil {
			return r, fmt.Errorf("input %q: %w", line, err)
		}
		if err := r.set(name, val); err != nil {
			return r, fmt.Errorf("input %q: %w", line, err)
		}
		s = strings.TrimSpace(rest)
	}
	return r, fmt.Errorf("input %q: missing (<values>), delete (<key values>) or raw '<value>'", line)
}

func (r *record) set(name, val string) error {
	switch name {
	case "key":
		r.key = &val
	case "partition":
		p, err := strconv.ParseInt(val, 10, 32)
		if err != nil || p < 0 {
			return fmt.Errorf("partition=%s: want a partition number", val)
		}
		r.partition = int32(p)
	case "ts":
		if ms, err := strconv.ParseInt(val, 10, 64); err == nil {
			r.ts = time.UnixMilli(ms).UTC()
			return nil
		}
		t, err := time.Parse(timestampLayout, val)
		if err != nil {
			return fmt.Errorf("ts=%s: want epoch milliseconds or 'YYYY-MM-DD hh:mm:ss[.fff]'", val)
		}
		r.ts = t
	default:
		return fmt.Errorf("unknown option %q (want key=, partition= or ts=)", name)
	}
	return nil
}

// option reads `name=value` or `name='quoted value'` from the front of s.
func option(s string) (name, val, rest string, err error) {
	eq := strings.IndexByte(s, '=')
	if eq <= 0 || strings.ContainsAny(s[:eq], " (") {
		return "", "", "", fmt.Errorf("expected name=value, (<values>) or raw '<value>' at %q", s)
	}
	name, s = s[:eq], s[eq+1:]
	if strings.HasPrefix(s, "'") {
		val, rest, err = quoted(s)
		return name, val, rest, err
	}
	if sp := strings.IndexByte(s, ' '); sp >= 0 {
		return name, s[:sp], s[sp:], nil
	}
	return name, s, "", nil
}

// quoted reads a SQL string literal ('it”s') from the front of s.
func quoted(s string) (val, rest string, err error) {
	if !strings.HasPrefix(s, "'") {
		return "", "", fmt.Errorf("expected a quoted string at %q", s)
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != '\'' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		return b.String(), s[i+1:], nil
	}
	return "", "", fmt.Errorf("unterminated string in %q", s)
}

// splitTuple splits the inside of a tuple at its top-level commas, minding
// quotes and parentheses.
func splitTuple(s string) ([]string, error) {
	var vals []string
	depth, start, inQuote := 0, 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			inQuote = !inQuote // '' toggles twice: stays inside
		case inQuote:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			vals = append(vals, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	if inQuote || depth != 0 {
		return nil, fmt.Errorf("unbalanced quotes or parentheses in (%s)", s)
	}
	if last := strings.TrimSpace(s[start:]); last != "" || len(vals) > 0 {
		vals = append(vals, last)
	}
	return vals, nil
}

var (
	numberLit = regexp.MustCompile(`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$`)
	typedLit  = regexp.MustCompile(`(?i)^(DATE|TIME|TIMESTAMP|TIMESTAMP_LTZ)\s+'`)
)

// jsonValue turns one SQL literal of a tuple into the JSON value the
// table's JSON format reads back as the same SQL value. Only literals are
// supported: the kafka configuration has no SQL engine to evaluate
// expressions with.
func jsonValue(lit string) (json.RawMessage, error) {
	switch u := strings.ToUpper(lit); {
	case u == "NULL":
		return json.RawMessage("null"), nil
	case u == "TRUE" || u == "FALSE":
		return json.RawMessage(strings.ToLower(u)), nil
	case numberLit.MatchString(lit):
		n := strings.TrimPrefix(lit, "+")
		if strings.HasPrefix(n, ".") || strings.HasPrefix(n, "-.") {
			n = strings.Replace(n, ".", "0.", 1)
		}
		if strings.HasSuffix(n, ".") {
			n += "0"
		}
		return json.RawMessage(n), nil
	}
	if m := typedLit.FindStringIndex(lit); m != nil {
		lit = lit[m[1]-1:]
	}
	s, rest, err := quoted(lit)
	if err != nil || strings.TrimSpace(rest) != "" {
		return nil, fmt.Errorf("value %s: the kafka configuration takes only literals (numbers, 'strings', TRUE, FALSE, NULL, TIMESTAMP '…')", lit)
	}
	b, err := json.Marshal(s)
	return b, err
}

// timestampLayout is how scenario files write timestamps: a record's ts=
// option and TIMESTAMP '…' literals.
const timestampLayout = "2006-01-02 15:04:05.999"

// timestampLiteral reads TIMESTAMP '…' (or a quoted timestamp) as
// milliseconds since the epoch, UTC: a record timestamp.
func timestampLiteral(lit string) (int64, error) {
	if m := typedLit.FindStringIndex(lit); m != nil {
		lit = lit[m[1]-1:]
	}
	s, rest, err := quoted(lit)
	if err != nil || strings.TrimSpace(rest) != "" {
		return 0, fmt.Errorf("record timestamp %s: want TIMESTAMP '…'", lit)
	}
	t, err := time.Parse(timestampLayout, s)
	if err != nil {
		return 0, fmt.Errorf("record timestamp %s: %v", lit, err)
	}
	return t.UnixMilli(), nil
}

// jsonRecord renders a tuple as the JSON object a producer would write for
// a table with these (writable) columns.
func jsonRecord(cols []string, tuple []string) ([]byte, error) {
	if len(cols) != len(tuple) {
		return nil, fmt.Errorf("%d values for %d columns (%s)", len(tuple), len(cols), strings.Join(cols, ", "))
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, c := range cols {
		v, err := jsonValue(tuple[i])
		if err != nil {
			return nil, err
		}
		if i > 0 {
			b.WriteString(", ")
		}
		name, _ := json.Marshal(c)
		b.Write(name)
		b.WriteString(": ")
		b.Write(v)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}
