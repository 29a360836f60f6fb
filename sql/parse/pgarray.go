package parse

import (
	"strings"
)

// Placeholders of PostgreSQL's array syntax, which TiDB has no grammar for.
// They carry no Ext entry: each is an ordinary call whose name says what it
// stands for.
const (
	// ArraySubqueryFunc stands for ARRAY(SELECT …): it reaches TiDB as
	// __riffle_array_subquery((SELECT …)).
	ArraySubqueryFunc = "__riffle_array_subquery"
	// AnyArrayFunc stands for the array of x = ANY(array), which reaches
	// TiDB as x IN (__riffle_any_array(array)); <> ALL(array) as NOT IN.
	AnyArrayFunc = "__riffle_any_array"
	// ConstructorPrefix starts the call ARRAY[a, b] and MAP[k, v] reach
	// TiDB as (ARRAY and MAP are its keywords): __riffle_ctor_array(a, b).
	ConstructorPrefix = "__riffle_ctor_"
	// SubscriptFunc is x[i], which reaches TiDB as subscript(x, i).
	SubscriptFunc = "subscript"
)

// pgArray rewrites the PostgreSQL array syntax at toks[i], if any, and
// returns the index of the next token to look at (0: nothing to do here).
func (r *rewriter) pgArray(i int) int {
	t := r.toks[i]
	next := func(n int) Token {
		if i+n < r.hi {
			return r.toks[i+n]
		}
		return Token{Kind: TokEOF, Start: len(r.src.Text), End: len(r.src.Text)}
	}
	if n := r.tableFunction(i); n > 0 {
		return n
	}
	if n := r.columnAliases(i); n > 0 {
		return n
	}
	if t.Is("AS") && next(1).Kind == TokIdent && reservedAliases[strings.ToUpper(next(1).Val)] &&
		(next(2).IsOp(",") || next(2).IsOp(")") || next(2).Is("FROM") || next(2).Kind == TokEOF) {
		// SELECT … AS default, … AS table: PostgreSQL takes any word after
		// AS for an output name; TiDB reserves these.
		n := next(1)
		r.add(n.Start, n.End-n.Start, quoteIdent(n.Val), false)
		return i + 2
	}
	switch {
	case t.Is("EXTRACT") && next(1).IsOp("(") && next(2).Kind == TokIdent && pgOnlyUnits[strings.ToUpper(next(2).Val)] && next(3).Is("FROM"):
		// EXTRACT(EPOCH FROM x): units TiDB's grammar lacks reach it as
		// __riffle_extract('EPOCH', x), which binds as EXTRACT.
		r.add(t.Start, next(3).End-t.Start, ExtractFunc+"("+quoteString(strings.ToUpper(next(2).Val))+",", false)
		return i + 4
	case (t.Is("ARRAY") || t.Is("MAP")) && next(1).IsOp("["):
		// ARRAY[a, b] → array(a, b), and Flink's MAP[k, v] → map(k, v)
		end := r.closeBracket(i + 1)
		if end < 0 {
			return 0
		}
		r.add(t.Start, next(1).End-t.Start, ConstructorPrefix+strings.ToLower(t.Val)+"(", false)
		r.add(r.toks[end].Start, 1, ")", false)
		return i + 2
	case t.Is("ARRAY") && next(1).IsOp("(") && (next(2).Is("SELECT") || next(2).Is("WITH") || next(2).Is("VALUES")):
		// ARRAY(SELECT …) → __riffle_array_subquery((SELECT …))
		closeIdx, ok := r.close[i+1]
		if !ok {
			return 0
		}
		r.add(t.Start, t.End-t.Start, ArraySubqueryFunc+"(", false)
		r.add(r.toks[closeIdx].Start, 1, "))", false)
		return i + 2
	case (t.IsOp("=") || t.IsOp("<>") || t.IsOp("!=")) && (next(1).Is("ANY") || next(1).Is("SOME") || next(1).Is("ALL")) &&
		next(2).IsOp("(") && !(next(3).Is("SELECT") || next(3).Is("WITH") || next(3).Is("VALUES")):
		// x = ANY(arr) → x IN (__riffle_any_array(arr)); x <> ALL(arr) →
		// x NOT IN (…). The left operand stays where it is.
		all := next(1).Is("ALL")
		eq := t.IsOp("=")
		if eq == all {
			return 0 // x = ALL(arr), x <> ANY(arr): left for the error below
		}
		closeIdx, ok := r.close[i+2]
		if !ok {
			return 0
		}
		in := "IN"
		if !eq {
			in = "NOT IN"
		}
		r.add(t.Start, next(2).End-t.Start, in+" ("+AnyArrayFunc+"(", false)
		r.add(r.toks[closeIdx].Start, 1, "))", false)
		return i + 3
	case t.IsOp(".") && i > r.lo && r.toks[i-1].IsOp(")") && next(1).IsName() && r.parenExpr(i-1):
		// (expr).field → field((expr), 'field'): a field of a composite
		// value, as pgjdbc reads (information_schema._pg_expandarray(k)).n.
		o := r.open[i-1]
		name := next(1)
		val := name.Val
		if name.Kind == TokIdent {
			val = strings.ToLower(val)
		}
		r.add(r.toks[o].Start, 0, "field(", false)
		r.add(t.Start, name.End-t.Start, ", "+quoteString(val)+")", false)
		return i + 2
	case t.IsOp("[") && i > r.lo && endsOperand(r.toks[i-1]) && !r.toks[i-1].Is("ARRAY") && !r.toks[i-1].Is("MAP"):
		// x[i] → subscript(x, i)
		start, ok := r.primaryStart(i - 1)
		if !ok {
			return 0
		}
		end := r.closeBracket(i)
		if end < 0 {
			return 0
		}
		r.add(r.toks[start].Start, 0, SubscriptFunc+"(", false)
		r.add(t.Start, 1, ", ", false)
		r.add(r.toks[end].Start, 1, ")", false)
		return i + 1
	}
	return 0
}

