package parse

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	"riffle/sql/sqlerr"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// The rewrite turns a piece of a statement into text the TiDB parser
// accepts. Each rule replaces a span of the user's text and never moves a
// binary operator, so precedence is the user's:
//
//   - CAST(x AS t) / TRY_CAST(x AS t) → __riffle_cast_N(x): TiDB's CAST
//     knows MySQL's target types only (no BIGINT, STRING, ARRAY<…>).
//   - x::t → __riffle_cast_N(x), wrapping only the smallest primary
//     expression before the :: (an identifier chain, literal, parameter,
//     parenthesised expression, function call or CASE … END). PostgreSQL
//     binds :: tighter than any operator, so -x::int is -(x::int) and
//     a + b::text casts b alone.
//   - $n → __riffle_param_n(): TiDB knows only ? placeholders, and a
//     function call keeps the parameter's number.
//   - E'…' → '…' with the escapes resolved, since TiDB runs with
//     NO_BACKSLASH_ESCAPES.
//   - INTERVAL '5' SECOND → __riffle_interval_N() (interval.go).
//   - a query VALUES (…), (…) → VALUES ROW(…), ROW(…), MySQL's spelling
//     (INSERT … VALUES keeps the plain form, which TiDB reads there).
//   - a comma right before FROM → a space, with a warning (the book
//     prints select lists that end in one).
//   - comments → spaces: TiDB reads /*! … */ and /*+ … */ as code and
//     needs a space after --; blanking keeps every offset where it was.
//
// What a rule took out is recorded in Source.Ext; every replacement is
// recorded as an edit so that TiDB's error positions map back to the text
// the user wrote.

// repl replaces text[orig:orig+oldLen] of a statement with text.
type repl struct {
	orig, oldLen int
	text         string
	seq          int
	weak         bool // comment blanking, dropped where a real edit covers it
}

// rewriter rewrites the code tokens toks[lo:hi] of src.
type rewriter struct {
	src     *Source
	all     []Token // every token of src.Text, comments included
	toks    []Token // code tokens of src.Text
	lo, hi  int
	reps    []repl
	open    map[int]int // index of ')' → index of its '('
	close   map[int]int // index of '(' → index of its ')'
	castEnd map[int]int // last token of a :: cast's type → first token of the cast
	// Recorded in written order, matched with the parsed nodes by resolve.
	nullEQ    []bool      // each <=>: whether it stands for IS DISTINCT FROM
	regex     []*RegexExt // each REGEXP: what was written, nil for REGEXP/RLIKE
	temporals []*TemporalJoin
}

// rewriteRange rewrites toks[lo:hi] and returns prefix followed by the
// rewritten text, with edits mapping its positions to src.Text.
func rewriteRange(src *Source, all, toks []Token, lo, hi int, prefix string) (string, []edit, error) {
	return newRewriter(src, all, toks, lo, hi).run(prefix)
}

func newRewriter(src *Source, all, toks []Token, lo, hi int) *rewriter {
	return &rewriter{src: src, all: all, toks: toks, lo: lo, hi: hi,
		open: map[int]int{}, close: map[int]int{}, castEnd: map[int]int{}}
}

// parseRange rewrites toks[lo:hi] behind prefix, parses the result with
// TiDB and resolves what the rewrite recorded against the parsed nodes.
func parseRange(src *Source, all, toks []Token, lo, hi int, prefix string) (ast.StmtNode, string, []edit, error) {
	r := newRewriter(src, all, toks, lo, hi)
	text, edits, err := r.run(prefix)
	if err != nil {
		return nil, "", nil, err
	}
	node, err := tidbParse(src, text, edits)
	if err != nil {
		return nil, "", nil, err
	}
	if err := r.resolve(node); err != nil {
		return nil, "", nil, err
	}
	return node, text, edits, nil
}

// run applies the rules and returns prefix followed by the rewritten text.
func (r *rewriter) run(prefix string) (string, []edit, error) {
	src, all, toks, lo, hi := r.src, r.all, r.toks, r.lo, r.hi
	r.matchParens()
	for _, t := range toks[lo:hi] {
		if t.Kind == TokQuotedIdent {
			if src.Ext.Quoted == nil {
				src.Ext.Quoted = map[string]bool{}
			}
			src.Ext.Quoted[t.Val] = true
		}
	}
	if err := r.scan(); err != nil {
		return "", nil, err
	}
	from, to := len(src.Text), len(src.Text)
	if lo < hi {
		from, to = toks[lo].Start, toks[hi-1].End
	}
	for _, t := range all {
		if t.Kind == TokComment && t.Start >= from && t.End <= to {
			if strings.HasPrefix(src.Text[t.Start:t.End], "/*+") {
				hints(src, t.Start, src.Text[t.Start:t.End])
			}
			r.add(t.Start, t.End-t.Start, blank(src.Text[t.Start:t.End]), true)
		}
	}
	return r.apply(prefix, from, to)
}

