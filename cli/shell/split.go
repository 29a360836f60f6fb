package shell

import (
	"strings"
)

// Splitter cuts text typed or read line by line into complete statements. A
// statement ends at a ';' at top level: not inside a '…' string (including
// E'…' with backslash escapes), a "…" or `…` identifier, a $tag$…$tag$ body,
// a -- or /* */ comment, or parentheses. Whitespace and -- comments before
// a statement are dropped, as psql does, so that error positions reported by
// the server point into the text the user sees.
//
// A statement set, `BEGIN STATEMENT SET; …; END;` or Flink's
// `EXECUTE STATEMENT SET BEGIN …; END;`, comes out as one unit, because the
// server must see all of its INSERTs together to plan them as one job.
//
// The zero Splitter is ready to use. It is not safe for concurrent use.
type Splitter struct {
	buf   []byte // text not yet cut into a statement
	start int    // where the pending statement starts in buf; -1 before its first token
	pos   int    // how far buf has been scanned
	lex   lexState
	// setStart is where an open statement set began in buf, -1 if none is open.
	setStart int
	inSet    bool
}

// lexState is where the scanner stands between two bytes.
type lexState struct {
	quote        byte   // ', " or ` while inside a quoted token
	escapes      bool   // inside E'…': a backslash escapes the next byte
	dollarTag    string // inside $tag$…$tag$: the full opening delimiter
	lineComment  bool   // inside -- … up to the end of the line
	blockComment bool   // inside /* … */ (not nested, as in riffle's parser)
	parens       int    // depth of open parentheses
}

// Feed adds text (usually one line, with its newline) and returns the
// statements it completed, each with its terminating ';' and without
// surrounding whitespace.
func (s *Splitter) Feed(text string) []string {
	if len(s.buf) == 0 && !s.inSet {
		s.start, s.setStart = -1, -1
	}
	s.buf = append(s.buf, text...)
	var out []string
	for s.pos < len(s.buf) {
		if stmt, ok := s.step(); ok {
			out = append(out, stmt)
		}
	}
	return out
}

// Flush returns what is pending (a statement without its final ';', as
// psql runs at the end of a script) and resets the splitter. It returns ""
// if nothing but whitespace and comments is pending.
func (s *Splitter) Flush() string {
	rest := s.Pending()
	s.Reset()
	return rest
}

// Pending is the text of the unfinished statement (or statement set), or ""
// if only whitespace and comments are pending.
func (s *Splitter) Pending() string {
	from := s.start
	if s.inSet {
		from = s.setStart
	}
	if from < 0 || from >= len(s.buf) {
		return ""
	}
	return strings.TrimSpace(string(s.buf[from:]))
}

// Reset forgets everything pending.
func (s *Splitter) Reset() {
	*s = Splitter{start: -1, setStart: -1}
}

// InLiteral reports whether the scanner stands inside a string, quoted
// identifier, dollar-quoted body or block comment, where a line starting with
// a backslash is text and not a shell command.
func (s *Splitter) InLiteral() bool {
	return s.lex.quote != 0 || s.lex.dollarTag != "" || s.lex.blockComment
}

// step scans one token-ish piece starting at s.pos and reports a statement
// when it consumed a terminating ';'.
func (s *Splitter) step() (string, bool) {
	b, i := s.buf, s.pos
	c := b[i]
	switch {
	case s.lex.lineComment:
		if c == '\n' {
			s.lex.lineComment = false
		}
		s.pos++
	case s.lex.blockComment:
		if c == '*' && i+1 < len(b) && b[i+1] == '/' {
			s.lex.blockComment = false
			s.pos += 2
		} else {
			s.pos++
		}
	case s.lex.quote != 0:
		s.pos += s.scanQuoted(c)
	case s.lex.dollarTag != "":
		if strings.HasPrefix(string(b[i:]), s.lex.dollarTag) {
			s.pos += len(s.lex.dollarTag)
			s.lex.dollarTag = ""
		} else {
			s.pos++
		}
	default:
		return s.stepTop(c)
	}
	return "", false
}

// scanQuoted advances inside a quoted token and returns how many bytes it
// consumed. A doubled quote needs no special case: it closes and reopens.
func (s *Splitter) scanQuoted(c byte) int {
	if s.lex.escapes && c == '\\' {
		if s.pos+1 < len(s.buf) {
			return 2
		}
		return 1
	}
	if c == s.lex.quote {
		s.lex.quote, s.lex.escapes = 0, false
	}
	return 1
}

