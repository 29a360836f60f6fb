package shell

import "strings"

// token is one lexical piece of a statement, as the shell needs to know it
// to recognize a statement's kind, follow SET and complete names: a word (a
// keyword or bare identifier), a quoted identifier or string literal, or a
// punctuation character. Comments and whitespace are dropped.
type token struct {
	text string // as written: a quoted token keeps its quotes
	kind tokenKind
	pos  int // byte offset in the statement
}

type tokenKind int

const (
	tokWord   tokenKind = iota // SELECT, orders, _x1
	tokQuoted                  // "Weird Name" or `x`
	tokString                  // 'text', E'…', $$…$$
	tokNumber                  // 42, 1.5
	tokPunct                   // ; , ( ) . = and the other single characters
)

// upper is a word's text in upper case ("" for other tokens), for keyword
// comparisons.
func (t token) upper() string {
	if t.kind != tokWord {
		return ""
	}
	return strings.ToUpper(t.text)
}

// name is the identifier a word or quoted identifier stands for: a bare
// word folded to lower case, as the server does, a quoted one unquoted.
func (t token) name() string {
	switch t.kind {
	case tokWord:
		return strings.ToLower(t.text)
	case tokQuoted:
		q := t.text[:1]
		inner := strings.TrimSuffix(t.text[1:], q)
		return strings.ReplaceAll(inner, q+q, q)
	}
	return ""
}

// stringValue is a string literal's value, or a word's text: SET takes
// either ('UTC' or UTC).
func (t token) stringValue() string {
	switch t.kind {
	case tokString:
		if strings.HasPrefix(t.text, "'") {
			return strings.ReplaceAll(strings.TrimSuffix(t.text[1:], "'"), "''", "'")
		}
		return t.text
	case tokQuoted:
		return t.name()
	}
	return t.text
}

// lex cuts stmt into tokens. An unterminated string or comment runs to the
// end of the text: the shell also lexes statements still being typed.
func lex(stmt string) []token {
	var toks []token
	b := stmt
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case c == '-' && i+1 < len(b) && b[i+1] == '-':
			j := strings.IndexByte(b[i:], '\n')
			if j < 0 {
				return toks
			}
			i += j + 1
		case c == '/' && i+1 < len(b) && b[i+1] == '*':
			j := strings.Index(b[i+2:], "*/")
			if j < 0 {
				return toks
			}
			i += j + 4
		case c == '\'' || ((c == 'E' || c == 'e') && i+1 < len(b) && b[i+1] == '\''):
			start := i
			escapes := c != '\''
			if escapes {
				i++
			}
			i = scanString(b, i+1, '\'', escapes)
			toks = append(toks, token{text: b[start:i], kind: tokString, pos: start})
		case c == '"' || c == '`':
			start := i
			i = scanString(b, i+1, c, false)
			toks = append(toks, token{text: b[start:i], kind: tokQuoted, pos: start})
		case c == '$':
			if tag, ok := dollarTag([]byte(b[i:]), false); ok {
				start := i
				j := strings.Index(b[i+len(tag):], tag)
				if j < 0 {
					i = len(b)
				} else {
					i += len(tag) + j + len(tag)
				}
				toks = append(toks, token{text: b[start:i], kind: tokString, pos: start})
				continue
			}
			toks = append(toks, token{text: "$", kind: tokPunct, pos: i})
			i++
		case c >= '0' && c <= '9':
			start := i
			for i < len(b) && (b[i] >= '0' && b[i] <= '9' || b[i] == '.') {
				i++
			}
			toks = append(toks, token{text: b[start:i], kind: tokNumber, pos: start})
		case isIdentByte(c):
			start := i
			for i < len(b) && (isIdentByte(b[i]) || b[i] == '$') {
				i++
			}
			toks = append(toks, token{text: b[start:i], kind: tokWord, pos: start})
		default:
			toks = append(toks, token{text: b[i : i+1], kind: tokPunct, pos: i})
			i++
		}
	}
	return toks
}

// scanString returns the offset just past the closing quote of a quoted
// token whose body starts at i (or len(b) when it is not closed). A doubled
// quote stands for itself.
func scanString(b string, i int, quote byte, escapes bool) int {
	for i < len(b) {
		switch {
		case escapes && b[i] == '\\':
			i += 2
		case b[i] == quote && i+1 < len(b) && b[i+1] == quote:
			i += 2
		case b[i] == quote:
			return i + 1
		default:
			i++
		}
	}
	return len(b)
}

// isStreaming reports whether stmt is a query whose result never ends: a
// SUBSCRIBE, or a SELECT … EMIT CHANGES. The shell shows those live.
func isStreaming(stmt string) bool {
	toks := lex(stmt)
	for len(toks) > 0 && toks[len(toks)-1].text == ";" {
		toks = toks[:len(toks)-1]
	}
	for len(toks) > 0 && toks[0].text == "(" {
		toks = toks[1:]
	}
	if len(toks) == 0 {
		return false
	}
	if toks[0].upper() == "SUBSCRIBE" {
		return true
	}
	n := len(toks)
	return n >= 2 && toks[n-2].upper() == "EMIT" && toks[n-1].upper() == "CHANGES"
}
