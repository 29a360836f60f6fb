package parse

import (
	"strings"

	"riffle/sql/sqlerr"
)

// Copy is PostgreSQL's COPY, to and from the client only:
//
//	COPY table [(col, …)] FROM STDIN [[WITH] (option [value], …)]
//	COPY table [(col, …)] TO STDOUT [[WITH] (option [value], …)]
//	COPY (query) TO STDOUT [[WITH] (option [value], …)]
//
// and the options' pre-9.0 spelling that psql's \copy and drivers still
// send (`FROM STDIN BINARY`, `WITH CSV HEADER DELIMITER ';'`, `FORCE NOT
// NULL a`), which the parser turns into the same Options.
type Copy struct {
	Src *Source
	// Table and Columns are the table copied (Name "" when Query is set).
	Table   Name
	Columns []Name
	// Query is the statement of COPY (query) TO STDOUT: a *Select (with
	// EMIT CHANGES, a never-ending one) or a *Subscribe. It has a Source
	// of its own, cut out of the same input.
	Query Statement
	// From is COPY … FROM STDIN; otherwise COPY … TO STDOUT.
	From    bool
	Options []CopyOption
}

// CopyOption is one option of COPY, as PostgreSQL's generic option list
// has it: a lower-case name and a value that is a word, number or string
// (Value, with HasValue), a list of columns (Columns), '*' (Star), or
// nothing (a boolean option alone means true).
type CopyOption struct {
	Name     string // format, delimiter, null, header, quote, escape, force_quote, force_not_null, force_null, encoding, freeze, …
	Value    string // words lower-case, strings as written
	HasValue bool
	Columns  []Name
	Star     bool
	Pos      int // of the option's name in Src.Text
}

func (s *Copy) Source() *Source { return s.Src }

// parseCopy parses a COPY statement.
func parseCopy(c *cursor, all []Token) (Statement, error) {
	c.next() // COPY
	cp := &Copy{Src: c.src}
	legacyBinary := -1
	if t := c.peek(); t.Is("BINARY") && c.peekN(1).IsName() {
		legacyBinary = t.Start // COPY BINARY t, the 7.x spelling
		c.next()
	}
	if c.peek().IsOp("(") {
		q, err := copyQuery(c, all)
		if err != nil {
			return nil, err
		}
		cp.Query = q
	} else {
		var err error
		if cp.Table, err = c.name(); err != nil {
			return nil, err
		}
		if c.peek().IsOp("(") {
			if cp.Columns, err = c.nameList(); err != nil {
				return nil, err
			}
		}
	}
	if legacyBinary >= 0 {
		cp.Options = append(cp.Options, CopyOption{Name: "format", Value: "binary", HasValue: true, Pos: legacyBinary})
	}
	switch t := c.next(); {
	case t.Is("FROM"):
		cp.From = true
		if cp.Query != nil {
			return nil, c.src.Errorf(t.Start, sqlerr.SyntaxError, "syntax error at or near \"FROM\"").
				WithHint("COPY (query) copies to the client: COPY (query) TO STDOUT")
		}
		if err := copyEnd(c, "STDIN"); err != nil {
			return nil, err
		}
	case t.Is("TO"):
		if err := copyEnd(c, "STDOUT"); err != nil {
			return nil, err
		}
	default:
		return nil, c.syntaxErr(t)
	}
	opts, err := copyOptions(c)
	if err != nil {
		return nil, err
	}
	cp.Options = append(cp.Options, opts...)
	if t := c.peek(); t.Is("WHERE") {
		return nil, c.src.Errorf(t.Start, sqlerr.FeatureNotSupported, "COPY … WHERE is not supported").
			WithHint("copy into a table, then INSERT INTO … SELECT … WHERE from it")
	}
	return cp, c.expectEOF()
}

// copyQuery parses the parenthesised statement of COPY (query) TO: a query
// or a SUBSCRIBE, with a Source of its own.
func copyQuery(c *cursor, all []Token) (Statement, error) {
	c.next() // (
	depth, end := 0, -1
	for i := c.i - 1; i < len(c.toks); i++ {
		if c.toks[i].IsOp("(") {
			depth++
		} else if c.toks[i].IsOp(")") {
			if depth--; depth == 0 {
				end = i
				break
			}
		}
	}
	if end < 0 {
		return nil, c.syntaxErr(c.peekN(len(c.toks) - c.i))
	}
	if end == c.i {
		return nil, c.syntaxErr(c.toks[end])
	}
	first, last := c.toks[c.i], c.toks[end-1]
	sub := &Source{Input: c.src.Input, Offset: c.src.Offset + first.Start, Text: c.src.Text[first.Start:last.End]}
	var inner []Token
	for _, t := range all {
		if t.Start >= first.Start && t.End <= last.End {
			inner = append(inner, t)
		}
	}
	inner = shift(inner, first.Start)
	st, err := parseStatement(sub, inner, codeTokens(inner))
	if err != nil {
		return nil, err
	}
	switch st.(type) {
	case *Select, *Subscribe:
	default:
		return nil, c.src.Errorf(first.Start, sqlerr.SyntaxError, "COPY (…) TO takes a query or SUBSCRIBE, not %s",
			strings.ToUpper(c.src.Text[first.Start:first.End]))
	}
	c.i = end + 1
	return st, nil
}

