package parse

import (
	"strings"

	"riffle/sql/sqlerr"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// invalidTableDefinition is PostgreSQL's SQLSTATE for a contradictory
// table definition (two primary keys).
const invalidTableDefinition = "42P16"

// parseCreateTable parses the rest of CREATE TABLE [IF NOT EXISTS] name
// [( elements )] [WITH ( options )] [AS query]. The TiDB grammar has no
// WITH options, WATERMARK or NOT ENFORCED, so the layer parses the table
// itself and hands only the expressions to TiDB.
func parseCreateTable(c *cursor, all []Token) (Statement, error) {
	c.next() // TABLE
	ct := &CreateTable{Src: c.src}
	ct.IfNotExists = c.acceptSeq("IF", "NOT", "EXISTS")
	var err error
	if ct.Name, err = c.name(); err != nil {
		return nil, err
	}
	hasBody := false
	if c.acceptOp("(") {
		hasBody = true
		if err := ct.elements(c, all); err != nil {
			return nil, err
		}
	}
	if c.acceptSeq("PARTITIONED", "BY") {
		if ct.PartitionedBy, err = c.nameList(); err != nil {
			return nil, err
		}
	}
	if c.accept("WITH") {
		if ct.Options, err = options(c); err != nil {
			return nil, err
		}
	}
	if c.accept("AS") {
		ct.As, err = parseQuery(c.src, all, c.toks, c.i)
		return ct, err
	}
	if !hasBody && ct.Options == nil {
		// (A table with options but no columns takes them from its
		// schema registry; the binder checks it can.)
		return nil, c.syntaxErr(c.peek())
	}
	return ct, c.expectEOF()
}

// elements parses the column list up to and including its ')'.
func (ct *CreateTable) elements(c *cursor, all []Token) error {
	for {
		var err error
		t := c.peek()
		switch {
		case t.Is("CONSTRAINT") && c.peekN(1).IsName() && c.peekN(2).Is("CHECK") && c.peekN(3).IsOp("("):
			c.i++
			name, _ := c.name()
			err = ct.check(c, all, name)
		case t.Is("CHECK") && c.peekN(1).IsOp("("):
			err = ct.check(c, all, Name{})
		case t.Is("CONSTRAINT") && c.peekN(1).IsName() && c.peekN(2).Is("PRIMARY"):
			c.i += 2 // the constraint's name says nothing riffle keeps
			fallthrough
		case c.peek().Is("PRIMARY") && c.peekN(1).Is("KEY"):
			err = ct.tablePrimaryKey(c)
		case t.Is("WATERMARK") && c.peekN(1).Is("FOR"):
			err = ct.watermark(c, all)
		default:
			err = ct.column(c, all)
		}
		if err != nil {
			return err
		}
		if c.acceptOp(")") || trailingComma(c) {
			return nil
		}
		if err := c.expectOp(","); err != nil {
			return err
		}
	}
}

// trailingComma accepts ", )" with a warning at the comma: the book
// prints CREATE TABLE with one, and what was meant is plain.
func trailingComma(c *cursor) bool {
	comma := c.peek()
	if !comma.IsOp(",") || !c.peekN(1).IsOp(")") {
		return false
	}
	c.i += 2
	c.src.warn(comma.Start, "trailing comma before \")\" ignored")
	return true
}

// check parses CHECK (expr), its CONSTRAINT name already read.
func (ct *CreateTable) check(c *cursor, all []Token, name Name) error {
	at := c.peek()
	c.i += 2 // CHECK (
	e, err := expression(c, all)
	if err != nil {
		return err
	}
	if err := c.expectOp(")"); err != nil {
		return err
	}
	ct.Checks = append(ct.Checks, Check{Name: name, Pos: at.Start, Expr: e})
	return nil
}

// tablePrimaryKey parses PRIMARY KEY (a, b) [NOT ENFORCED].
func (ct *CreateTable) tablePrimaryKey(c *cursor) error {
	at := c.peek()
	c.i += 2
	names, err := c.nameList()
	if err != nil {
		return err
	}
	return ct.setPrimaryKey(c, at, names)
}

func (ct *CreateTable) setPrimaryKey(c *cursor, at Token, names []Name) error {
	if ct.PrimaryKey != nil {
		return c.src.Errorf(at.Start, invalidTableDefinition, "multiple primary keys for table \"%s\" are not allowed", ct.Name.Name)
	}
	ct.PrimaryKey = names
	return notEnforced(c)
}

// notEnforced reads the NOT ENFORCED that Flink requires after a primary
// key. It is optional here, for people used to PostgreSQL and MySQL; the
// key is never checked either way, only used to upsert.
func notEnforced(c *cursor) error {
	if c.acceptSeq("NOT", "ENFORCED") {
		return nil
	}
	if t := c.peek(); t.Is("ENFORCED") {
		return c.src.Errorf(t.Start, sqlerr.FeatureNotSupported, "ENFORCED primary keys are not supported").
			WithHint("riffle does not check primary keys; write PRIMARY KEY (…) NOT ENFORCED")
	}
	return nil
}

// watermark parses WATERMARK FOR col AS expr.
func (ct *CreateTable) watermark(c *cursor, all []Token) error {
	at := c.peek()
	c.i += 2
	col, err := c.name()
	if err != nil {
		return err
	}
	if err := c.expect("AS"); err != nil {
		return err
	}
	e, err := expression(c, all)
	if err != nil {
		return err
	}
	if ct.Watermark != nil {
		return c.src.Errorf(at.Start, invalidTableDefinition, "multiple watermarks for table \"%s\" are not allowed", ct.Name.Name)
	}
	ct.Watermark = &Watermark{Column: col, Expr: e}
	return nil
}

// column parses a physical, metadata or computed column.
func (ct *CreateTable) column(c *cursor, all []Token) error {
	name, err := c.name()
	if err != nil {
		return err
	}
	col := ColumnDef{Name: name}
	if c.accept("AS") {
		if col.Computed, err = expression(c, all); err != nil {
			return err
		}
		ct.Columns = append(ct.Columns, col)
		return nil
	}
	col.TypePos = c.peek().Start
	if col.Type, err = c.riffleType(); err != nil {
		return err
	}
	for {
		t := c.peek()
		switch {
		case c.acceptSeq("NOT", "NULL"):
			col.NotNull = true
		case c.accept("NULL"):
		case c.acceptSeq("PRIMARY", "KEY"):
			if err := ct.setPrimaryKey(c, t, []Name{name}); err != nil {
				return err
			}
		case c.accept("METADATA"):
			col.Metadata = &MetadataColumn{Key: name.Name}
			if c.accept("FROM") {
				if col.Metadata.Key, err = c.stringLit(); err != nil {
					return err
				}
			}
			col.Metadata.Virtual = c.accept("VIRTUAL")
		case t.Is("CHECK") && c.peekN(1).IsOp("("):
			// A column's CHECK is the table's, as in PostgreSQL.
			if err := ct.check(c, all, Name{}); err != nil {
				return err
			}
		default:
			ct.Columns = append(ct.Columns, col)
			return nil
		}
	}
}

// options parses ( 'key' = 'value', … ).
func options(c *cursor) ([]Option, error) {
	if err := c.expectOp("("); err != nil {
		return nil, err
	}
	var opts []Option
	seen := map[string]bool{}
	for {
		at := c.peek()
		k, err := c.stringLit()
		if err != nil {
			return nil, err
		}
		if seen[k] {
			return nil, c.src.Errorf(at.Start, sqlerr.DuplicateObject, "option \"%s\" specified more than once", k)
		}
		seen[k] = true
		if err := c.expectOp("="); err != nil {
			return nil, err
		}
		v, err := c.stringLit()
		if err != nil {
			return nil, err
		}
		opts = append(opts, Option{Key: k, Value: v, KeyPos: at.Start})
		if c.acceptOp(")") || trailingComma(c) {
			return opts, nil
		}
		if err := c.expectOp(","); err != nil {
			return nil, err
		}
	}
}

// expression parses a scalar expression that runs to the next ',' or ')'
// outside parentheses, through the rewrite and TiDB (as SELECT <expr>).
func expression(c *cursor, all []Token) (*Expr, error) {
	start, depth := c.i, 0
	end := start
	for ; end < len(c.toks); end++ {
		t := c.toks[end]
		if t.IsOp("(") || t.IsOp("[") {
			depth++
		} else if (t.IsOp(")") || t.IsOp("]")) && depth > 0 {
			depth--
		} else if depth == 0 && (t.IsOp(",") || t.IsOp(")")) {
			break
		}
	}
	if end == start {
		return nil, c.syntaxErr(c.peek())
	}
	node, _, _, err := parseRange(c.src, all, c.toks, start, end, "SELECT ")
	if err != nil {
		return nil, err
	}
	sel, ok := node.(*ast.SelectStmt)
	if !ok || sel.From != nil || sel.Where != nil || sel.GroupBy != nil || sel.Having != nil ||
		sel.OrderBy != nil || sel.Limit != nil || sel.With != nil || sel.Fields == nil ||
		len(sel.Fields.Fields) != 1 || sel.Fields.Fields[0].WildCard != nil ||
		sel.Fields.Fields[0].AsName.O != "" {
		return nil, notOneExpression(c, start, end)
	}
	c.i = end
	return &Expr{Node: sel.Fields.Fields[0].Expr, Text: c.src.Text[c.toks[start].Start:c.toks[end-1].End]}, nil
}

// clauseWords start the clauses of a SELECT that TiDB reads after an
// expression and that have no place in a column definition.
var clauseWords = map[string]bool{
	"FROM": true, "WHERE": true, "GROUP": true, "HAVING": true, "ORDER": true, "LIMIT": true,
	"WINDOW": true, "UNION": true, "EXCEPT": true, "INTERSECT": true, "AS": true, "INTO": true,
	"FOR": true, "LOCK": true,
}

// notOneExpression reports toks[start:end], which TiDB read as more than
// a single expression, at the first clause keyword outside parentheses (or
// the last token: an alias written without AS).
func notOneExpression(c *cursor, start, end int) error {
	depth := 0
	for _, t := range c.toks[start:end] {
		switch {
		case t.IsOp("("):
			depth++
		case t.IsOp(")"):
			depth--
		case depth == 0 && t.Kind == TokIdent && clauseWords[strings.ToUpper(t.Val)]:
			return c.syntaxErr(t)
		}
	}
	return c.syntaxErr(c.toks[end-1])
}
