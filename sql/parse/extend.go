package parse

import (
	"strconv"
	"strings"

	"riffle/sql/sqlerr"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
)

// Rules for FILTER, FULL JOIN, FOR SYSTEM_TIME AS OF, IS [NOT] DISTINCT
// FROM, PostgreSQL's regular-expression operators and reserved words used
// as names. Each is described where Extensions documents what it records.

// filterClause rewrites agg(…) FILTER (WHERE cond), toks[i] being FILTER,
// into __riffle_filter_N(agg(…), cond).
func (r *rewriter) filterClause(i int) error {
	t := r.toks[i]
	start, ok := r.primaryStart(i - 1)
	if !ok {
		return syntaxErrAt(r.src, t)
	}
	closeIdx, ok := r.close[i+1]
	if !ok {
		return syntaxErrAt(r.src, r.toks[i+1])
	}
	if closeIdx == i+3 {
		return syntaxErrAt(r.src, r.toks[closeIdx])
	}
	if closeIdx+1 < r.hi && r.toks[closeIdx+1].Is("OVER") {
		return r.src.Errorf(t.Start, sqlerr.FeatureNotSupported, "FILTER with OVER is not supported")
	}
	if r.src.Ext.Filters == nil {
		r.src.Ext.Filters = map[string]FilterExt{}
	}
	name := FilterPrefix + strconv.Itoa(len(r.src.Ext.Filters)+1)
	r.src.Ext.Filters[name] = FilterExt{Pos: t.Start, Text: r.src.Text[r.toks[i+3].Start:r.toks[closeIdx-1].End]}
	r.add(r.toks[start].Start, 0, name+"(", false)
	r.add(t.Start, r.toks[i+2].End-t.Start, ",", false)
	r.castEnd[closeIdx] = start
	return nil
}

// joinWords end a table reference or an ON condition.
var joinWords = map[string]bool{
	"JOIN": true, "INNER": true, "LEFT": true, "RIGHT": true, "FULL": true, "CROSS": true,
	"NATURAL": true, "STRAIGHT_JOIN": true, "WHERE": true, "GROUP": true, "HAVING": true,
	"ORDER": true, "LIMIT": true, "WINDOW": true, "UNION": true, "EXCEPT": true,
	"INTERSECT": true, "EMIT": true, "ON": true, "USING": true, "FOR": true,
}

// fullJoin rewrites FULL [OUTER] JOIN b ON cond, toks[i] being FULL, into
// LEFT [OUTER] JOIN b ON __riffle_full_join_N(cond).
func (r *rewriter) fullJoin(i int) error {
	t := r.toks[i]
	if i > r.lo && r.toks[i-1].Is("NATURAL") {
		return r.src.Errorf(r.toks[i-1].Start, sqlerr.FeatureNotSupported, "NATURAL FULL JOIN is not supported").
			WithHint("write FULL JOIN … ON")
	}
	on, j0 := -1, i+2
	if r.toks[i+1].Is("OUTER") {
		j0++
	}
	for j := j0; j < r.hi && on < 0; j++ {
		if c, ok := r.close[j]; ok {
			j = c
			continue
		}
		switch tok := r.toks[j]; {
		case tok.Is("ON"):
			on = j
		case tok.Is("USING"):
			return r.src.Errorf(tok.Start, sqlerr.FeatureNotSupported, "FULL JOIN … USING is not supported").
				WithHint("write FULL JOIN … ON")
		case tok.IsOp(")") || tok.IsOp(",") || (tok.Kind == TokIdent && joinWords[strings.ToUpper(tok.Val)] && !tok.Is("OUTER")):
			return syntaxErrAt(r.src, tok)
		}
	}
	if on < 0 || on+1 >= r.hi {
		return syntaxErrAt(r.src, Token{Kind: TokEOF, Start: len(r.src.Text), End: len(r.src.Text)})
	}
	end := on + 1
	for ; end < r.hi; end++ {
		if c, ok := r.close[end]; ok {
			end = c
			continue
		}
		tok := r.toks[end]
		if tok.IsOp(")") || tok.IsOp(",") || tok.IsOp(";") ||
			(tok.Kind == TokIdent && joinWords[strings.ToUpper(tok.Val)] && !tok.Is("ON")) {
			break
		}
	}
	if end == on+1 {
		return syntaxErrAt(r.src, r.toks[min(end, r.hi-1)])
	}
	ordinal := 1
	for _, tok := range r.toks[:i] {
		if tok.Is("JOIN") {
			ordinal++
		}
	}
	if r.src.Ext.FullJoins == nil {
		r.src.Ext.FullJoins = map[string]FullJoinExt{}
	}
	name := FullJoinPrefix + strconv.Itoa(len(r.src.Ext.FullJoins)+1)
	r.src.Ext.FullJoins[name] = FullJoinExt{Pos: t.Start, Ordinal: ordinal}
	r.add(t.Start, t.End-t.Start, "LEFT", false)
	r.add(r.toks[on+1].Start, 0, name+"(", false)
	r.add(r.toks[end-1].End, 0, ")", false)
	return nil
}