// copyEnd reads STDIN or STDOUT; files and programs are the server's, and
// riffle's server has none to offer.
func copyEnd(c *cursor, want string) error {
	t := c.peek()
	switch {
	case c.accept(want):
		return nil
	case t.Kind == TokString || t.Is("PROGRAM"):
		return c.src.Errorf(t.Start, sqlerr.FeatureNotSupported, "COPY to or from a file or program on the server is not supported").
			WithHint("copy through the client: COPY … %s, or psql's \\copy", want)
	}
	return c.syntaxErr(t)
}

// copyOptions reads the options after STDIN/STDOUT: [WITH] (option, …) or
// the legacy list.
func copyOptions(c *cursor) ([]CopyOption, error) {
	c.accept("WITH")
	if c.acceptOp("(") {
		var opts []CopyOption
		for {
			o, err := copyOption(c)
			if err != nil {
				return nil, err
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
	return legacyOptions(c)
}

// copyOption reads one option of the parenthesised list: a name, then a
// word, string, number, column list, '*' or nothing.
func copyOption(c *cursor) (CopyOption, error) {
	t := c.next()
	if t.Kind != TokIdent {
		return CopyOption{}, c.syntaxErr(t)
	}
	o := CopyOption{Name: strings.ToLower(t.Val), Pos: t.Start}
	switch v := c.peek(); {
	case v.IsOp("(") && (o.Name == "force_quote" || o.Name == "force_not_null" || o.Name == "force_null"):
		cols, err := c.nameList()
		if err != nil {
			return o, err
		}
		o.Columns = cols
	case v.IsOp("*"):
		c.next()
		o.Star = true
	case v.Kind == TokIdent || v.Kind == TokString || v.Kind == TokEString || v.Kind == TokNumber:
		c.next()
		o.Value, o.HasValue = v.Val, true
		if v.Kind == TokIdent {
			o.Value = strings.ToLower(v.Val)
		}
	case v.IsOp("-") && c.peekN(1).Kind == TokNumber:
		c.next()
		o.Value, o.HasValue = "-"+c.next().Val, true
	}
	return o, nil
}

// legacyOptions reads the pre-9.0 option list, items in any order:
// BINARY, CSV, HEADER, FREEZE, DELIMITER [AS] 'c', NULL [AS] 's', QUOTE
// [AS] 'q', ESCAPE [AS] 'e', ENCODING 'e', FORCE QUOTE cols|*, FORCE NOT
// NULL cols, FORCE NULL cols.
func legacyOptions(c *cursor) ([]CopyOption, error) {
	var opts []CopyOption
	for !c.atEOF() && !c.peek().Is("WHERE") {
		t := c.next()
		o := CopyOption{Pos: t.Start}
		switch {
		case t.Is("BINARY"):
			o.Name, o.Value, o.HasValue = "format", "binary", true
		case t.Is("CSV"):
			o.Name, o.Value, o.HasValue = "format", "csv", true
		case t.Is("HEADER"):
			o.Name = "header"
		case t.Is("FREEZE"):
			o.Name = "freeze"
		case t.Is("DELIMITER"), t.Is("NULL"), t.Is("QUOTE"), t.Is("ESCAPE"), t.Is("ENCODING"):
			o.Name = strings.ToLower(t.Val)
			if o.Name != "encoding" {
				c.accept("AS")
			}
			v, err := c.stringLit()
			if err != nil {
				return nil, err
			}
			o.Value, o.HasValue = v, true
		case t.Is("FORCE"):
			switch {
			case c.accept("QUOTE"):
				o.Name = "force_quote"
				if c.acceptOp("*") {
					o.Star = true
					break
				}
			case c.acceptSeq("NOT", "NULL"):
				o.Name = "force_not_null"
			case c.accept("NULL"):
				o.Name = "force_null"
			default:
				return nil, c.syntaxErr(c.peek())
			}
			if !o.Star {
				cols, err := legacyColumns(c)
				if err != nil {
					return nil, err
				}
				o.Columns = cols
			}
		default:
			return nil, c.syntaxErr(t)
		}
		opts = append(opts, o)
	}
	return opts, nil
}

// legacyColumns reads the unparenthesised column list of FORCE …: a, b.
func legacyColumns(c *cursor) ([]Name, error) {
	var names []Name
	for {
		n, err := c.name()
		if err != nil {
			return nil, err
		}
		names = append(names, n)
		if !c.acceptOp(",") {
			return names, nil
		}
	}
}

// formatCopy renders a COPY for golden files.
func formatCopy(s *Copy) string {
	var b strings.Builder
	b.WriteString("COPY ")
	if s.Query != nil {
		b.WriteString("(" + Format(s.Query) + ")")
	} else {
		b.WriteString(quoteName(s.Table.Name))
		if len(s.Columns) > 0 {
			b.WriteString(" (" + joinNames(s.Columns) + ")")
		}
	}
	if s.From {
		b.WriteString(" FROM STDIN")
	} else {
		b.WriteString(" TO STDOUT")
	}
	if len(s.Options) == 0 {
		return b.String()
	}
	parts := make([]string, len(s.Options))
	for i, o := range s.Options {
		p := strings.ToUpper(o.Name)
		switch {
		case o.Star:
			p += " *"
		case o.Columns != nil:
			p += " (" + joinNames(o.Columns) + ")"
		case o.HasValue:
			p += " " + quoteString(o.Value)
		}
		parts[i] = p
	}
	b.WriteString(" WITH (" + strings.Join(parts, ", ") + ")")
	return b.String()
}
