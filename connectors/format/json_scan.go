package format

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// scanner walks the bytes of one JSON document. It validates as it goes and
// reports syntax errors with their byte offset; it never allocates except
// to return strings.
type scanner struct {
	data    []byte
	pos     int
	scratch []byte // unescaped strings, reused across records
}

func (s *scanner) syntaxErr(at int, msg string) *Error {
	return &Error{Offset: at, Format: "JSON", Msg: msg}
}

// ws skips whitespace and returns the next byte, or 0 at the end.
func (s *scanner) ws() byte {
	for s.pos < len(s.data) {
		switch c := s.data[s.pos]; c {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return c
		}
	}
	return 0
}

// expect consumes c after optional whitespace.
func (s *scanner) expect(c byte, what string) error {
	if s.ws() != c {
		return s.unexpected(what)
	}
	s.pos++
	return nil
}

// unexpected reports what was expected at the current position.
func (s *scanner) unexpected(what string) *Error {
	if s.pos >= len(s.data) {
		return s.syntaxErr(s.pos, "unexpected end of input, expected "+what)
	}
	return s.syntaxErr(s.pos, "unexpected "+quoteByte(s.data[s.pos])+", expected "+what)
}

func quoteByte(c byte) string {
	if c < 0x20 || c >= 0x7f {
		return "byte 0x" + strconv.FormatUint(uint64(c), 16)
	}
	return strconv.QuoteRune(rune(c))
}

// literal consumes one of true, false, null.
func (s *scanner) literal(word string) error {
	if len(s.data)-s.pos < len(word) || string(s.data[s.pos:s.pos+len(word)]) != word {
		return s.syntaxErr(s.pos, "invalid literal, expected "+word)
	}
	s.pos += len(word)
	return nil
}

// rawString consumes a string and returns its bytes between the quotes,
// still escaped, and whether it holds escapes or non-ASCII bytes (which
// need unescape). The bytes alias the input.
func (s *scanner) rawString() (raw []byte, special bool, err error) {
	start := s.pos + 1 // after the opening quote
	for i := start; i < len(s.data); i++ {
		switch c := s.data[i]; {
		case c == '"':
			s.pos = i + 1
			return s.data[start:i], special, nil
		case c == '\\':
			special = true
			i++ // the escaped byte cannot end the string
		case c < 0x20:
			return nil, false, s.syntaxErr(i, "control character in string")
		case c >= 0x80:
			special = true
		}
	}
	return nil, false, s.syntaxErr(len(s.data), "unterminated string")
}

// str consumes a string and returns it as a Go string: one allocation, or
// none for the empty string.
func (s *scanner) str() (string, error) {
	at := s.pos
	raw, special, err := s.rawString()
	if err != nil || !special {
		return string(raw), err
	}
	b, err := s.unescape(raw, at+1)
	return string(b), err
}

// strBytes consumes a string and returns its unescaped bytes, valid until
// the next call on the scanner.
func (s *scanner) strBytes() ([]byte, error) {
	at := s.pos
	raw, special, err := s.rawString()
	if err != nil || !special {
		return raw, err
	}
	return s.unescape(raw, at+1)
}

// unescape decodes the escapes of raw (which starts at byte offset at) into
// the scratch buffer. Invalid UTF-8 and lone surrogates become U+FFFD, as
// encoding/json does, so that every string riffle holds is valid UTF-8.
func (s *scanner) unescape(raw []byte, at int) ([]byte, error) {
	b := s.scratch[:0]
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c >= 0x80:
			r, n := utf8.DecodeRune(raw[i:])
			b = utf8.AppendRune(b, r) // RuneError for invalid bytes
			i += n
			continue
		case c != '\\':
			b = append(b, c)
			i++
			continue
		}
		if i+1 >= len(raw) {
			return nil, s.syntaxErr(at+i, "invalid escape")
		}
		switch e := raw[i+1]; e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, n, ok := unicodeEscape(raw[i:])
			if !ok {
				return nil, s.syntaxErr(at+i, `invalid \u escape`)
			}
			b = utf8.AppendRune(b, r)
			i += n
			continue
		default:
			return nil, s.syntaxErr(at+i, "invalid escape \\"+quoteByte(e))
		}
		i += 2
	}
	s.scratch = b
	return b, nil
}

