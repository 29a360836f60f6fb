package parse

import (
	"riffle/sql/sqlerr"
)

// cursor walks the tokens of one statement (comments removed) for the
// parts of the grammar the layer parses itself. Token positions are
// relative to src.Text, so errors go through src.Errorf.
type cursor struct {
	src  *Source
	toks []Token
	i    int
	// eof, when set, is the token reported past the end of toks: a cursor
	// over the inside of parentheses reports the ')' rather than "end of
	// input".
	eof *Token
}

func newCursor(src *Source, toks []Token) *cursor {
	return &cursor{src: src, toks: toks}
}

// peek returns the next token without consuming it; past the end it is a
// TokEOF token positioned at the end of the statement.
func (c *cursor) peek() Token { return c.peekN(0) }

// peekN looks n tokens ahead of peek.
func (c *cursor) peekN(n int) Token {
	if c.i+n < len(c.toks) {
		return c.toks[c.i+n]
	}
	if c.eof != nil {
		// Kind EOF so that nothing accepts it; its span names the text.
		return Token{Kind: TokEOF, Start: c.eof.Start, End: c.eof.End}
	}
	end := len(c.src.Text)
	return Token{Kind: TokEOF, Start: end, End: end}
}

func (c *cursor) next() Token {
	t := c.peek()
	if c.i < len(c.toks) {
		c.i++
	}
	return t
}

func (c *cursor) atEOF() bool { return c.i >= len(c.toks) }

// accept consumes the next token if it is the keyword kw.
func (c *cursor) accept(kw string) bool {
	if c.peek().Is(kw) {
		c.i++
		return true
	}
	return false
}

// acceptSeq consumes the keywords kws if they are all next, in order.
func (c *cursor) acceptSeq(kws ...string) bool {
	for n, kw := range kws {
		if !c.peekN(n).Is(kw) {
			return false
		}
	}
	c.i += len(kws)
	return true
}

// acceptOp consumes the next token if it is the operator op.
func (c *cursor) acceptOp(op string) bool {
	if c.peek().IsOp(op) {
		c.i++
		return true
	}
	return false
}

// expect consumes the keyword kw or fails at whatever is there instead.
func (c *cursor) expect(kw string) error {
	if !c.accept(kw) {
		return c.syntaxErr(c.peek())
	}
	return nil
}

// expectOp consumes the operator op or fails at whatever is there instead.
func (c *cursor) expectOp(op string) error {
	if !c.acceptOp(op) {
		return c.syntaxErr(c.peek())
	}
	return nil
}

// expectEOF fails at the first token left over after a complete statement,
// so that no text is ever silently ignored.
func (c *cursor) expectEOF() error {
	if !c.atEOF() {
		return c.syntaxErr(c.peek())
	}
	return nil
}

// syntaxErr is PostgreSQL's "syntax error at or near" for token t.
func (c *cursor) syntaxErr(t Token) *sqlerr.Error {
	return syntaxErrAt(c.src, t)
}

// syntaxErrAt is PostgreSQL's "syntax error at or near" for token t of src.
func syntaxErrAt(src *Source, t Token) *sqlerr.Error {
	if t.Kind == TokEOF && t.Start == t.End {
		return src.Errorf(len(src.Text), sqlerr.SyntaxError, "syntax error at end of input")
	}
	return src.Errorf(t.Start, sqlerr.SyntaxError, "syntax error at or near \"%s\"", src.Text[t.Start:t.End])
}

// name consumes an identifier (quoted or not). A qualified name a.b is not
// supported yet: riffle has one namespace.
func (c *cursor) name() (Name, error) {
	t := c.peek()
	if !t.IsName() {
		return Name{}, c.syntaxErr(t)
	}
	c.i++
	if c.peek().IsOp(".") && c.peekN(1).IsName() {
		return Name{}, c.src.Errorf(t.Start, sqlerr.FeatureNotSupported,
			"qualified name %s is not supported", c.src.Text[t.Start:c.peekN(1).End])
	}
	return Name{Name: t.Val, Pos: t.Start}, nil
}

// nameList parses "( name, … )".
func (c *cursor) nameList() ([]Name, error) {
	if err := c.expectOp("("); err != nil {
		return nil, err
	}
	var names []Name
	for {
		n, err := c.name()
		if err != nil {
			return nil, err
		}
		names = append(names, n)
		if c.acceptOp(")") {
			return names, nil
		}
		if err := c.expectOp(","); err != nil {
			return nil, err
		}
	}
}

// stringLit consumes a quoted string ('…' or E'…') and returns its value.
func (c *cursor) stringLit() (string, error) {
	t := c.peek()
	if t.Kind != TokString && t.Kind != TokEString {
		return "", c.syntaxErr(t)
	}
	c.i++
	return t.Val, nil
}

// codeTokens drops comments.
func codeTokens(all []Token) []Token {
	toks := make([]Token, 0, len(all))
	for _, t := range all {
		if t.Kind != TokComment {
			toks = append(toks, t)
		}
	}
	return toks
}

// shift returns toks with every position moved by -by (for tokens of a
// statement cut out of a larger input).
func shift(toks []Token, by int) []Token {
	out := make([]Token, len(toks))
	for i, t := range toks {
		t.Start -= by
		t.End -= by
		out[i] = t
	}
	return out
}
