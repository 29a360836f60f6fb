package parse

import (
	"strings"

	"riffle/sql/sqlerr"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// parseCreate dispatches CREATE TABLE and CREATE [OR REPLACE]
// [MATERIALIZED] VIEW.
func parseCreate(c *cursor, all []Token) (Statement, error) {
	c.next() // CREATE
	orReplace := c.acceptSeq("OR", "REPLACE")
	switch {
	case !orReplace && c.peek().Is("TABLE"):
		return parseCreateTable(c, all)
	case c.accept("MATERIALIZED"):
		if err := c.expect("VIEW"); err != nil {
			return nil, err
		}
		return parseCreateView(c, all, true, orReplace)
	case c.accept("VIEW"):
		return parseCreateView(c, all, false, orReplace)
	}
	if c.peek().Is("FUNCTION") || c.peek().Is("TEMPORARY") || c.peek().Is("SYSTEM") {
		return parseCreateFunction(c)
	}
	if !orReplace && c.accept("TYPE") {
		return parseCreateType(c)
	}
	t := c.peek()
	if t.Kind == TokIdent && !orReplace {
		return nil, c.src.Errorf(t.Start, sqlerr.FeatureNotSupported, "CREATE %s is not supported", strings.ToUpper(t.Val))
	}
	return nil, c.syntaxErr(t)
}

// parseCreateView parses the rest of CREATE … VIEW [IF NOT EXISTS] name
// [(cols)] AS query.
func parseCreateView(c *cursor, all []Token, materialized, orReplace bool) (Statement, error) {
	v := &CreateView{Src: c.src, Materialized: materialized, OrReplace: orReplace}
	v.IfNotExists = c.acceptSeq("IF", "NOT", "EXISTS")
	var err error
	if v.Name, err = c.name(); err != nil {
		return nil, err
	}
	if c.peek().IsOp("(") {
		if v.Columns, err = c.nameList(); err != nil {
			return nil, err
		}
	}
	if err := c.expect("AS"); err != nil {
		return nil, err
	}
	if v.Query, err = parseQuery(c.src, all, c.toks, c.i); err != nil {
		return nil, err
	}
	return v, nil
}

// parseInsert parses INSERT INTO t [(cols)] VALUES … | query. The prefix
// is read here for names with positions; the statement goes to TiDB whole
// for the values and the query.
func parseInsert(c *cursor, all []Token) (Statement, error) {
	c.next() // INSERT
	if err := c.expect("INTO"); err != nil {
		return nil, err
	}
	ins := &Insert{Src: c.src}
	var err error
	if ins.Table, err = c.name(); err != nil {
		return nil, err
	}
	if c.peek().IsOp("(") && !c.peekN(1).Is("SELECT") && !c.peekN(1).Is("WITH") {
		if ins.Columns, err = c.nameList(); err != nil {
			return nil, err
		}
	}
	body := c.i
	isValues := c.peek().Is("VALUES") || c.peek().Is("VALUE")
	if !isValues && !c.peek().Is("SELECT") && !c.peek().Is("WITH") && !c.peek().IsOp("(") {
		return nil, c.syntaxErr(c.peek())
	}
	node, text, edits, err := parseRange(c.src, all, c.toks, 0, len(c.toks), "")
	if err != nil {
		return nil, err
	}
	c.src.Rewritten, c.src.edits = text, edits
	stmt, ok := node.(*ast.InsertStmt)
	if !ok || stmt.IsReplace || stmt.Setlist {
		return nil, c.syntaxErr(c.toks[0])
	}
	if stmt.OnDuplicate != nil {
		return nil, c.src.Errorf(c.src.Find("DUPLICATE", 0), sqlerr.FeatureNotSupported, "ON DUPLICATE KEY UPDATE is not supported")
	}
	if isValues {
		ins.Values = stmt.Lists
		return ins, nil
	}
	if !isQuery(stmt.Select) {
		return nil, c.syntaxErr(c.toks[body])
	}
	ins.Query = &Query{Node: stmt.Select, Text: c.src.Text[c.toks[body].Start:]}
	return ins, nil
}

// parseShow parses riffle's SHOW forms and PostgreSQL's SHOW name.
func parseShow(c *cursor) (Statement, error) {
	c.next() // SHOW
	s := &Show{Src: c.src}
	switch {
	case c.accept("TABLES"):
		s.What = ShowTables
	case c.accept("VIEWS"):
		s.What = ShowViews
	case c.acceptSeq("MATERIALIZED", "VIEWS"):
		s.What = ShowMaterializedViews
	case c.accept("QUERIES"), c.accept("JOBS"):
		s.What = ShowQueries
	case c.accept("TOPICS"):
		s.What = ShowTopics
	case c.peek().Is("CREATE") && (c.peekN(1).Is("TABLE") || c.peekN(1).Is("VIEW") || c.peekN(1).Is("MATERIALIZED")):
		c.i++
		switch {
		case c.accept("TABLE"):
			s.What = ShowCreateTable
		case c.accept("VIEW"):
			s.What = ShowCreateView
		default:
			if !c.acceptSeq("MATERIALIZED", "VIEW") {
				return nil, c.syntaxErr(c.peekN(1))
			}
			s.What = ShowCreateMaterializedView
		}
		n, err := c.name()
		if err != nil {
			return nil, err
		}
		s.Name = n
	default:
		return parseShowVariable(c, s)
	}
	return s, c.expectEOF()
}

// parseShowVariable parses PostgreSQL's SHOW name, SHOW ALL and the
// multi-word names the SQL standard spells out.
func parseShowVariable(c *cursor, s *Show) (Statement, error) {
	s.What = ShowVariable
	t := c.peek()
	switch {
	case c.acceptSeq("TRANSACTION", "ISOLATION", "LEVEL"):
		s.Name = Name{Name: "transaction_isolation", Pos: t.Start}
	case c.acceptSeq("TIME", "ZONE"):
		s.Name = Name{Name: "timezone", Pos: t.Start}
	default:
		name, err := dottedName(c)
		if err != nil {
			return nil, err
		}
		s.Name = name
	}
	return s, c.expectEOF()
}

// dottedName reads a configuration parameter name, which may be qualified
// (PostgreSQL's "myext.setting") and is returned joined with dots.
func dottedName(c *cursor) (Name, error) {
	t := c.peek()
	if !t.IsName() {
		return Name{}, c.syntaxErr(t)
	}
	c.i++
	parts := []string{t.Val}
	for c.peek().IsOp(".") && c.peekN(1).IsName() {
		parts = append(parts, c.peekN(1).Val)
		c.i += 2
	}
	return Name{Name: strings.Join(parts, "."), Pos: t.Start}, nil
}

// parseDrop parses DROP TABLE | VIEW | MATERIALIZED VIEW | TYPE [IF EXISTS]
// name and DROP QUERY [IF EXISTS] id.
func parseDrop(c *cursor) (Statement, error) {
	c.next() // DROP
	d := &Drop{Src: c.src}
	switch {
	case c.accept("QUERY"):
		q := &DropQuery{Src: c.src, IfExists: c.acceptSeq("IF", "EXISTS")}
		id, err := queryID(c)
		if err != nil {
			return nil, err
		}
		q.ID = id
		return q, c.expectEOF()
	case c.accept("TABLE"):
		d.Kind = ObjTable
	case c.accept("VIEW"):
		d.Kind = ObjView
	case c.acceptSeq("MATERIALIZED", "VIEW"):
		d.Kind = ObjMaterializedView
	case c.accept("TYPE"):
		d.Kind = ObjType
	default:
		t := c.peek()
		if t.Kind == TokIdent {
			return nil, c.src.Errorf(t.Start, sqlerr.FeatureNotSupported, "DROP %s is not supported", strings.ToUpper(t.Val))
		}
		return nil, c.syntaxErr(t)
	}
	d.IfExists = c.acceptSeq("IF", "EXISTS")
	return oneName(c, func(n Name) Statement { d.Name = n; return d })
}

// parseStop parses STOP QUERY id / STOP JOB id; the id may be written as a
// name, a string or a number.
func parseStop(c *cursor) (Statement, error) {
	c.next() // STOP
	if !c.accept("QUERY") {
		if err := c.expect("JOB"); err != nil {
			return nil, err
		}
	}
	id, err := queryID(c)
	if err != nil {
		return nil, err
	}
	return &StopQuery{Src: c.src, ID: id}, c.expectEOF()
}

// queryID reads a query's id, which may be written as a name, a string or
// a number.
func queryID(c *cursor) (Name, error) {
	t := c.peek()
	switch t.Kind {
	case TokIdent, TokQuotedIdent, TokString, TokNumber:
		c.i++
		return Name{Name: t.Val, Pos: t.Start}, nil
	}
	return Name{}, c.syntaxErr(t)
}

// parseSet parses Flink's SET 'k' = 'v' and PostgreSQL's SET [SESSION]
// k { = | TO } v [, v …] and SET TIME ZONE v.
func parseSet(c *cursor) (Statement, error) {
	c.next() // SET
	if t := c.peek(); t.Is("LOCAL") {
		return nil, c.src.Errorf(t.Start, sqlerr.FeatureNotSupported, "SET LOCAL is not supported")
	}
	c.accept("SESSION")
	s := &Set{Src: c.src}
	switch t := c.peek(); {
	case c.acceptSeq("TIME", "ZONE"):
		s.Key = "timezone"
	case t.Kind == TokString:
		c.i++
		s.Key = t.Val
		if err := c.expectOp("="); err != nil {
			return nil, err
		}
	default:
		n, err := dottedName(c)
		if err != nil {
			return nil, err
		}
		s.Key = n.Name
		if !c.acceptOp("=") {
			if err := c.expect("TO"); err != nil {
				return nil, err
			}
		}
	}
	var vals []string
	for {
		v, err := setValue(c)
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
		if !c.acceptOp(",") {
			break
		}
	}
	s.Value = strings.Join(vals, ", ")
	return s, c.expectEOF()
}

// parseReset parses Flink's RESET ['k'] and PostgreSQL's RESET k | ALL,
// and riffle's RESET QUERY.
func parseReset(c *cursor) (Statement, error) {
	c.next() // RESET
	if c.peek().Is("QUERY") && c.peekN(1).Kind != TokEOF {
		return parseResetQuery(c)
	}
	r := &Reset{Src: c.src}
	switch t := c.peek(); {
	case t.Kind == TokEOF, t.Is("ALL"):
		c.accept("ALL")
	case c.acceptSeq("TIME", "ZONE"):
		r.Key = "timezone"
	case t.Kind == TokString:
		c.i++
		r.Key = t.Val
	default:
		n, err := dottedName(c)
		if err != nil {
			return nil, err
		}
		r.Key = n.Name
	}
	return r, c.expectEOF()
}

// setValue reads one value of SET: a string, a name or a signed number.
func setValue(c *cursor) (string, error) {
	t := c.next()
	switch t.Kind {
	case TokString, TokEString, TokIdent, TokQuotedIdent, TokNumber:
		return t.Val, nil
	case TokOp:
		if n := c.peek(); (t.Val == "-" || t.Val == "+") && n.Kind == TokNumber {
			c.i++
			return strings.TrimPrefix(t.Val, "+") + n.Val, nil
		}
	}
	return "", c.syntaxErr(t)
}

// parseExplain parses EXPLAIN [ANALYZE] statement. The explained statement
// gets its own Source, cut out of the same input.
func parseExplain(c *cursor, all []Token) (Statement, error) {
	c.next() // EXPLAIN
	e := &Explain{Src: c.src, Analyze: c.accept("ANALYZE")}
	if c.atEOF() {
		return nil, c.syntaxErr(c.peek())
	}
	st, _, err := c.nested(all, c.peek().Start, len(c.src.Text))
	if err != nil {
		return nil, err
	}
	e.Stmt = st
	return e, nil
}

// parseCreateFunction parses the rest of CREATE [TEMPORARY] [SYSTEM]
// FUNCTION [IF NOT EXISTS] name AS 'class' [LANGUAGE lang].
func parseCreateFunction(c *cursor) (Statement, error) {
	f := &CreateFunction{Src: c.src}
	f.Temporary = c.accept("TEMPORARY")
	c.accept("SYSTEM")
	if err := c.expect("FUNCTION"); err != nil {
		return nil, err
	}
	f.IfNotExists = c.acceptSeq("IF", "NOT", "EXISTS")
	var err error
	if f.Name, err = c.name(); err != nil {
		return nil, err
	}
	if err := c.expect("AS"); err != nil {
		return nil, err
	}
	if f.Class, err = c.stringLit(); err != nil {
		return nil, err
	}
	if c.accept("LANGUAGE") {
		t := c.next()
		if t.Kind != TokIdent {
			return nil, c.syntaxErr(t)
		}
		f.Language = strings.ToUpper(t.Val)
	}
	return f, c.expectEOF()
}

// parseResetQuery parses
//
//	RESET QUERY id FROM { EARLIEST | TIMESTAMP 'time' } [ MUTE OUTPUT | EMIT OUTPUT ]
//
// the id written as STOP QUERY takes it.
func parseResetQuery(c *cursor) (Statement, error) {
	c.next() // QUERY
	t := c.peek()
	switch t.Kind {
	case TokIdent, TokQuotedIdent, TokString, TokNumber:
		c.i++
	default:
		return nil, c.syntaxErr(t)
	}
	r := &ResetQuery{Src: c.src, ID: Name{Name: t.Val, Pos: t.Start}}
	if err := c.expect("FROM"); err != nil {
		return nil, err
	}
	switch t := c.peek(); {
	case c.accept("EARLIEST"):
	case c.accept("TIMESTAMP"):
		v := c.peek()
		if v.Kind != TokString {
			return nil, c.syntaxErr(v)
		}
		c.i++
		r.Time, r.TimePos = v.Val, v.Start
	default:
		return nil, c.syntaxErr(t).WithHint("RESET QUERY id FROM EARLIEST, or FROM TIMESTAMP '2024-05-01 00:00:00'; then MUTE OUTPUT or EMIT OUTPUT")
	}
	switch {
	case c.acceptSeq("MUTE", "OUTPUT"):
		r.Mute = true
	case c.acceptSeq("EMIT", "OUTPUT"):
	}
	return r, c.expectEOF()
}

// parseCreateType parses the rest of CREATE TYPE name AS ENUM ('label',
// …). PostgreSQL's other kinds of type (composite, range, base, shell) are
// refused.
func parseCreateType(c *cursor) (Statement, error) {
	ct := &CreateType{Src: c.src}
	var err error
	if ct.Name, err = c.name(); err != nil {
		return nil, err
	}
	if err := c.expect("AS"); err != nil {
		return nil, err
	}
	if t := c.peek(); !c.accept("ENUM") {
		if t.Kind == TokIdent || t.IsOp("(") {
			return nil, c.src.Errorf(t.Start, sqlerr.FeatureNotSupported, "only enum types can be created").
				WithHint("CREATE TYPE name AS ENUM ('label', ...)")
		}
		return nil, c.syntaxErr(t)
	}
	if err := c.expectOp("("); err != nil {
		return nil, err
	}
	if !c.acceptOp(")") {
		for {
			pos := c.peek().Start
			l, err := c.stringLit()
			if err != nil {
				return nil, err
			}
			ct.Labels = append(ct.Labels, l)
			ct.LabelPos = append(ct.LabelPos, pos)
			if c.acceptOp(")") {
				break
			}
			if err := c.expectOp(","); err != nil {
				return nil, err
			}
		}
	}
	return ct, c.expectEOF()
}
