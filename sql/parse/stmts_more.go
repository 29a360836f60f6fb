package parse

import (
	"strconv"
	"strings"

	"riffle/sql/sqlerr"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// setStart reports whether toks begin a statement set: EXECUTE STATEMENT
// SET BEGIN or BEGIN STATEMENT SET.
func setStart(toks []Token) bool {
	is := func(k int, kw string) bool { return k < len(toks) && toks[k].Is(kw) }
	return (is(0, "EXECUTE") && is(1, "STATEMENT") && is(2, "SET") && is(3, "BEGIN")) ||
		(is(0, "BEGIN") && is(1, "STATEMENT") && is(2, "SET"))
}

// parseStatementSet parses a statement set; its body is cut at top-level
// semicolons up to the END that closes it (CASE … END inside is skipped).
func parseStatementSet(c *cursor, all []Token) (Statement, error) {
	if !c.acceptSeq("EXECUTE", "STATEMENT", "SET", "BEGIN") {
		c.acceptSeq("BEGIN", "STATEMENT", "SET")
		c.acceptOp(";")
	}
	set := &StatementSet{Src: c.src}
	depth, cases, start := 0, 0, c.i
	for ; c.i < len(c.toks); c.i++ {
		t := c.toks[c.i]
		switch {
		case t.IsOp("("):
			depth++
		case t.IsOp(")"):
			depth--
		case t.Is("CASE"):
			cases++
		case t.Is("END") && cases > 0:
			cases--
		case depth == 0 && (t.IsOp(";") || t.Is("END")):
			if c.i > start {
				ins, err := setMember(c, all, start, c.i)
				if err != nil {
					return nil, err
				}
				set.Inserts = append(set.Inserts, ins)
			}
			start = c.i + 1
			if t.Is("END") {
				c.i++
				c.acceptOp(";")
				if len(set.Inserts) == 0 {
					return nil, c.src.Errorf(t.Start, sqlerr.SyntaxError, "a statement set needs at least one INSERT")
				}
				return set, c.expectEOF()
			}
		}
	}
	return nil, c.syntaxErr(c.peek())
}

// nested parses the text [start, end) of the statement as a statement of
// its own (EXPLAIN's, a cursor's, a statement set's member), with a Source
// cut out of the same input, so that its errors point into the outer
// statement.
func (c *cursor) nested(all []Token, start, end int) (Statement, *Source, error) {
	inner := &Source{Input: c.src.Input, Offset: c.src.Offset + start, Text: c.src.Text[start:end]}
	var innerAll []Token
	for _, t := range all {
		if t.Start >= start && t.End <= end {
			innerAll = append(innerAll, t)
		}
	}
	innerAll = shift(innerAll, start)
	st, err := parseStatement(inner, innerAll, codeTokens(innerAll))
	return st, inner, err
}

// setMember parses toks[lo:hi] of a statement set as an INSERT with a
// Source of its own.
func setMember(c *cursor, all []Token, lo, hi int) (*Insert, error) {
	if !c.toks[lo].Is("INSERT") {
		return nil, c.src.Errorf(c.toks[lo].Start, sqlerr.SyntaxError, "only INSERT statements can be in a statement set")
	}
	st, _, err := c.nested(all, c.toks[lo].Start, c.toks[hi-1].End)
	if err != nil {
		return nil, err
	}
	return st.(*Insert), nil
}

// parseTransaction parses BEGIN, START TRANSACTION, COMMIT, END,
// ROLLBACK and ABORT.
func parseTransaction(c *cursor) (Statement, error) {
	t := c.next()
	tx := &Transaction{Src: c.src}
	switch strings.ToUpper(t.Val) {
	case "BEGIN":
		tx.Kind = TxnBegin
		if !c.accept("WORK") {
			c.accept("TRANSACTION")
		}
	case "START":
		tx.Kind = TxnBegin
		if err := c.expect("TRANSACTION"); err != nil {
			return nil, err
		}
	case "COMMIT", "END":
		tx.Kind = TxnCommit
	default:
		tx.Kind = TxnRollback
	}
	if tx.Kind != TxnBegin {
		if !c.accept("WORK") {
			c.accept("TRANSACTION")
		}
		return tx, c.expectEOF()
	}
	for !c.atEOF() {
		m, err := txnMode(c)
		if err != nil {
			return nil, err
		}
		tx.Modes = append(tx.Modes, m)
		c.acceptOp(",")
	}
	return tx, nil
}

// txnMode reads one transaction mode.
func txnMode(c *cursor) (string, error) {
	levels := [][]string{{"SERIALIZABLE"}, {"REPEATABLE", "READ"}, {"READ", "COMMITTED"}, {"READ", "UNCOMMITTED"}}
	switch {
	case c.acceptSeq("ISOLATION", "LEVEL"):
		for _, l := range levels {
			if c.acceptSeq(l...) {
				return "ISOLATION LEVEL " + strings.Join(l, " "), nil
			}
		}
		return "", c.syntaxErr(c.peek())
	case c.acceptSeq("READ", "ONLY"):
		return "READ ONLY", nil
	case c.acceptSeq("READ", "WRITE"):
		return "READ WRITE", nil
	case c.acceptSeq("NOT", "DEFERRABLE"):
		return "NOT DEFERRABLE", nil
	case c.accept("DEFERRABLE"):
		return "DEFERRABLE", nil
	}
	return "", c.syntaxErr(c.peek())
}

// parseSubscribe parses SUBSCRIBE [TO] name | (query) [WITH (options)].
func parseSubscribe(c *cursor, all []Token) (Statement, error) {
	c.next() // SUBSCRIBE
	c.accept("TO")
	s := &Subscribe{Src: c.src}
	if c.peek().IsOp("(") {
		close := matching(c.toks, c.i)
		if close < 0 {
			return nil, c.syntaxErr(Token{Kind: TokEOF, Start: len(c.src.Text), End: len(c.src.Text)})
		}
		q, err := newRewriter(c.src, all, c.toks, 0, len(c.toks)).subquery(c.i+1, close)
		if err != nil {
			return nil, err
		}
		s.Query, c.i = q, close+1
	} else {
		n, err := c.name()
		if err != nil {
			return nil, err
		}
		s.Name = n
	}
	var err error
	if s.Options, err = withOptions(c); err != nil {
		return nil, err
	}
	return s, c.expectEOF()
}

// matching returns the index of the ')' closing the '(' at toks[open], or
// -1.
func matching(toks []Token, open int) int {
	depth := 0
	for i := open; i < len(toks); i++ {
		switch {
		case toks[i].IsOp("("):
			depth++
		case toks[i].IsOp(")"):
			if depth--; depth == 0 {
				return i
			}
		}
	}
	return -1
}

// withOptions parses an optional WITH (key [= value], …) in Materialize's
// style: keys are names, values names, numbers or strings, and a key
// alone means true. Keys come out lower-case.
func withOptions(c *cursor) ([]Option, error) {
	if !c.accept("WITH") {
		return nil, nil
	}
	if err := c.expectOp("("); err != nil {
		return nil, err
	}
	var opts []Option
	for {
		k := c.peek()
		if !k.IsName() && k.Kind != TokString {
			return nil, c.syntaxErr(k)
		}
		c.i++
		o := Option{Key: strings.ToLower(k.Val), Value: "true", KeyPos: k.Start}
		for _, seen := range opts {
			if seen.Key == o.Key {
				return nil, c.src.Errorf(k.Start, sqlerr.DuplicateObject, "option \"%s\" specified more than once", k.Val)
			}
		}
		if c.acceptOp("=") {
			v := c.peek()
			if !v.IsName() && v.Kind != TokString && v.Kind != TokNumber {
				return nil, c.syntaxErr(v)
			}
			c.i++
			o.Value = v.Val
		}
		opts = append(opts, o)
		if c.acceptOp(")") {
			return opts, nil
		}
		if err := c.expectOp(","); err != nil {
			return nil, err
		}
	}
}

// parseDeclare parses DECLARE c [BINARY] [INSENSITIVE] [[NO] SCROLL]
// CURSOR [WITH[OUT] HOLD] FOR query | SUBSCRIBE … | query EMIT CHANGES.
func parseDeclare(c *cursor, all []Token) (Statement, error) {
	c.next() // DECLARE
	d := &Declare{Src: c.src}
	var err error
	if d.Cursor, err = c.name(); err != nil {
		return nil, err
	}
	c.accept("BINARY")
	c.accept("INSENSITIVE")
	if !c.acceptSeq("NO", "SCROLL") {
		if t := c.peek(); c.accept("SCROLL") {
			return nil, c.src.Errorf(t.Start, sqlerr.FeatureNotSupported, "scrollable cursors are not supported").
				WithHint("declare the cursor NO SCROLL: riffle's cursors only move forward")
		}
	}
	if err := c.expect("CURSOR"); err != nil {
		return nil, err
	}
	if c.acceptSeq("WITH", "HOLD") {
		d.Hold = true
	} else {
		c.acceptSeq("WITHOUT", "HOLD")
	}
	if err := c.expect("FOR"); err != nil {
		return nil, err
	}
	if c.atEOF() {
		return nil, c.syntaxErr(c.peek())
	}
	// The cursor's statement is parsed as a statement of its own, cut out
	// of this one, so that its errors point into the DECLARE.
	start := c.peek().Start
	st, inner, err := c.nested(all, start, len(c.src.Text))
	if err != nil {
		return nil, err
	}
	c.src.Warnings = append(c.src.Warnings, inner.Warnings...)
	switch st := st.(type) {
	case *Select:
		if st.EmitChanges {
			d.Subscribe = &Subscribe{Src: inner, Query: st.Query}
		} else {
			d.Select = st
		}
	case *Subscribe:
		d.Subscribe = st
	default:
		return nil, c.src.Errorf(start, sqlerr.SyntaxError, "a cursor is declared FOR a SELECT or a SUBSCRIBE")
	}
	return d, nil
}

// parseFetch parses FETCH or MOVE [NEXT | FORWARD [n | ALL] | n | ALL]
// [FROM | IN] cursor [WITH (options)]. Backward directions are refused:
// riffle's cursors only move forward.
func parseFetch(c *cursor) (Statement, error) {
	verb := c.next() // FETCH or MOVE
	f := &Fetch{Src: c.src, Count: 1, Move: verb.Is("MOVE")}
	for _, kw := range []string{"BACKWARD", "PRIOR", "FIRST", "LAST", "ABSOLUTE", "RELATIVE"} {
		if t := c.peek(); c.accept(kw) {
			return nil, c.src.Errorf(t.Start, sqlerr.FeatureNotSupported, "%s %s is not supported: cursors only move forward",
				strings.ToUpper(verb.Val), kw).WithHint("use FETCH FORWARD n or FETCH ALL")
		}
	}
	if !c.accept("NEXT") {
		c.accept("FORWARD")
		switch t := c.peek(); {
		case c.accept("ALL"):
			f.Count = -1
		case t.Kind == TokNumber:
			n, err := strconv.ParseInt(t.Val, 10, 64)
			if err != nil || n < 0 {
				return nil, c.syntaxErr(t)
			}
			c.i++
			f.Count = n
		}
	}
	if !c.accept("FROM") {
		c.accept("IN")
	}
	var err error
	if f.Cursor, err = c.name(); err != nil {
		return nil, err
	}
	if f.Options, err = withOptions(c); err != nil {
		return nil, err
	}
	return f, c.expectEOF()
}

// parseClose parses CLOSE cursor | CLOSE ALL.
func parseClose(c *cursor) (Statement, error) {
	c.next() // CLOSE
	cl := &Close{Src: c.src}
	if c.accept("ALL") {
		cl.All = true
		return cl, c.expectEOF()
	}
	return oneName(c, func(n Name) Statement { cl.Cursor = n; return cl })
}

// parseDML parses DELETE and UPDATE through TiDB; they name one table.
func parseDML(c *cursor, all []Token) (Statement, error) {
	node, text, edits, err := parseRange(c.src, all, c.toks, 0, len(c.toks), "")
	if err != nil {
		return nil, err
	}
	c.src.Rewritten, c.src.edits = text, edits
	first := c.toks[0]
	switch n := node.(type) {
	case *ast.DeleteStmt:
		tbl, ok := singleTable(n.TableRefs)
		if !ok || n.IsMultiTable || n.Order != nil || n.Limit != nil {
			return nil, c.src.Errorf(first.Start, sqlerr.FeatureNotSupported, "DELETE is supported on one table, with an optional WHERE")
		}
		return &Delete{Src: c.src, Table: c.nameAt(tbl), Where: n.Where, Node: n}, nil
	case *ast.UpdateStmt:
		tbl, ok := singleTable(n.TableRefs)
		if !ok || n.MultipleTable || n.Order != nil || n.Limit != nil {
			return nil, c.src.Errorf(first.Start, sqlerr.FeatureNotSupported, "UPDATE is supported on one table, with an optional WHERE")
		}
		return &Update{Src: c.src, Table: c.nameAt(tbl), Set: n.List, Where: n.Where, Node: n}, nil
	}
	return nil, c.syntaxErr(first)
}

// singleTable returns the name of the only table of a DELETE or UPDATE.
func singleTable(refs *ast.TableRefsClause) (string, bool) {
	if refs == nil || refs.TableRefs == nil || refs.TableRefs.Right != nil {
		return "", false
	}
	ts, ok := refs.TableRefs.Left.(*ast.TableSource)
	if !ok {
		return "", false
	}
	tn, ok := ts.Source.(*ast.TableName)
	if !ok || tn.Schema.O != "" {
		return "", false
	}
	return tn.Name.O, true
}

// nameAt returns a Name for name positioned where it is first written
// after the statement's keyword.
func (c *cursor) nameAt(name string) Name {
	return Name{Name: name, Pos: c.src.Find(name, c.toks[0].End)}
}

// parseAlter parses ALTER TABLE | VIEW | MATERIALIZED VIEW [IF EXISTS]
// name RENAME TO new_name.
func parseAlter(c *cursor) (Statement, error) {
	first := c.next() // ALTER
	a := &AlterRename{Src: c.src}
	switch {
	case c.accept("TABLE"):
		a.Kind = ObjTable
	case c.accept("VIEW"):
		a.Kind = ObjView
	case c.acceptSeq("MATERIALIZED", "VIEW"):
		a.Kind = ObjMaterializedView
	default:
		return nil, c.src.Errorf(first.Start, sqlerr.FeatureNotSupported, "ALTER %s is not supported", strings.ToUpper(c.peek().Val))
	}
	a.IfExists = c.acceptSeq("IF", "EXISTS")
	var err error
	if a.Name, err = c.name(); err != nil {
		return nil, err
	}
	if a.Kind == ObjTable && c.peek().Is("SET") {
		c.next()
		opts, err := options(c)
		if err != nil {
			return nil, err
		}
		return &AlterOptions{Src: c.src, Name: a.Name, Options: opts, IfExists: a.IfExists}, c.expectEOF()
	}
	if t := c.peek(); !c.acceptSeq("RENAME", "TO") {
		if t.Kind == TokIdent {
			return nil, c.src.Errorf(t.Start, sqlerr.FeatureNotSupported, "ALTER %s … %s is not supported", a.Kind, strings.ToUpper(t.Val))
		}
		return nil, c.syntaxErr(t)
	}
	return oneName(c, func(n Name) Statement { a.NewName = n; return a })
}