func (r *rewriter) matchParens() {
	var stack []int
	for i := r.lo; i < r.hi; i++ {
		switch t := r.toks[i]; {
		case t.IsOp("("):
			stack = append(stack, i)
		case t.IsOp(")") && len(stack) > 0:
			o := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			r.open[i], r.close[o] = o, i
		}
	}
}

func (r *rewriter) add(orig, oldLen int, text string, weak bool) {
	r.reps = append(r.reps, repl{orig: orig, oldLen: oldLen, text: text, seq: len(r.reps), weak: weak})
}

// scan walks the tokens once, applying the rules.
func (r *rewriter) scan() error {
	skip := map[int]int{} // AS of a CAST → its ')': the type is not code
	for i := r.lo; i < r.hi; i++ {
		if j, ok := skip[i]; ok {
			i = j - 1
			continue
		}
		t := r.toks[i]
		switch {
		case (t.Is("CAST") || t.Is("TRY_CAST")) && i+1 < r.hi && r.toks[i+1].IsOp("("):
			as, closeIdx, err := r.castCall(i)
			if err != nil {
				return err
			}
			if as > 0 {
				skip[as] = closeIdx
			}
		case t.IsOp("::"):
			end, err := r.colonCast(i)
			if err != nil {
				return err
			}
			i = end - 1
		case t.Is("INTERVAL"):
			end, err := r.intervalLiteral(i)
			if err != nil {
				return err
			}
			i = max(end-1, i)
		case t.Is("VALUES") && r.startsQuery(i):
			r.valuesRows(i)
		case t.Kind == TokParam:
			n, err := strconv.Atoi(t.Val)
			if err != nil || n < 1 {
				return r.src.Errorf(t.Start, sqlerr.SyntaxError, "there is no parameter $%s", t.Val)
			}
			r.add(t.Start, t.End-t.Start, ParamPrefix+strconv.Itoa(n)+"()", false)
		case t.Kind == TokEString:
			r.add(t.Start, t.End-t.Start, quoteString(t.Val), false)
		case t.IsOp("#"):
			// TiDB would read the rest of the line as a comment.
			return syntaxErrAt(r.src, t)
		case t.IsOp(",") && i+1 < r.hi && r.toks[i+1].Is("FROM"):
			// SELECT a, b, FROM t: the book prints a select list with a
			// trailing comma, and no SQL has a comma before FROM.
			r.add(t.Start, t.End-t.Start, " ", false)
			r.src.warn(t.Start, "trailing comma before FROM ignored")
		default:
			end, err := r.scanDialect(i)
			if err != nil {
				return err
			}
			i = max(end-1, i)
		}
	}
	return nil
}

