package scenario

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// output is a watched output: a materialized view, or a sink table that a
// running INSERT INTO … SELECT writes.
type output struct {
	name string
	// fresh creates a new materialized view <name>__fresh over the same
	// query, to check the output against; empty when that is not possible
	// (an INSERT with a column list).
	fresh string
	key   []int // key columns; nil when the output declares none
	// sink: the output is a table that an INSERT INTO … SELECT writes; its
	// fresh copy takes the table's column names, which the query's own
	// names (two count columns, say) may not match.
	sink bool
}

const freshSuffix = "__fresh"

var (
	createMV   = regexp.MustCompile(`(?is)^\s*CREATE\s+(?:OR\s+REPLACE\s+)?MATERIALIZED\s+VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)(.*?);?\s*$`)
	insertSink = regexp.MustCompile(`(?is)^\s*INSERT\s+INTO\s+(\w+)\s+((?:SELECT|WITH)\b.*?);?\s*$`)
	insertAny  = regexp.MustCompile(`(?is)^\s*INSERT\s+INTO\s+(\w+)`)
	settingRE  = regexp.MustCompile(`'([^']*)' = '([^']*)'`)
)

// outputs lists the watched outputs from SHOW QUERIES, so that views and
// sinks created, dropped or stopped in any way (and across restarts) are
// seen. A query that failed fails the test: that is how the engine reports
// a broken invariant such as a row retracted more often than inserted.
func (r *runner) outputs() []output {
	var outs []output
	for _, q := range r.rows("SHOW QUERIES") {
		id, stmt, state, errText := unquote(q[0]), unquote(q[1]), unquote(q[2]), q[10]
		if errText != "NULL" || state == "FAILED" {
			r.fatalf("query %s (%s) is %s: %s", id, stmt, state, errText)
		}
		if state != "RUNNING" && state != "FINISHED" {
			continue
		}
		o, ok := parseOutput(stmt)
		if !ok || strings.HasSuffix(o.name, freshSuffix) {
			continue
		}
		if state == "FINISHED" || r.nondeterministic[o.name] {
			// A bounded query's result is final as of where its tables
			// ended when it started; a fresh copy would read further.
			o.fresh = ""
		}
		// The query's settings (how its windows emit) shape its plan: its
		// key is read, and a fresh copy made, under them.
		var set, reset []string
		if q[9] != "NULL" {
			for _, m := range settingRE.FindAllStringSubmatch(unquote(q[9]), -1) {
				if m[1] == "riffle.late-rows.table" {
					continue // a copy must not add to the query's late rows
				}
				set = append(set, fmt.Sprintf("SET '%s' = '%s'", m[1], m[2]))
				reset = append(reset, fmt.Sprintf("RESET '%s'", m[1]))
			}
		}
		o.key = r.keyColumns(o.name, stmt, set, reset)
		if o.sink && o.fresh != "" {
			o.fresh = strings.Replace(o.fresh, " AS ", " ("+strings.Join(r.sinkColumns(o.name, stmt), ", ")+") AS ", 1)
		}
		if o.fresh != "" && len(set) > 0 {
			o.fresh = strings.Join(set, "; ") + "; " + o.fresh + "; " + strings.Join(reset, "; ")
		}
		outs = append(outs, o)
	}
	sort.Slice(outs, func(i, j int) bool { return outs[i].name < outs[j].name })
	return outs
}

// parseOutput recognises the statement of a continuous query.
func parseOutput(stmt string) (output, bool) {
	if m := createMV.FindStringSubmatch(stmt); m != nil {
		return output{name: strings.ToLower(m[1]),
			fresh: "CREATE MATERIALIZED VIEW " + m[1] + freshSuffix + m[2]}, true
	}
	if m := insertSink.FindStringSubmatch(stmt); m != nil {
		return output{name: strings.ToLower(m[1]), sink: true,
			fresh: "CREATE MATERIALIZED VIEW " + m[1] + freshSuffix + " AS " + m[2]}, true
	}
	if m := insertAny.FindStringSubmatch(stmt); m != nil {
		return output{name: strings.ToLower(m[1])}, true
	}
	return output{}, false
}