// temporal removes FOR SYSTEM_TIME AS OF expr, toks[i] being FOR, and
// returns the index after the expression.
func (r *rewriter) temporal(i int) (int, error) {
	t := r.toks[i]
	if i == r.lo || i+4 >= r.hi || !r.toks[i-1].IsName() || !r.toks[i+2].Is("AS") || !r.toks[i+3].Is("OF") {
		return 0, syntaxErrAt(r.src, t)
	}
	if i-2 >= r.lo && r.toks[i-2].IsOp(".") {
		return 0, r.src.Errorf(r.toks[i-1].Start, sqlerr.FeatureNotSupported, "qualified name is not supported")
	}
	end, err := r.operandEnd(i + 4)
	if err != nil {
		return 0, err
	}
	node, _, _, err := parseRange(r.src, r.all, r.toks, i+4, end, "SELECT ")
	if err != nil {
		return 0, err
	}
	sel, ok := node.(*ast.SelectStmt)
	if !ok || sel.Fields == nil || len(sel.Fields.Fields) != 1 || sel.From != nil {
		return 0, syntaxErrAt(r.src, r.toks[i+4])
	}
	tbl := r.toks[i-1]
	tj := &TemporalJoin{Table: Name{Name: tbl.Val, Pos: tbl.Start}, Pos: t.Start,
		Time: &Expr{Node: sel.Fields.Fields[0].Expr, Text: r.src.Text[r.toks[i+4].Start:r.toks[end-1].End]}}
	switch a := end; {
	case a+1 < r.hi && r.toks[a].Is("AS") && r.toks[a+1].IsName():
		tj.Alias = Name{Name: r.toks[a+1].Val, Pos: r.toks[a+1].Start}
	case a < r.hi && r.toks[a].IsName() && !(r.toks[a].Kind == TokIdent && joinWords[strings.ToUpper(r.toks[a].Val)]):
		tj.Alias = Name{Name: r.toks[a].Val, Pos: r.toks[a].Start}
	}
	r.src.Ext.Temporal = append(r.src.Ext.Temporal, tj)
	r.temporals = append(r.temporals, tj)
	r.add(t.Start, r.toks[end-1].End-t.Start, "", false)
	return end, nil
}