// reservedAliases are words TiDB reserves that clients use as output
// names after AS.
var reservedAliases = map[string]bool{
	"DEFAULT": true, "TABLE": true, "UPDATE": true, "SELECT": true, "INSERT": true, "DELETE": true,
	"ORDER": true, "GROUP": true, "USER": true, "CHECK": true, "COLUMN": true, "CONSTRAINT": true,
	"PRIMARY": true, "REFERENCES": true, "RANGE": true, "ROWS": true, "TO": true, "FOR": true,
	"OPTION": true, "CONDITION": true, "LEADING": true, "TRAILING": true, "BOTH": true,
	"GENERATED": true, "STORED": true, "VIRTUAL": true, "REPLACE": true, "READ": true, "WRITE": true,
	"USAGE": true, "LEFT": true, "RIGHT": true, "FULL": true, "CROSS": true, "INTERVAL": true,
}

// ExtractFunc stands for EXTRACT with a unit only PostgreSQL has.
const ExtractFunc = "__riffle_extract"

// pgOnlyUnits are EXTRACT's units that PostgreSQL has and TiDB's grammar
// does not.
var pgOnlyUnits = map[string]bool{"EPOCH": true, "DOW": true, "DOY": true, "ISODOW": true, "ISOYEAR": true,
	"MILLISECONDS": true, "MICROSECONDS": true}

// closeBracket finds the ] that closes the [ at toks[i], or -1.
func (r *rewriter) closeBracket(i int) int {
	depth := 0
	for j := i; j < r.hi; j++ {
		switch {
		case r.toks[j].IsOp("["):
			depth++
		case r.toks[j].IsOp("]"):
			if depth--; depth == 0 {
				return j
			}
		}
	}
	return -1
}

// SRFPrefix starts the call a set-returning function in FROM becomes:
// FROM unnest(a) x reaches TiDB as FROM (SELECT __riffle_srf_unnest(a)) x,
// and with WITH ORDINALITY as __riffle_srf_unnest__ordinality(a).
const SRFPrefix = "__riffle_srf_"

// OrdinalitySuffix ends the SRF placeholder of … WITH ORDINALITY.
const OrdinalitySuffix = "__ordinality"

// srfNames are the set-returning functions riffle has for FROM.
var srfNames = map[string]bool{
	"UNNEST": true, "GENERATE_SERIES": true, "GENERATE_SUBSCRIPTS": true, "PG_PARTITION_ANCESTORS": true,
}