// keyColumns finds an output's key columns once per defining statement: a
// table's declared primary key (DESCRIBE's key column), else the key of the
// view's query as EXPLAIN shows it (a GROUP BY view is keyed by its group
// columns, a global aggregate by no column: it has at most one row). Nil
// when the output has no key.
func (r *runner) keyColumns(name, stmt string, set, reset []string) []int {
	if k, ok := r.keys[stmt]; ok {
		return k
	}
	var key []int
	var names []string
	for i, c := range r.rows("DESCRIBE " + name) {
		names = append(names, unquote(c[0]))
		if unquote(c[3]) == "PRI" {
			key = append(key, i)
		}
	}
	if key == nil && createMV.MatchString(stmt) {
		for _, st := range set {
			r.mustExec(st)
		}
		key = r.queryKey(stmt, names)
		for _, st := range reset {
			r.mustExec(st)
		}
	}
	r.keys[stmt] = key
	return key
}

// sinkColumns are a sink table's writable columns (by DESCRIBE), once per
// defining statement.
func (r *runner) sinkColumns(name, stmt string) []string {
	if c, ok := r.sinkCols[stmt]; ok {
		return c
	}
	var cols []string
	for _, c := range r.rows("DESCRIBE " + name) {
		if !(strings.Contains(unquote(c[4]), "VIRTUAL") || strings.HasPrefix(unquote(c[4]), "AS ")) {
			cols = append(cols, quoteIdent(unquote(c[0])))
		}
	}
	r.sinkCols[stmt] = cols
	return cols
}

// planKey matches the properties of a plan node that updates by key:
// [retract, key=(a, b)] or [upsert, key=(a)].
var planKey = regexp.MustCompile(`\[(?:retract|upsert), key=\(([^)]*)\)`)

// queryKey reads the key of a materialized view's query from the first
// node under Materialize in EXPLAIN <statement>, and maps its names to the
// view's columns; nil when the query does not update by key or a key
// column is not one of the view's.
func (r *runner) queryKey(stmt string, cols []string) []int {
	lines, err := r.tryRows("EXPLAIN " + strings.TrimRight(strings.TrimSpace(stmt), ";"))
	if err != nil {
		r.fatalf("EXPLAIN %s: %v", stmt, err)
	}
	for i, l := range lines {
		if !strings.HasPrefix(unquote(l[0]), "Materialize") || i+1 >= len(lines) {
			continue
		}
		ms := planKey.FindAllStringSubmatch(unquote(lines[i+1][0]), -1)
		if ms == nil {
			return nil
		}
		key := []int{}
		for _, n := range strings.Split(ms[len(ms)-1][1], ",") {
			if n = strings.TrimSpace(n); n == "" {
				continue
			}
			j := slices.IndexFunc(cols, func(c string) bool { return strings.EqualFold(c, n) })
			if j < 0 {
				return nil
			}
			key = append(key, j)
		}
		return key
	}
	return nil
}

// contents reads every output's rows.
func (r *runner) contents(outs []output) map[string][]row {
	m := make(map[string][]row, len(outs))
	for _, o := range outs {
		m[o.name] = r.rows("SELECT * FROM " + o.name)
	}
	return m
}

// checkInvariants checks, after a step has been flushed, what must hold
// whatever the expected output says: every query still runs, a keyed
// output has one row per key, and every output equals a fresh copy of its
// query computed from all the input so far.
func (r *runner) checkInvariants(outs []output, after map[string][]row) {
	r.outputs() // fails on a failed query
	for _, o := range outs {
		if o.key == nil {
			continue
		}
		if dups := duplicateKeys(after[o.name], o.key); len(dups) > 0 {
			r.fatalf("%s has more than one row for keys %s", o.name, strings.Join(dups, ", "))
		}
	}
	var fresh []output
	for _, o := range outs {
		if o.fresh != "" {
			r.mustExec(o.fresh)
			fresh = append(fresh, o)
		}
	}
	if len(fresh) == 0 {
		return
	}
	r.flush()
	if r.slept > 0 {
		// Processing time passed for the outputs (sleep): the copies get
		// as much, so that an idle partition stops holding them back too.
		time.Sleep(r.slept)
		r.flush()
	}
	for _, o := range fresh {
		got := sortedRows(after[o.name])
		want := sortedRows(r.rows("SELECT * FROM " + o.name + freshSuffix))
		r.mustExec("DROP MATERIALIZED VIEW " + o.name + freshSuffix)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			r.fatalf("%s differs from a fresh copy of its query (%s):\n%s\nfresh copy:\n%s",
				o.name, o.fresh, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

// unquote undoes renderValue for a text value.
func unquote(s string) string {
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		return strings.ReplaceAll(s[1:len(s)-1], "''", "'")
	}
	return s
}