// stepTop scans one byte at top level.
func (s *Splitter) stepTop(c byte) (string, bool) {
	b, i := s.buf, s.pos
	s.pos++
	switch {
	case c == '-' && i+1 < len(b) && b[i+1] == '-':
		s.lex.lineComment = true
		s.pos++
		return "", false
	case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
		return "", false
	}
	if s.start < 0 {
		s.start = i
	}
	switch c {
	case '/':
		if i+1 < len(b) && b[i+1] == '*' {
			s.lex.blockComment = true
			s.pos++
		}
	case '\'':
		s.lex.quote = c
		s.lex.escapes = i > 0 && (b[i-1] == 'E' || b[i-1] == 'e') && (i < 2 || !isIdentByte(b[i-2]))
	case '"', '`':
		s.lex.quote = c
	case '$':
		if tag, ok := dollarTag(b[i:], i > 0 && isIdentByte(b[i-1])); ok {
			s.lex.dollarTag = tag
			s.pos = i + len(tag)
		}
	case '(':
		s.lex.parens++
	case ')':
		if s.lex.parens > 0 {
			s.lex.parens--
		}
	case ';':
		if s.lex.parens == 0 {
			return s.cut()
		}
	}
	return "", false
}

// cut ends the pending statement at s.pos (just past a ';') and decides
// whether it is a statement to return or part of a statement set.
func (s *Splitter) cut() (string, bool) {
	stmt := strings.TrimSpace(string(s.buf[s.start:s.pos]))
	from := s.start
	s.start = -1
	switch {
	case !s.inSet && opensStatementSet(stmt):
		s.inSet, s.setStart = true, from
		return "", false
	case s.inSet && isEndOfSet(stmt):
		unit := strings.TrimSpace(string(s.buf[s.setStart:s.pos]))
		s.inSet, s.setStart = false, -1
		s.compact()
		return unit, true
	case s.inSet:
		return "", false
	}
	s.compact()
	if stmt == ";" {
		// An empty statement: nothing for the server to do.
		return "", false
	}
	return stmt, true
}

// compact drops the consumed text so that buf does not grow over a session.
func (s *Splitter) compact() {
	s.buf = append(s.buf[:0], s.buf[s.pos:]...)
	s.pos = 0
}

// dollarTag reports whether text starts with a dollar-quote delimiter ($$ or
// $tag$) and returns it. A '$' inside an identifier (a$b) or before a digit
// ($1, a parameter) does not open one.
func dollarTag(text []byte, afterIdent bool) (string, bool) {
	if afterIdent {
		return "", false
	}
	for j := 1; j < len(text); j++ {
		c := text[j]
		if c == '$' {
			return string(text[:j+1]), true
		}
		if !isIdentByte(c) || (j == 1 && c >= '0' && c <= '9') {
			return "", false
		}
	}
	return "", false
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// opensStatementSet reports whether stmt begins a statement set. Flink's
// EXECUTE form carries the first INSERT in the same piece.
func opensStatementSet(stmt string) bool {
	w := words(stmt, 4)
	return (len(w) == 3 && w[0] == "BEGIN" && w[1] == "STATEMENT" && w[2] == "SET") ||
		(len(w) >= 4 && w[0] == "EXECUTE" && w[1] == "STATEMENT" && w[2] == "SET" && w[3] == "BEGIN")
}

// isEndOfSet reports whether stmt is the END that closes a statement set.
func isEndOfSet(stmt string) bool {
	w := words(stmt, 2)
	return len(w) == 1 && w[0] == "END"
}

// words returns up to n upper-cased words of stmt, without its final ';'.
func words(stmt string, n int) []string {
	f := strings.Fields(strings.TrimSuffix(stmt, ";"))
	if len(f) > n {
		f = f[:n]
	}
	for i := range f {
		f[i] = strings.ToUpper(f[i])
	}
	return f
}

// Split cuts a whole script into statements; a final statement without a
// ';' is included. It is what a non-interactive run does, in one call.
func Split(script string) []string {
	var s Splitter
	stmts := s.Feed(script)
	if rest := s.Flush(); rest != "" {
		stmts = append(stmts, rest)
	}
	return stmts
}