// operandEnd returns the index after the expression starting at toks[i]
// that FOR SYSTEM_TIME AS OF takes: operands (names, a.b, calls, literals,
// interval literals, parenthesised expressions) joined by + - * /.
func (r *rewriter) operandEnd(i int) (int, error) {
	for {
		if i >= r.hi {
			return 0, syntaxErrAt(r.src, Token{Kind: TokEOF, Start: len(r.src.Text), End: len(r.src.Text)})
		}
		t := r.toks[i]
		switch {
		case t.Is("INTERVAL"):
			iv, end, err := r.intervalAt(i, r.hi)
			if err != nil {
				return 0, err
			}
			if iv == nil {
				return 0, syntaxErrAt(r.src, t)
			}
			i = end
		case t.IsOp("("):
			c, ok := r.close[i]
			if !ok {
				return 0, syntaxErrAt(r.src, t)
			}
			i = c + 1
		case t.IsName():
			i = r.chainEnd(i)
			if i < r.hi && r.toks[i].IsOp("(") {
				c, ok := r.close[i]
				if !ok {
					return 0, syntaxErrAt(r.src, r.toks[i])
				}
				i = c + 1
			}
		case t.Kind == TokString || t.Kind == TokNumber || t.Kind == TokParam:
			i++
		default:
			return 0, syntaxErrAt(r.src, t)
		}
		if i <= 0 || i >= r.hi {
			return max(i, r.hi), nil
		}
		if n := r.toks[i]; !(n.IsOp("+") || n.IsOp("-") || n.IsOp("*") || n.IsOp("/")) {
			return i, nil
		}
		i++
	}
}

// chainEnd returns the index after the name chain a.b.c starting at toks[i].
func (r *rewriter) chainEnd(i int) int {
	i++
	for i+1 < r.hi && r.toks[i].IsOp(".") && r.toks[i+1].IsName() {
		i += 2
	}
	return i
}

// comparisonOps are the operators of the comparison precedence class.
var comparisonOps = map[string]bool{"=": true, "<": true, ">": true, "<=": true, ">=": true, "<>": true, "!=": true, "<=>": true, "~": true, "!~": true, "~*": true, "!~*": true}

// operandBounds end an operand of a comparison.
var operandBounds = map[string]bool{
	"AND": true, "OR": true, "NOT": true, "WHEN": true, "THEN": true, "ELSE": true, "END": true,
	"WHERE": true, "ON": true, "HAVING": true, "SELECT": true, "AS": true, "XOR": true,
	"FROM": true, "GROUP": true, "ORDER": true, "LIMIT": true, "BETWEEN": true,
}

// distinctFrom rewrites a IS [NOT] DISTINCT FROM b, toks[i] being IS and
// toks[from] its FROM, into a <=> b.
func (r *rewriter) distinctFrom(i, from int) error {
	t := r.toks[i]
	for _, dir := range []int{-1, 1} {
		j := i - 1
		if dir > 0 {
			j = from + 1
		}
		for ; j >= r.lo && j < r.hi; j += dir {
			tok := r.toks[j]
			if dir > 0 {
				if c, ok := r.close[j]; ok {
					j = c
					continue
				}
			} else if o, ok := r.open[j]; ok {
				j = o
				continue
			}
			if tok.IsOp("(") || tok.IsOp(")") || tok.IsOp(",") || tok.IsOp(";") ||
				(tok.Kind == TokIdent && operandBounds[strings.ToUpper(tok.Val)]) {
				break
			}
			if (tok.Kind == TokOp && comparisonOps[tok.Val]) || tok.Is("IS") || tok.Is("LIKE") || tok.Is("IN") || tok.Is("REGEXP") {
				return r.src.Errorf(t.Start, sqlerr.SyntaxError, "IS DISTINCT FROM next to another comparison is ambiguous").
					WithHint("put parentheses around one of the comparisons")
			}
		}
	}
	r.nullEQ = append(r.nullEQ, !r.toks[i+1].Is("NOT"))
	r.add(t.Start, r.toks[from].End-t.Start, "<=>", false)
	return nil
}

// endsOperand reports whether t can end an operand, so that an operator
// after it is binary (~ is also MySQL's unary bitwise NOT).
func endsOperand(t Token) bool {
	switch t.Kind {
	case TokQuotedIdent, TokString, TokEString, TokNumber, TokParam:
		return true
	case TokIdent:
		return !notCallee[strings.ToUpper(t.Val)] || t.Is("END")
	case TokOp:
		return t.Val == ")" || t.Val == "]"
	}
	return false
}