// unicodeEscape decodes \uXXXX at the start of b, joining a surrogate pair
// \uD83D\uDE00 into one rune. It returns the rune and the bytes consumed.
func unicodeEscape(b []byte) (rune, int, bool) {
	r, ok := hex4(b)
	if !ok {
		return 0, 0, false
	}
	if !utf16.IsSurrogate(r) {
		return r, 6, true
	}
	if len(b) >= 12 && b[6] == '\\' && b[7] == 'u' {
		if r2, ok := hex4(b[6:]); ok {
			if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
				return dec, 12, true
			}
		}
	}
	return utf8.RuneError, 6, true
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 6 {
		return 0, false
	}
	var r rune
	for _, c := range b[2:6] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// number consumes a JSON number and returns its text (aliasing the input)
// and whether it is an integer (no fraction, no exponent).
func (s *scanner) number() (text []byte, isInt bool, err error) {
	start, i := s.pos, s.pos
	d := s.data
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		s.pos = i
		return nil, false, s.unexpected("a digit")
	}
	isInt = true
	if i < len(d) && d[i] == '.' {
		isInt = false
		if i = digits(d, i+1); i < 0 {
			return nil, false, s.syntaxErr(-i, "expected a digit after the decimal point")
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		isInt = false
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i = digits(d, i); i < 0 {
			return nil, false, s.syntaxErr(-i, "expected a digit in the exponent")
		}
	}
	s.pos = i
	return d[start:i], isInt, nil
}

// digits skips one or more digits from i and returns the position after
// them, or -i when there is none.
func digits(d []byte, i int) int {
	start := i
	for i < len(d) && d[i] >= '0' && d[i] <= '9' {
		i++
	}
	if i == start {
		return -start
	}
	return i
}

// skip consumes one value of any kind, checking its syntax. depth bounds
// nesting so that hostile input cannot exhaust the stack.
func (s *scanner) skip(depth int) error {
	if depth > maxDepth {
		return s.syntaxErr(s.pos, "nesting too deep")
	}
	switch c := s.ws(); c {
	case '"':
		_, _, err := s.rawString()
		return err
	case '{':
		s.pos++
		if s.ws() == '}' {
			s.pos++
			return nil
		}
		for {
			if s.ws() != '"' {
				return s.unexpected("a field name")
			}
			if _, _, err := s.rawString(); err != nil {
				return err
			}
			if err := s.expect(':', "':'"); err != nil {
				return err
			}
			if err := s.skip(depth + 1); err != nil {
				return err
			}
			if more, err := s.next('}'); err != nil || !more {
				return err
			}
		}
	case '[':
		s.pos++
		if s.ws() == ']' {
			s.pos++
			return nil
		}
		for {
			if err := s.skip(depth + 1); err != nil {
				return err
			}
			if more, err := s.next(']'); err != nil || !more {
				return err
			}
		}
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	default:
		_, _, err := s.number()
		if err != nil && c != '-' && (c < '0' || c > '9') {
			return s.unexpected("a value")
		}
		return err
	}
}

// next consumes the ',' between members or elements, returning true, or
// the closing bracket, returning false.
func (s *scanner) next(closer byte) (bool, error) {
	switch s.ws() {
	case ',':
		s.pos++
		return true, nil
	case closer:
		s.pos++
		return false, nil
	}
	return false, s.unexpected("',' or " + strconv.QuoteRune(rune(closer)))
}

// maxDepth is the deepest nesting of arrays and objects accepted.
const maxDepth = 1000

// bytesString views b as a string without copying, for parsing functions
// that do not keep their argument. b must not change while the string is in
// use.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