// ValueSRF is the FROM item a scalar function becomes: in PostgreSQL,
// FROM string_to_array(x, ',') s is a table of one row whose one column s
// holds the function's value (BI tools' catalog queries rely on it). It
// reaches TiDB as FROM (SELECT __riffle_srf_value(string_to_array(x, ','))) s.
const ValueSRF = "value"

// notFromFunctions are the words that may stand before a parenthesis at the
// start of a FROM item without being a function call.
var notFromFunctions = map[string]bool{"TABLE": true, "LATERAL": true, "VALUES": true, "SELECT": true}

// tableFunction rewrites a set-returning function call that is a FROM item
// at toks[i] (optionally qualified pg_catalog.), and returns the index
// after it, or 0 when there is none here.
func (r *rewriter) tableFunction(i int) int {
	if !r.fromItemStart(i) || !r.toks[i].IsName() {
		return 0
	}
	if r.toks[i-1].Is("FROM") && r.clause(i-1) != "SELECT" {
		return 0 // TRIM(… FROM f(x)), EXTRACT(… FROM f(x)): no FROM clause
	}
	name := i
	if i+2 < r.hi && strings.EqualFold(r.toks[i].Val, "pg_catalog") && r.toks[i+1].IsOp(".") {
		name = i + 2
	}
	if name+1 >= r.hi || !r.toks[name+1].IsOp("(") || r.toks[name].Kind != TokIdent {
		return 0
	}
	up := strings.ToUpper(r.toks[name].Val)
	if notFromFunctions[up] || windowKinds[up] != "" {
		return 0
	}
	closeIdx, ok := r.close[name+1]
	if !ok {
		return 0
	}
	if !srfNames[up] {
		// A scalar function: its call stays as written, inside the
		// placeholder, for the rewriter to go on with.
		r.add(r.toks[i].Start, 0, "(SELECT "+SRFPrefix+ValueSRF+"(", false)
		r.add(r.toks[closeIdx].End, 0, "))", false)
		return i + 1
	}
	fn := SRFPrefix + strings.ToLower(r.toks[name].Val)
	if closeIdx+2 < r.hi && r.toks[closeIdx+1].Is("WITH") && r.toks[closeIdx+2].Is("ORDINALITY") {
		fn += OrdinalitySuffix
		r.add(r.toks[closeIdx+1].Start, r.toks[closeIdx+2].End-r.toks[closeIdx+1].Start, "", false)
	}
	r.add(r.toks[i].Start, r.toks[name].End-r.toks[i].Start, "(SELECT "+fn, false)
	r.add(r.toks[closeIdx].Start, 1, "))", false)
	return name + 2
}

// parenExpr reports whether the ) at toks[e] closes a parenthesised
// expression rather than a call's arguments.
func (r *rewriter) parenExpr(e int) bool {
	o, ok := r.open[e]
	if !ok {
		return false
	}
	if o-1 < r.lo {
		return true
	}
	p := r.toks[o-1]
	return !(p.IsName() && !(p.Kind == TokIdent && notCallee[strings.ToUpper(p.Val)]))
}

// columnAliases takes out the column alias list after a FROM item's alias
// at toks[i] (… AS x(a, b) or …) s(a)) into Ext.ColumnAliases, and returns
// the index after it, or 0 when there is none here.
func (r *rewriter) columnAliases(i int) int {
	t := r.toks[i]
	if !t.IsName() || i+1 >= r.hi || !r.toks[i+1].IsOp("(") || i == r.lo {
		return 0
	}
	if p := r.toks[i-1]; !(p.Is("AS") || p.IsOp(")")) || r.clause(i) != "FROM" {
		return 0
	}
	closeIdx, ok := r.close[i+1]
	if !ok {
		return 0
	}
	var names []string
	for j := i + 2; j < closeIdx; j += 2 {
		n := r.toks[j]
		if !n.IsName() || (j+1 < closeIdx && !r.toks[j+1].IsOp(",")) {
			return 0
		}
		val := n.Val
		if n.Kind == TokIdent {
			val = strings.ToLower(val)
		}
		names = append(names, val)
	}
	if len(names) == 0 {
		return 0
	}
	if r.src.Ext.ColumnAliases == nil {
		r.src.Ext.ColumnAliases = map[string][]string{}
	}
	alias := t.Val
	if t.Kind == TokIdent {
		alias = strings.ToLower(alias)
	}
	r.src.Ext.ColumnAliases[alias] = names
	r.add(r.toks[i+1].Start, r.toks[closeIdx].End-r.toks[i+1].Start, "", false)
	return closeIdx + 1
}