// regexOp rewrites the PostgreSQL operator op (~, ~*, !~, !~*) written at
// toks[i:end] into REGEXP or NOT REGEXP.
func (r *rewriter) regexOp(i, end int, op string) {
	t := r.toks[i]
	ext := &RegexExt{Op: op, Not: strings.HasPrefix(op, "!"), CaseInsensitive: strings.HasSuffix(op, "*"), Pos: t.Start}
	r.regex = append(r.regex, ext)
	text := "REGEXP"
	if ext.Not {
		text = "NOT REGEXP"
	}
	r.add(t.Start, r.toks[end-1].End-t.Start, text, false)
}

// operatorCall rewrites OPERATOR(pg_catalog.~) at toks[i] and returns the
// index after it.
func (r *rewriter) operatorCall(i int) (int, error) {
	closeIdx, ok := r.close[i+1]
	if !ok {
		return 0, syntaxErrAt(r.src, r.toks[i+1])
	}
	j := i + 2
	if j+1 < closeIdx && r.toks[j].IsName() && r.toks[j+1].IsOp(".") {
		j += 2
	}
	op := r.toks[j]
	if j+1 != closeIdx || op.Kind != TokOp || !(op.Val == "~" || op.Val == "~*" || op.Val == "!~" || op.Val == "!~*") {
		return 0, r.src.Errorf(r.toks[i].Start, sqlerr.FeatureNotSupported, "operator %s is not supported", r.src.Text[r.toks[i].Start:r.toks[closeIdx].End])
	}
	r.regexOp(i, closeIdx+1, op.Val)
	return closeIdx + 1, nil
}

// reservedNames are words TiDB reserves that Flink and PostgreSQL users
// write as names (key, rank, window, …). In a name position the rewrite
// quotes them; where they are keywords they are left alone.
var reservedNames = map[string]bool{
	"KEY": true, "KEYS": true, "RANK": true, "DENSE_RANK": true, "ROW_NUMBER": true,
	"PERCENT_RANK": true, "CUME_DIST": true, "NTILE": true, "LEAD": true, "LAG": true,
	"FIRST_VALUE": true, "LAST_VALUE": true, "NTH_VALUE": true, "OUT": true, "WINDOW": true,
	"GROUPS": true, "INDEX": true, "MATCH": true, "SCHEMA": true,
}

// isReservedName reports whether the reserved word at toks[i] is used as
// a name: not called as a function and not in one of its keyword uses.
func (r *rewriter) isReservedName(i int) bool {
	t := r.toks[i]
	if t.Kind != TokIdent || !reservedNames[strings.ToUpper(t.Val)] {
		return false
	}
	next := func(n int) Token {
		if i+n < r.hi {
			return r.toks[i+n]
		}
		return Token{Kind: TokEOF}
	}
	prev := Token{Kind: TokEOF}
	if i > r.lo {
		prev = r.toks[i-1]
	}
	switch {
	case next(1).IsOp("(") && !prev.IsOp("."):
		return false
	case t.Is("KEY") || t.Is("KEYS"):
		return !(prev.Is("PRIMARY") || prev.Is("UNIQUE") || prev.Is("FOREIGN") || prev.Is("DUPLICATE"))
	case t.Is("WINDOW"):
		return !(next(1).IsName() && next(2).Is("AS"))
	case t.Is("INDEX"):
		return !(prev.Is("USE") || prev.Is("FORCE") || prev.Is("IGNORE"))
	}
	return true
}

// collateDefault reports whether toks[i:i+4] is COLLATE pg_catalog.default
// (psql sends it), which names the default collation and so means nothing.
func (r *rewriter) collateDefault(i int) bool {
	return i+3 < r.hi && r.toks[i].Is("COLLATE") && r.toks[i+1].IsName() &&
		strings.EqualFold(r.toks[i+1].Val, "pg_catalog") && r.toks[i+2].IsOp(".") &&
		strings.EqualFold(r.toks[i+3].Val, "default")
}