// scanDialect applies the rules for Flink's and PostgreSQL's constructs
// at toks[i] and returns the index of the next token to look at.
func (r *rewriter) scanDialect(i int) (int, error) {
	t := r.toks[i]
	next := func(n int) Token {
		if i+n < r.hi {
			return r.toks[i+n]
		}
		return Token{Kind: TokEOF, Start: len(r.src.Text), End: len(r.src.Text)}
	}
	up := ""
	if t.Kind == TokIdent {
		up = strings.ToUpper(t.Val)
	}
	if n := r.pgArray(i); n > 0 {
		return n, nil
	}
	switch {
	case up == "TABLE" && r.isLongTVF(i):
		return r.windowTVF(i, true)
	case windowKinds[up] != "" && next(1).IsOp("(") && r.fromItemStart(i):
		return r.windowTVF(i, false)
	case (up == "TUMBLE" || up == "HOP" || up == "SESSION") && next(1).IsOp("(") && r.clause(i) == "GROUP":
		r.groupWindow(i)
	case up == "EXCLUDE":
		return r.frameExclude(i)
	case up == "DISTINCT" && next(1).Is("ON") && next(2).IsOp("(") && i > r.lo && r.toks[i-1].Is("SELECT"):
		return r.distinctOn(i)
	case (up == "ROLLUP" || up == "CUBE" || up == "GROUPING") && r.clause(i) == "GROUP":
		if _, ok := r.groupingAt(i); ok {
			return r.groupingSets(i), nil
		}
	case orderedAggregates[up] && next(1).IsOp("("):
		return i + 1, r.aggOrderBy(i)
	case up == "FILTER" && next(1).IsOp("(") && next(2).Is("WHERE") && i > r.lo && r.toks[i-1].IsOp(")"):
		return i + 1, r.filterClause(i)
	case up == "FULL" && (next(1).Is("JOIN") || (next(1).Is("OUTER") && next(2).Is("JOIN"))):
		return i + 1, r.fullJoin(i)
	case up == "FOR" && next(1).Is("SYSTEM_TIME"):
		return r.temporal(i)
	case up == "IS" && next(1).Is("DISTINCT") && next(2).Is("FROM"):
		return i + 3, r.distinctFrom(i, i+2)
	case up == "IS" && next(1).Is("NOT") && next(2).Is("DISTINCT") && next(3).Is("FROM"):
		return i + 4, r.distinctFrom(i, i+3)
	case t.IsOp("<=>"):
		r.nullEQ = append(r.nullEQ, false)
	case up == "REGEXP" || up == "RLIKE":
		r.regex = append(r.regex, nil)
	case (t.IsOp("~") || t.IsOp("~*") || t.IsOp("!~") || t.IsOp("!~*")) && i > r.lo && endsOperand(r.toks[i-1]):
		r.regexOp(i, i+1, t.Val)
	case up == "OPERATOR" && next(1).IsOp("("):
		return r.operatorCall(i)
	case up == "COLLATE" && r.collateDefault(i):
		r.add(t.Start, r.toks[i+3].End-t.Start, "", false)
		return i + 4, nil
	case t.IsOp(",") && next(1).Is("FROM"):
		return 0, r.src.Errorf(t.Start, sqlerr.SyntaxError, "syntax error at or near \",\"").
			WithHint("a select list cannot end with a comma")
	case up == "TO" && r.floorTo(i):
		return i + 2, nil
	case up != "" && r.isReservedName(i):
		r.add(t.Start, t.End-t.Start, quoteIdent(t.Val), false)
	}
	return i + 1, nil
}

// quoteIdent renders an identifier in double quotes (ANSI_QUOTES).
func quoteIdent(n string) string {
	return `"` + strings.ReplaceAll(n, `"`, `""`) + `"`
}

// castCall rewrites CAST(x AS t) starting at toks[i]. It returns the index
// of the AS and the ')' (0, 0 when there is no AS at the top level of the
// parentheses, which is left for TiDB to reject).
func (r *rewriter) castCall(i int) (as, closeIdx int, err error) {
	closeIdx, ok := r.close[i+1]
	if !ok {
		return 0, 0, nil
	}
	depth := 0
	for j := i + 2; j < closeIdx; j++ {
		switch t := r.toks[j]; {
		case t.IsOp("("):
			depth++
		case t.IsOp(")"):
			depth--
		case depth == 0 && t.Is("AS"):
			as = j
		}
		if as > 0 {
			break
		}
	}
	if as == 0 {
		return 0, 0, nil
	}
	closeTok := r.toks[closeIdx]
	c := &cursor{src: r.src, toks: r.toks[:closeIdx], i: as + 1, eof: &closeTok}
	spec, err := c.typeName()
	if err != nil {
		return 0, 0, err
	}
	if err := c.expectEOF(); err != nil {
		return 0, 0, err
	}
	t := r.toks[i]
	name := r.record(t.Start, spec, t.Is("TRY_CAST"))
	r.add(t.Start, t.End-t.Start, name, false)
	cut := r.toks[as-1].End
	r.add(cut, r.toks[closeIdx-1].End-cut, "", false)
	return as, closeIdx, nil
}

// colonCast rewrites x::t where toks[i] is the ::, and returns the index of
// the first token after the type.
func (r *rewriter) colonCast(i int) (int, error) {
	t := r.toks[i]
	start, ok := r.primaryStart(i - 1)
	if !ok {
		return 0, syntaxErrAt(r.src, t)
	}
	c := &cursor{src: r.src, toks: r.toks[:r.hi], i: i + 1}
	spec, err := c.typeName()
	if err != nil {
		return 0, err
	}
	name := r.record(t.Start, spec, false)
	r.add(r.toks[start].Start, 0, name+"(", false)
	last := r.toks[c.i-1]
	r.add(t.Start, last.End-t.Start, ")", false)
	r.castEnd[c.i-1] = start
	return c.i, nil
}

