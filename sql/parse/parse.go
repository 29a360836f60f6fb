package parse

import (
	"strings"

	"riffle/sql/sqlerr"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// Parse splits input into statements on top-level semicolons and parses
// each. Errors are *sqlerr.Error positioned in input. An input with no
// statement in it (only spaces, comments or semicolons) gives one *Empty,
// which PostgreSQL answers with EmptyQueryResponse; empty statements
// between others are dropped, as PostgreSQL does.
func Parse(input string) ([]Statement, error) {
	all, err := Tokenize(input)
	if err != nil {
		return nil, err
	}
	var stmts []Statement
	for _, piece := range split(all) {
		st, err := parsePiece(input, piece)
		if err != nil {
			return nil, err
		}
		if st != nil {
			stmts = append(stmts, st)
		}
	}
	if len(stmts) == 0 {
		return []Statement{&Empty{Src: &Source{Input: input}}}, nil
	}
	return stmts, nil
}

// parsePiece parses the statement whose tokens (comments included) are
// piece, cut out of input by split; nil, nil when it holds no code.
func parsePiece(input string, piece []Token) (Statement, error) {
	code := codeTokens(piece)
	if len(code) == 0 {
		return nil, nil
	}
	start, end := code[0].Start, code[len(code)-1].End
	src := &Source{Input: input, Offset: start, Text: input[start:end]}
	var inside []Token
	for _, t := range piece {
		if t.Start >= start && t.End <= end {
			inside = append(inside, t)
		}
	}
	all := shift(inside, start)
	return parseStatement(src, all, codeTokens(all))
}

// ParseOne parses input that must hold at most one statement, as the
// extended query protocol requires.
func ParseOne(input string) (Statement, error) {
	stmts, err := Parse(input)
	if err != nil {
		return nil, err
	}
	if len(stmts) > 1 {
		return nil, sqlerr.New(sqlerr.SyntaxError, "cannot insert multiple commands into a prepared statement")
	}
	return stmts[0], nil
}

// split cuts the tokens at semicolons outside parentheses. The semicolons
// themselves are dropped.
//
// A statement set (EXECUTE STATEMENT SET BEGIN … END, BEGIN STATEMENT SET;
// … END) is one piece: its semicolons up to the END that closes it (not
// a CASE's END) do not cut.
func split(all []Token) [][]Token {
	var pieces [][]Token
	depth, start, cases := 0, 0, 0
	inSet, checked := false, false
	for i, t := range all {
		if !checked && t.Kind != TokComment {
			checked = true // the first code token of a statement
			inSet = setStart(codeTokens(all[i:min(i+8, len(all))]))
		}
		switch {
		case t.IsOp("("):
			depth++
		case t.IsOp(")"):
			depth = max(depth-1, 0)
		case inSet && t.Is("CASE"):
			cases++
		case inSet && t.Is("END") && cases > 0:
			cases--
		case inSet && t.Is("END") && depth == 0:
			inSet = false
		case t.IsOp(";") && depth == 0 && !inSet:
			pieces = append(pieces, all[start:i])
			start, checked = i+1, false
		}
	}
	return append(pieces, all[start:])
}

// unsupported are statements riffle recognises but does not run yet; they
// get 0A000 rather than a syntax error.
var unsupported = map[string]bool{
	"ALTER": true, "UPDATE": true, "DELETE": true, "BEGIN": true, "START": true, "COMMIT": true,
	"ROLLBACK": true, "END": true, "DECLARE": true, "FETCH": true, "CLOSE": true, "COPY": true,
	"SUBSCRIBE": true, "EXECUTE": true, "GRANT": true, "REVOKE": true, "TRUNCATE": true,
	"USE": true, "DISCARD": true, "DEALLOCATE": true, "PREPARE": true,
	"LISTEN": true, "UNLISTEN": true, "NOTIFY": true, "ANALYZE": true, "VACUUM": true,
	"COMMENT": true, "LOCK": true, "MERGE": true, "REPLACE": true, "CALL": true, "DO": true,
}

// parseStatement dispatches on the leading keyword. all and toks are the
// statement's tokens with and without comments, relative to src.Text.
func parseStatement(src *Source, all, toks []Token) (Statement, error) {
	c := newCursor(src, toks)
	first := c.peek()
	if first.IsOp("(") {
		return parseSelect(src, all, toks)
	}
	if first.Kind != TokIdent {
		return nil, c.syntaxErr(first)
	}
	kw := strings.ToUpper(first.Val)
	switch kw {
	case "SELECT", "WITH", "TABLE", "VALUES":
		return parseSelect(src, all, toks)
	case "CREATE":
		return parseCreate(c, all)
	case "INSERT":
		return parseInsert(c, all)
	case "SHOW":
		return parseShow(c)
	case "DESCRIBE", "DESC":
		c.next()
		return oneName(c, func(n Name) Statement { return &Describe{Src: src, Name: n} })
	case "DROP":
		return parseDrop(c)
	case "STOP":
		return parseStop(c)
	case "FLUSH":
		c.next()
		return &Flush{Src: src}, c.expectEOF()
	case "RESET":
		return parseReset(c)
	case "SET":
		return parseSet(c)
	case "EXPLAIN":
		return parseExplain(c, all)
	case "BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "EXECUTE":
		if setStart(toks) {
			return parseStatementSet(c, all)
		}
		if kw != "EXECUTE" {
			return parseTransaction(c)
		}
	case "SUBSCRIBE":
		return parseSubscribe(c, all)
	case "COPY":
		return parseCopy(c, all)
	case "DECLARE":
		return parseDeclare(c, all)
	case "FETCH", "MOVE":
		return parseFetch(c)
	case "CLOSE":
		return parseClose(c)
	case "DELETE", "UPDATE":
		return parseDML(c, all)
	case "ALTER":
		return parseAlter(c)
	}
	if unsupported[kw] {
		return nil, src.Errorf(first.Start, sqlerr.FeatureNotSupported, "%s is not supported", kw)
	}
	return nil, c.syntaxErr(first)
}

// parseSelect hands the whole statement to TiDB as a query.
// A trailing EMIT CHANGES makes it a subscription.
func parseSelect(src *Source, all, toks []Token) (Statement, error) {
	emit := false
	if n := len(toks); n > 2 && toks[n-2].Is("EMIT") && toks[n-1].Is("CHANGES") {
		emit, toks = true, toks[:n-2]
	}
	q, err := parseQuery(src, all, toks, 0)
	if err != nil {
		return nil, err
	}
	if emit {
		q.Text = src.Text[toks[0].Start:toks[len(toks)-1].End]
	}
	return &Select{Src: src, Query: q, EmitChanges: emit}, nil
}

// parseQuery parses toks[from:] as a query through the rewrite and TiDB,
// recording the rewritten text and edit map on src.
func parseQuery(src *Source, all, toks []Token, from int) (*Query, error) {
	if from >= len(toks) {
		return nil, syntaxErrAt(src, Token{Kind: TokEOF, Start: len(src.Text), End: len(src.Text)})
	}
	node, text, edits, err := parseRange(src, all, toks, from, len(toks), "")
	if err != nil {
		return nil, err
	}
	src.Rewritten, src.edits = text, edits
	rs, ok := node.(ast.ResultSetNode)
	if !isQuery(node) || !ok {
		return nil, syntaxErrAt(src, toks[from])
	}
	return &Query{Node: rs, Text: src.Text[toks[from].Start:]}, nil
}

func isQuery(n ast.Node) bool {
	switch n.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt:
		return true
	}
	return false
}

// oneName parses a single name ending the statement.
func oneName(c *cursor, mk func(Name) Statement) (Statement, error) {
	n, err := c.name()
	if err != nil {
		return nil, err
	}
	if err := c.expectEOF(); err != nil {
		return nil, err
	}
	return mk(n), nil
}
