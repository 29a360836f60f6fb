package parse

import (
	"strings"
	"unicode/utf8"

	"riffle/sql/sqlerr"
)

// TokKind is the lexical class of a token.
type TokKind uint8

// Token kinds. Keywords are not a separate kind: SQL keywords are mostly not
// reserved, so the layer decides by context whether an identifier is one.
const (
	TokEOF         TokKind = iota
	TokIdent               // unquoted identifier or keyword; Val is as written
	TokQuotedIdent         // "x" or `x`; Val has the quotes removed and escapes resolved
	TokString              // 'x'; Val is the value
	TokEString             // E'x'; Val is the value with backslash escapes resolved
	TokNumber              // 12, 1.5, 1e-3, .5
	TokParam               // $1; Val is the number's text
	TokOp                  // operators and punctuation; Val is the text
	TokComment             // -- … or /* … */
)

// Token is one lexical token. Start and End are byte offsets into the text
// that was tokenized, so Text[Start:End] is the token as written.
type Token struct {
	Kind       TokKind
	Start, End int
	Val        string
}

// Is reports whether t is the unquoted keyword kw (compared without regard
// to case). Quoted identifiers are never keywords.
func (t Token) Is(kw string) bool {
	return t.Kind == TokIdent && strings.EqualFold(t.Val, kw)
}

// IsOp reports whether t is the operator or punctuation op.
func (t Token) IsOp(op string) bool { return t.Kind == TokOp && t.Val == op }

// IsName reports whether t can name something: an identifier, quoted or not.
func (t Token) IsName() bool { return t.Kind == TokIdent || t.Kind == TokQuotedIdent }

// multiOps are the operators longer than one byte, longest first so that
// "->>" wins over "->".
var multiOps = []string{"->>", "<=>", "!~*", "::", "||", "<>", "!=", "<=", ">=", "->", ":=", "=>", "!~", "~*", "&&"}

// Tokenize splits text into tokens, comments included. An unterminated
// string, quoted identifier or comment is a syntax error positioned at its
// start, with PostgreSQL's wording.
func Tokenize(text string) ([]Token, *sqlerr.Error) {
	var toks []Token
	for i := 0; i < len(text); {
		c := text[i]
		if isSpace(c) {
			i++
			continue
		}
		tok, err := scanToken(text, i)
		if err != nil {
			return nil, err
		}
		toks = append(toks, tok)
		i = tok.End
	}
	return toks, nil
}

// scanToken reads the token that starts at text[i], which is not a space.
func scanToken(text string, i int) (Token, *sqlerr.Error) {
	c := text[i]
	switch {
	case c == '-' && i+1 < len(text) && text[i+1] == '-':
		end := strings.IndexByte(text[i:], '\n')
		if end < 0 {
			end = len(text) - i
		}
		return Token{Kind: TokComment, Start: i, End: i + end}, nil
	case c == '/' && i+1 < len(text) && text[i+1] == '*':
		end := strings.Index(text[i+2:], "*/")
		if end < 0 {
			return Token{}, unterminated(text, i, "/* comment")
		}
		return Token{Kind: TokComment, Start: i, End: i + 2 + end + 2}, nil
	case c == '\'':
		return scanQuoted(text, i, i, '\'', TokString, "quoted string")
	case (c == 'e' || c == 'E') && i+1 < len(text) && text[i+1] == '\'':
		return scanEString(text, i)
	case c == '"':
		return scanQuoted(text, i, i, '"', TokQuotedIdent, "quoted identifier")
	case c == '`':
		return scanQuoted(text, i, i, '`', TokQuotedIdent, "quoted identifier")
	case isIdentStart(c):
		j := i + 1
		for j < len(text) && isIdentPart(text[j]) {
			j++
		}
		return Token{Kind: TokIdent, Start: i, End: j, Val: text[i:j]}, nil
	case isDigit(c) || (c == '.' && i+1 < len(text) && isDigit(text[i+1])):
		j := scanNumber(text, i)
		return Token{Kind: TokNumber, Start: i, End: j, Val: text[i:j]}, nil
	case c == '$' && i+1 < len(text) && isDigit(text[i+1]):
		j := i + 1
		for j < len(text) && isDigit(text[j]) {
			j++
		}
		return Token{Kind: TokParam, Start: i, End: j, Val: text[i+1 : j]}, nil
	}
	for _, op := range multiOps {
		if strings.HasPrefix(text[i:], op) {
			return Token{Kind: TokOp, Start: i, End: i + len(op), Val: op}, nil
		}
	}
	return Token{Kind: TokOp, Start: i, End: i + 1, Val: text[i : i+1]}, nil
}