// record adds a cast to the statement's extensions and returns the name of
// its placeholder function.
func (r *rewriter) record(pos int, spec typeSpec, try bool) string {
	if r.src.Ext.Casts == nil {
		r.src.Ext.Casts = map[string]CastExt{}
	}
	name := CastPrefix + strconv.Itoa(len(r.src.Ext.Casts)+1)
	r.src.Ext.Casts[name] = CastExt{Type: spec.T, Pos: pos, Name: spec.PG, Try: try, Varchar: spec.varchar}
	return name
}

// startsQuery reports whether the VALUES at toks[i] begins a query (the
// statement, a subquery, a set operation's operand or a CTE's body) rather
// than the rows of an INSERT.
func (r *rewriter) startsQuery(i int) bool {
	if i == r.lo {
		return true
	}
	p := r.toks[i-1]
	return p.IsOp("(") || p.Is("UNION") || p.Is("ALL") || p.Is("DISTINCT") ||
		p.Is("EXCEPT") || p.Is("INTERSECT") || p.Is("AS")
}

// valuesRows puts ROW before each parenthesised row of the VALUES at
// toks[i].
func (r *rewriter) valuesRows(i int) {
	for j := i + 1; j < r.hi && r.toks[j].IsOp("("); {
		r.add(r.toks[j].Start, 0, "ROW", false)
		closeIdx, ok := r.close[j]
		if !ok || closeIdx+2 >= r.hi || !r.toks[closeIdx+1].IsOp(",") {
			return
		}
		j = closeIdx + 2
	}
}

// notCallee are keywords that may stand before '(' without naming a
// function: in "x IN (…)::t" or "WHEN (…)::t" the cast applies to the
// parenthesised expression alone.
var notCallee = map[string]bool{
	"AND": true, "OR": true, "NOT": true, "IN": true, "IS": true, "WHEN": true, "THEN": true,
	"ELSE": true, "SELECT": true, "WHERE": true, "ON": true, "AS": true, "BY": true,
	"HAVING": true, "LIKE": true, "BETWEEN": true, "FROM": true, "RETURN": true,
	"ALL": true, "ANY": true, "SOME": true, "DISTINCT": true, "USING": true, "VALUES": true,
	"CASE": true, "END": true, "JOIN": true, "UNION": true, "LIMIT": true, "OFFSET": true,
}

// primaryStart returns the index of the first token of the primary
// expression that ends at toks[e].
func (r *rewriter) primaryStart(e int) (int, bool) {
	if e < r.lo {
		return 0, false
	}
	if s, ok := r.castEnd[e]; ok {
		return s, true
	}
	t := r.toks[e]
	switch {
	case t.IsOp(")"):
		o, ok := r.open[e]
		if !ok {
			return 0, false
		}
		if o-1 >= r.lo && r.toks[o-1].IsName() && !(r.toks[o-1].Kind == TokIdent && notCallee[strings.ToUpper(r.toks[o-1].Val)]) {
			return r.chainStart(o - 1), true
		}
		return o, true
	case t.IsOp("]"):
		depth := 0
		for j := e; j >= r.lo; j-- {
			if r.toks[j].IsOp("]") {
				depth++
			} else if r.toks[j].IsOp("[") {
				if depth--; depth == 0 {
					return r.primaryStart(j - 1)
				}
			}
		}
		return 0, false
	case t.Is("END"):
		return r.caseStart(e)
	case t.Kind == TokQuotedIdent || (t.Kind == TokIdent && !notCallee[strings.ToUpper(t.Val)]):
		return r.chainStart(e), true
	case t.Kind == TokString || t.Kind == TokEString || t.Kind == TokNumber || t.Kind == TokParam:
		return e, true
	}
	return 0, false
}

// chainStart extends the name at toks[e] left over a.b.c.
func (r *rewriter) chainStart(e int) int {
	for e-2 >= r.lo && r.toks[e-1].IsOp(".") && r.toks[e-2].IsName() {
		e -= 2
	}
	return e
}