// resolve matches what the rewrite recorded by position in the text with
// the nodes of the parsed statement.
func (r *rewriter) resolve(node ast.Node) error {
	v := &resolver{r: r, pending: map[ast.Node]ast.Node{}}
	node.Accept(v)
	if len(v.nullEQ) != len(r.nullEQ) || len(v.regex) != len(r.regex) {
		// TiDB read the text differently from the tokenizer (MySQL takes
		// 1abc for a name, for one): say where, rather than guess.
		return r.src.Errorf(r.toks[r.lo].Start, sqlerr.SyntaxError, "cannot tell which operands the ~, <=> or IS DISTINCT FROM operators here apply to")
	}
	for k, n := range v.nullEQ {
		if r.nullEQ[k] {
			if r.src.Ext.DistinctFrom == nil {
				r.src.Ext.DistinctFrom = map[*ast.BinaryOperationExpr]bool{}
			}
			r.src.Ext.DistinctFrom[n] = true
		}
	}
	for k, n := range v.regex {
		if r.regex[k] != nil {
			if r.src.Ext.Regex == nil {
				r.src.Ext.Regex = map[*ast.PatternRegexpExpr]RegexExt{}
			}
			r.src.Ext.Regex[n] = *r.regex[k]
		}
	}
	for _, tj := range r.temporals {
		if tj.Source == nil {
			return r.src.Errorf(tj.Pos, sqlerr.SyntaxError, "FOR SYSTEM_TIME AS OF must follow a table name")
		}
	}
	return nil
}

// resolver walks a parsed statement. Binary operators are collected in
// the order their operator is written: a node is taken when the walk
// enters its right operand, which is after the left one's text.
type resolver struct {
	r       *rewriter
	pending map[ast.Node]ast.Node // right operand → operator node
	nullEQ  []*ast.BinaryOperationExpr
	regex   []*ast.PatternRegexpExpr
}

func (v *resolver) Enter(n ast.Node) (ast.Node, bool) {
	if op, ok := v.pending[n]; ok {
		delete(v.pending, n)
		switch o := op.(type) {
		case *ast.BinaryOperationExpr:
			v.nullEQ = append(v.nullEQ, o)
		case *ast.PatternRegexpExpr:
			v.regex = append(v.regex, o)
		}
	}
	switch x := n.(type) {
	case *ast.BinaryOperationExpr:
		if x.Op == opcode.NullEQ {
			v.pending[x.R] = x
		}
	case *ast.PatternRegexpExpr:
		v.pending[x.Pattern] = x
	case *ast.FuncCallExpr:
		if strings.HasPrefix(x.FnName.L, FilterPrefix) && len(x.Args) == 2 {
			if f, ok := v.r.src.Ext.Filters[x.FnName.L]; ok {
				f.Cond = x.Args[1]
				v.r.src.Ext.Filters[x.FnName.L] = f
			}
		}
	case *ast.TableSource:
		v.temporal(x)
	}
	return n, false
}

func (v *resolver) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// temporal gives a table reference to the first temporal join not yet
// placed whose table name and alias it has.
func (v *resolver) temporal(ts *ast.TableSource) {
	tn, ok := ts.Source.(*ast.TableName)
	if !ok {
		return
	}
	key := [2]string{strings.ToLower(tn.Name.O), strings.ToLower(ts.AsName.O)}
	for _, tj := range v.r.temporals {
		if tj.Source == nil && [2]string{strings.ToLower(tj.Table.Name), strings.ToLower(tj.Alias.Name)} == key {
			tj.Source = ts
			return
		}
	}
}

// floorTo rewrites Flink's FLOOR(x TO unit) / CEIL(x TO unit), toks[i]
// being TO, into FLOOR(x, __riffle_unit_<unit>()).
func (r *rewriter) floorTo(i int) bool {
	if i+2 >= r.hi || !r.toks[i+2].IsOp(")") {
		return false
	}
	unit, ok := unitAt(r.toks[i+1])
	if !ok {
		return false
	}
	switch r.enclosingCall(i) {
	case "FLOOR", "CEIL", "CEILING":
	default:
		return false
	}
	r.add(r.toks[i].Start, r.toks[i+1].End-r.toks[i].Start, ", "+TimeUnitPrefix+strings.ToLower(unit)+"()", false)
	return true
}