// AggOrderFunc carries the ORDER BY of an ordered-set call such as
// string_agg(x, ',' ORDER BY y DESC): TiDB's grammar takes ORDER BY only in
// GROUP_CONCAT, so the call reaches it as string_agg(x, ',',
// __riffle_agg_order(y, 'DESC')), each key followed by its direction
// as a string: empty for the default, else DESC, NULLS FIRST, NULLS LAST or
// DESC NULLS LAST.
const AggOrderFunc = "__riffle_agg_order"

// AggDistinctPrefix renames an ordered aggregate called with DISTINCT,
// which TiDB's grammar takes only for its own aggregates:
// string_agg(DISTINCT x, ',') reaches it as __riffle_distinct_string_agg(x, ',').
const AggDistinctPrefix = "__riffle_distinct_"

// orderedAggregates are the aggregates that take ORDER BY in their call.
var orderedAggregates = map[string]bool{"STRING_AGG": true, "ARRAY_AGG": true}

// aggOrderBy rewrites the ORDER BY inside the call at toks[i] (an ordered
// aggregate's name), if it has one at its top level.
func (r *rewriter) aggOrderBy(i int) error {
	closeIdx, ok := r.close[i+1]
	if !ok {
		return nil
	}
	if r.toks[i+2].Is("DISTINCT") && i+3 < closeIdx {
		r.add(r.toks[i].Start, r.toks[i+2].End-r.toks[i].Start, AggDistinctPrefix+strings.ToLower(r.toks[i].Val)+"(", false)
	}
	order := -1
	for j := i + 2; j < closeIdx; j++ {
		if r.toks[j].IsOp("(") {
			if c, ok := r.close[j]; ok {
				j = c
			}
			continue
		}
		if r.toks[j].Is("ORDER") && j+1 < closeIdx && r.toks[j+1].Is("BY") {
			order = j
			break
		}
	}
	if order < 0 {
		return nil
	}
	if order == i+2 || order+2 >= closeIdx {
		return syntaxErrAt(r.src, r.toks[order])
	}
	r.add(r.toks[order].Start, r.toks[order+1].End-r.toks[order].Start, ", "+AggOrderFunc+"(", false)
	// Each key: its expression, then ASC/DESC and NULLS FIRST/LAST, which
	// become a string argument after it.
	keyEnd := func(from int) int {
		for j := from; j < closeIdx; j++ {
			switch {
			case r.toks[j].IsOp("("):
				if c, ok := r.close[j]; ok {
					j = c
				}
			case r.toks[j].IsOp(","):
				return j
			}
		}
		return closeIdx
	}
	for k := order + 2; k < closeIdx; {
		end := keyEnd(k)
		dirStart, dir := end, ""
		switch {
		case end-2 > k && r.toks[end-2].Is("NULLS") && (r.toks[end-1].Is("FIRST") || r.toks[end-1].Is("LAST")):
			dirStart, dir = end-2, " NULLS "+strings.ToUpper(r.toks[end-1].Val)
		}
		if dirStart-1 > k && (r.toks[dirStart-1].Is("ASC") || r.toks[dirStart-1].Is("DESC")) {
			dirStart--
			if r.toks[dirStart].Is("DESC") {
				dir = "DESC" + dir
			}
		}
		if dirStart == k {
			return syntaxErrAt(r.src, r.toks[k])
		}
		text := ", " + quoteString(strings.TrimSpace(dir))
		if end == closeIdx {
			text += ")" // the last key closes the placeholder call
		}
		if dirStart < end {
			r.add(r.toks[dirStart].Start, r.toks[end-1].End-r.toks[dirStart].Start, text, false)
		} else {
			r.add(r.toks[end-1].End, 0, text, false)
		}
		k = end + 1
	}
	return nil
}