// caseStart finds the CASE that the END at toks[e] closes.
func (r *rewriter) caseStart(e int) (int, bool) {
	depth := 0
	for j := e; j >= r.lo; j-- {
		switch t := r.toks[j]; {
		case t.Is("END"):
			depth++
		case t.Is("CASE"):
			if depth--; depth == 0 {
				return j, true
			}
		}
	}
	return 0, false
}

// apply builds the rewritten text of src.Text[from:to] behind prefix.
func (r *rewriter) apply(prefix string, from, to int) (string, []edit, error) {
	sort.SliceStable(r.reps, func(i, j int) bool {
		a, b := r.reps[i], r.reps[j]
		if a.orig != b.orig {
			return a.orig < b.orig
		}
		if (a.oldLen == 0) != (b.oldLen == 0) {
			return a.oldLen == 0 // insertions go before the text they precede
		}
		if a.weak != b.weak {
			return b.weak // a real edit wins over the comment it covers
		}
		return a.seq > b.seq // a later cast wraps an earlier one: x::a::b
	})
	var b strings.Builder
	b.WriteString(prefix)
	edits := []edit{{at: 0, newLen: len(prefix), orig: from}}
	pos := from
	for _, rp := range r.reps {
		if rp.orig < pos {
			if rp.weak {
				continue
			}
			// Two constructs claim the same text, which only tangled
			// input does (x)::int(y)::int: report it as what it is.
			return "", nil, errorNear(r.src, rp.orig)
		}
		b.WriteString(r.src.Text[pos:rp.orig])
		edits = append(edits, edit{at: b.Len(), newLen: len(rp.text), orig: rp.orig, oldLen: rp.oldLen})
		b.WriteString(rp.text)
		pos = rp.orig + rp.oldLen
	}
	if pos < to {
		b.WriteString(r.src.Text[pos:to])
	}
	return b.String(), edits, nil
}

// Orig maps a byte offset in s.Rewritten to the offset in s.Text of the
// text it came from. A position inside replaced text maps to the start of
// what it replaced.
func (s *Source) Orig(rewrittenPos int) int {
	return origPos(s.edits, rewrittenPos)
}

func origPos(edits []edit, p int) int {
	baseR, baseO := 0, 0
	for _, e := range edits {
		if p < e.at {
			break
		}
		if p < e.at+e.newLen {
			return e.orig
		}
		baseR, baseO = e.at+e.newLen, e.orig+e.oldLen
	}
	return baseO + p - baseR
}

// Find returns the offset in s.Text of the first identifier token at or
// after from whose name is name (compared without regard to case, quoted
// or not), or -1. The binder uses it to position errors about names.
func (s *Source) Find(name string, from int) int {
	all, err := Tokenize(s.Text)
	if err != nil {
		return -1
	}
	for _, t := range all {
		if t.Start >= from && t.IsName() && strings.EqualFold(t.Val, name) {
			return t.Start
		}
	}
	return -1
}

// quoteString renders v as a standard SQL string literal.
func quoteString(v string) string {
	return "'" + strings.ReplaceAll(v, "'", "''") + "'"
}

// blank replaces every byte of a comment but newlines with a space.
func blank(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c != '\n' {
			b[i] = ' '
		}
	}
	return string(b)
}

// hintRE matches one hint of a /*+ … */ comment: NAME(arguments).
var hintRE = regexp.MustCompile(`(?i)([a-z_][a-z0-9_]*)\s*\(([^()]*)\)`)

// hintArgRE matches one 'key' = 'value' argument.
var hintArgRE = regexp.MustCompile(`'((?:[^']|'')*)'\s*=\s*'((?:[^']|'')*)'`)

// hints reads the hints of the comment at pos. STATE_TTL is recorded in
// Ext; any other hint is ignored with a warning, because a hint that
// silently does nothing misleads.
func hints(src *Source, pos int, text string) {
	for _, m := range hintRE.FindAllStringSubmatchIndex(text, -1) {
		name := strings.ToUpper(text[m[2]:m[3]])
		if name != "STATE_TTL" {
			src.warn(pos+m[2], "hint %s is not supported and is ignored", name)
			continue
		}
		args := text[m[4]:m[5]]
		for _, a := range hintArgRE.FindAllStringSubmatchIndex(args, -1) {
			src.Ext.StateTTL = append(src.Ext.StateTTL, StateTTLHint{
				Table: strings.ReplaceAll(args[a[2]:a[3]], "''", "'"),
				Value: strings.ReplaceAll(args[a[4]:a[5]], "''", "'"),
				Pos:   pos + m[4] + a[2],
			})
		}
	}
}