// scanQuoted reads a token quoted with q, in which a doubled q stands for
// one q. start is where the token starts (before any prefix), open is the
// opening quote.
func scanQuoted(text string, start, open int, q byte, kind TokKind, what string) (Token, *sqlerr.Error) {
	var b strings.Builder
	for j := open + 1; j < len(text); j++ {
		if text[j] != q {
			b.WriteByte(text[j])
			continue
		}
		if j+1 < len(text) && text[j+1] == q {
			b.WriteByte(q)
			j++
			continue
		}
		return Token{Kind: kind, Start: start, End: j + 1, Val: b.String()}, nil
	}
	return Token{}, unterminated(text, start, what)
}

// scanEString reads a PostgreSQL escape string E'…', where a backslash
// escapes the next character and ” is a quote.
func scanEString(text string, i int) (Token, *sqlerr.Error) {
	for j := i + 2; j < len(text); j++ {
		switch text[j] {
		case '\\':
			j++
		case '\'':
			if j+1 < len(text) && text[j+1] == '\'' {
				j++
				continue
			}
			return Token{Kind: TokEString, Start: i, End: j + 1, Val: unescapeE(text[i+2 : j])}, nil
		}
	}
	return Token{}, unterminated(text, i, "quoted string")
}

// unescapeE resolves the backslash escapes of an E'…' body as PostgreSQL
// does: \b \f \n \r \t, octal \ooo, hex \xHH, \uXXXX, \UXXXXXXXX, ” and
// any other escaped character standing for itself.
func unescapeE(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\'' && i+1 < len(s) && s[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch e := s[i]; e {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'x':
			v, n := readBase(s[i+1:], 16, 2)
			if n == 0 {
				b.WriteByte('x')
				continue
			}
			b.WriteByte(byte(v))
			i += n
		case 'u', 'U':
			width := 4
			if e == 'U' {
				width = 8
			}
			v, n := readBase(s[i+1:], 16, width)
			if n != width {
				b.WriteByte(e)
				continue
			}
			b.WriteRune(rune(v))
			i += n
		default:
			if e >= '0' && e <= '7' {
				v, n := readBase(s[i:], 8, 3)
				b.WriteByte(byte(v))
				i += n - 1
				continue
			}
			b.WriteByte(e)
		}
	}
	return b.String()
}

// readBase reads up to max digits of the given base from the front of s.
func readBase(s string, base, max int) (v, n int) {
	for n < max && n < len(s) {
		d := digitVal(s[n])
		if d < 0 || d >= base {
			break
		}
		v = v*base + d
		n++
	}
	return v, n
}

func digitVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// scanNumber returns the end of the number starting at text[i]: digits, an
// optional fraction and an optional exponent.
func scanNumber(text string, i int) int {
	j := i
	for j < len(text) && isDigit(text[j]) {
		j++
	}
	if j < len(text) && text[j] == '.' {
		j++
		for j < len(text) && isDigit(text[j]) {
			j++
		}
	}
	if j < len(text) && (text[j] == 'e' || text[j] == 'E') {
		k := j + 1
		if k < len(text) && (text[k] == '+' || text[k] == '-') {
			k++
		}
		if k < len(text) && isDigit(text[k]) {
			for k < len(text) && isDigit(text[k]) {
				k++
			}
			j = k
		}
	}
	return j
}

// unterminated is the error for a string, identifier or comment that runs
// to the end of the input, quoting its start as PostgreSQL does.
func unterminated(text string, start int, what string) *sqlerr.Error {
	return sqlerr.At(text, start, sqlerr.SyntaxError, "unterminated %s at or near \"%s\"", what, clip(text[start:], 30))
}

// clip shortens s to at most n bytes without splitting a UTF-8 sequence.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

func isIdentPart(c byte) bool { return isIdentStart(c) || isDigit(c) || c == '$' }
