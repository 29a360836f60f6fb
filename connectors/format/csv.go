package format

import (
	"bytes"
	"strconv"

	"riffle/sql/types"
)

// CSVOptions are the options of Flink's 'csv' format that shape a record.
// The zero value is Flink's default: fields separated by ',', quoted with
// '"' where needed, no escape character, no null literal.
type CSVOptions struct {
	// FieldDelimiter separates fields ('csv.field-delimiter'); 0 means ','.
	FieldDelimiter byte
	// QuoteCharacter encloses a field holding a delimiter, a quote or a line
	// break ('csv.quote-character'); a quote inside a quoted field is
	// doubled. 0 means '"'.
	QuoteCharacter byte
	// DisableQuoteCharacter turns quoting off ('csv.disable-quote-character'):
	// fields are split at every delimiter, and a value that needs quoting
	// can only be written with an escape character.
	DisableQuoteCharacter bool
	// EscapeCharacter ('csv.escape-character'), when not 0, makes the next
	// character literal; \n, \r, \t and \0 after it stand for a line feed,
	// carriage return, tab and NUL, as in Jackson, which Flink uses.
	EscapeCharacter byte
	// NullLiteral ('csv.null-literal'), when set, is the text of NULL: an
	// unquoted field equal to it reads as NULL in any column, and NULL is
	// written as it (a string equal to it is quoted). Without it, NULL is
	// written as an empty field, and an empty unquoted field reads as the
	// empty string in a CHAR/VARCHAR column and as NULL in any other.
	NullLiteral *string
}

// csvSyntax is the resolved options, shared by the decoder and encoder.
type csvSyntax struct {
	delim, quote, esc byte // quote and esc are 0 when off
	null              string
	hasNull           bool
}

func newCSVSyntax(schema types.Schema, opts CSVOptions) (csvSyntax, error) {
	s := csvSyntax{delim: opts.FieldDelimiter, quote: opts.QuoteCharacter, esc: opts.EscapeCharacter}
	if s.delim == 0 {
		s.delim = ','
	}
	if s.quote == 0 {
		s.quote = '"'
	}
	if opts.DisableQuoteCharacter {
		s.quote = 0
	}
	if opts.NullLiteral != nil {
		s.null, s.hasNull = *opts.NullLiteral, true
	}
	special := []byte{s.delim, s.quote, s.esc}
	for i, c := range special {
		if c == '\n' || c == '\r' || c >= 0x80 {
			return s, errorf("", "csv: "+csvOptionNames[i]+" "+strconv.QuoteRune(rune(c))+
				" is not allowed; use an ASCII character other than a line break")
		}
		for j := range i {
			if c != 0 && c == special[j] {
				return s, errorf("", "csv: the "+csvOptionNames[j]+" and the "+csvOptionNames[i]+
					" are both "+strconv.QuoteRune(rune(c)))
			}
		}
	}
	if s.hasNull && (bytes.ContainsAny([]byte(s.null), "\r\n") || bytes.IndexByte([]byte(s.null), s.delim) >= 0 ||
		s.quote != 0 && len(s.null) > 0 && s.null[0] == s.quote) {
		return s, errorf("", "csv: the null literal "+strconv.Quote(s.null)+
			" holds a line break or the field delimiter, or starts with the quote character")
	}
	if schema.Len() == 0 {
		return s, errorf("", "the csv format needs at least one column")
	}
	for _, c := range schema.Columns {
		switch c.Type.ID {
		case types.Array, types.Map, types.RowType:
			return s, errorf(c.Name, "the csv format does not support nested type "+c.Type.String())
		}
	}
	return s, nil
}

var csvOptionNames = [...]string{"field delimiter", "quote character", "escape character"}

// NewCSVDecoder returns a Decoder for Flink's 'csv' format: a record is one
// line of fields, one per column in schema order. A trailing line break is
// allowed; one outside quotes elsewhere is an error, as is a record with
// more or fewer fields than the schema has columns.
//
// Each field is converted from its text as the JSON format converts a
// string (see NewJSONDecoder): numbers, booleans and intervals may have
// surrounding spaces; BYTES are base64; DATE is "2024-01-01", TIME
// "12:34:56.789", TIMESTAMP "2024-01-01 00:00:01.123" (or ISO 8601 with 'T'
// and an offset); booleans are true or false in any case (Flink reads any
// other text as false; riffle rejects it). See CSVOptions for NULL.
// ARRAY, MAP and ROW columns are an error.
func NewCSVDecoder(schema types.Schema, opts CSVOptions) (Decoder, error) {
	syn, err := newCSVSyntax(schema, opts)
	if err != nil {
		return nil, err
	}
	return &csvDecoder{csvSyntax: syn, cols: schema.Columns}, nil
}

type csvDecoder struct {
	csvSyntax
	cols    []types.Column
	scratch []byte // a field with quotes or escapes, unescaped
}

var _ Decoder = (*csvDecoder)(nil)

func (d *csvDecoder) Decode(data []byte, row types.Row) error {
	if len(row) != len(d.cols) {
		return errorf("", "row has "+strconv.Itoa(len(row))+" columns, schema has "+strconv.Itoa(len(d.cols)))
	}
	if n := len(data); n > 0 && data[n-1] == '\n' {
		data = data[:n-1]
		if n > 1 && data[n-2] == '\r' {
			data = data[:n-2]
		}
	}
	pos := 0
	for i, c := range d.cols {
		field, quoted, end, err := d.field(data, pos)
		if err != nil {
			return err
		}
		if (end == len(data)) != (i+1 == len(d.cols)) {
			return d.countErr(d.fieldCount(data))
		}
		v, perr := d.value(c.Type, field, quoted)
		if perr != nil {
			if n := d.fieldCount(data); n != len(d.cols) {
				return d.countErr(n) // a field missing or too many explains the bad value
			}
			perr.Field = c.Name
			return perr
		}
		row[i] = v
		pos = end + 1
	}
	return nil
}

// value converts one field, applying the null literal and the empty-field
// rule of CSVOptions.NullLiteral.
func (d *csvDecoder) value(t types.Type, field []byte, quoted bool) (types.Value, *Error) {
	if !quoted {
		switch {
		case d.hasNull && string(field) == d.null:
			return types.Null, nil
		case len(field) == 0 && !t.IsString():
			return types.Null, nil
		}
	}
	return parseText(t, field)
}

// fieldCount counts the fields of a record, up to a syntax error.
func (d *csvDecoder) fieldCount(data []byte) int {
	n := 0
	for pos := 0; ; {
		_, _, end, err := d.field(data, pos)
		n++
		if err != nil || end >= len(data) {
			return n
		}
		pos = end + 1
	}
}

func (d *csvDecoder) countErr(n int) error {
	return errorf("", "record has "+strconv.Itoa(n)+" fields, expected "+strconv.Itoa(len(d.cols)))
}

func (d *csvDecoder) syntaxErr(at int, msg string) *Error {
	return &Error{Offset: at, Format: "CSV", Msg: msg}
}

// field scans the field starting at pos and returns its text (aliasing
// data, or in scratch when it had quotes or escapes), whether it was
// quoted, and the position of the delimiter after it (len(data) for the
// last field).
func (d *csvDecoder) field(data []byte, pos int) (text []byte, quoted bool, end int, err error) {
	if d.quote != 0 && pos < len(data) && data[pos] == d.quote {
		text, end, err = d.quoted(data, pos)
		return text, true, end, err
	}
	end = len(data)
	if i := bytes.IndexByte(data[pos:], d.delim); i >= 0 {
		end = pos + i
	}
	text = data[pos:end]
	if i := lineBreak(text); i >= 0 {
		return nil, false, 0, d.syntaxErr(pos+i, "line break outside quotes: a CSV record is one line")
	}
	if d.esc == 0 || bytes.IndexByte(text, d.esc) < 0 {
		return text, false, end, nil
	}
	// With escapes, a delimiter may be escaped: scan byte by byte.
	b := d.scratch[:0]
	i := pos
	for ; i < len(data) && data[i] != d.delim; i++ {
		c := data[i]
		switch {
		case c == '\n' || c == '\r':
			return nil, false, 0, d.syntaxErr(i, "line break outside quotes: a CSV record is one line")
		case c == d.esc:
			if i+1 == len(data) {
				return nil, false, 0, d.syntaxErr(i, "escape character at the end of the record")
			}
			i++
			c = unescapeCSV(data[i])
		}
		b = append(b, c)
	}
	d.scratch = b
	return b, false, i, nil
}

// lineBreak returns the index of the first '\n' or '\r' in b, or -1. Two
// vectorised IndexByte scans beat one IndexAny.
func lineBreak(b []byte) int {
	i, j := bytes.IndexByte(b, '\n'), bytes.IndexByte(b, '\r')
	if i < 0 || j >= 0 && j < i {
		return j
	}
	return i
}

// quoted scans a quoted field starting at the quote at pos.
func (d *csvDecoder) quoted(data []byte, pos int) ([]byte, int, error) {
	b := d.scratch[:0]
	i := pos + 1
	for {
		j := i
		for j < len(data) && data[j] != d.quote && (d.esc == 0 || data[j] != d.esc) {
			j++
		}
		b = append(b, data[i:j]...)
		if j == len(data) {
			return nil, 0, d.syntaxErr(pos, "unterminated quoted field")
		}
		if data[j] == d.esc {
			if j+1 == len(data) {
				return nil, 0, d.syntaxErr(j, "escape character at the end of the record")
			}
			b = append(b, unescapeCSV(data[j+1]))
			i = j + 2
			continue
		}
		if j+1 < len(data) && data[j+1] == d.quote { // a doubled quote
			b = append(b, d.quote)
			i = j + 2
			continue
		}
		end := j + 1
		if end < len(data) && data[end] != d.delim {
			return nil, 0, d.syntaxErr(end, "unexpected "+quoteByte(data[end])+" after a closing quote")
		}
		d.scratch = b
		return b, end, nil
	}
}

func unescapeCSV(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case '0':
		return 0
	}
	return c
}

// NewCSVEncoder returns an Encoder writing rows as NewCSVDecoder reads
// them: one line without a line break, as Flink writes it, with fields in
// the text forms of the JSON format's strings (TIMESTAMP_LTZ with a
// trailing Z, BYTES as base64, FLOAT NaN and infinities as NaN, Infinity,
// -Infinity). A field is quoted only when it holds the delimiter, the quote
// or escape character or a line break, equals the null literal, or is an
// empty non-string value (which unquoted would read as NULL).
func NewCSVEncoder(schema types.Schema, opts CSVOptions) (Encoder, error) {
	syn, err := newCSVSyntax(schema, opts)
	if err != nil {
		return nil, err
	}
	return &csvEncoder{csvSyntax: syn, cols: schema.Columns}, nil
}

type csvEncoder struct {
	csvSyntax
	cols    []types.Column
	scratch []byte // one field's text
}

var _ Encoder = (*csvEncoder)(nil)

func (e *csvEncoder) Encode(dst []byte, row types.Row) ([]byte, error) {
	if len(row) != len(e.cols) {
		return dst, errorf("", "row has "+strconv.Itoa(len(row))+" columns, schema has "+strconv.Itoa(len(e.cols)))
	}
	if dst == nil {
		dst = []byte{} // a record, even when empty; only the raw format returns nil
	}
	for i, c := range e.cols {
		if i > 0 {
			dst = append(dst, e.delim)
		}
		v := row[i]
		if v.K == types.KNull {
			dst = append(dst, e.null...)
			continue
		}
		text, ok := appendText(e.scratch[:0], c.Type, v)
		e.scratch = text
		if !ok {
			return dst, errorf(c.Name, "cannot encode a value of kind "+kindName(v.K)+" as "+c.Type.String())
		}
		var err *Error
		if dst, err = e.appendField(dst, text, c.Type.IsString()); err != nil {
			err.Field = c.Name
			return dst, err
		}
	}
	return dst, nil
}

// appendField writes one field's text, quoting or escaping it if needed.
func (e *csvEncoder) appendField(dst, text []byte, isString bool) ([]byte, *Error) {
	ambiguous := e.hasNull && string(text) == e.null || len(text) == 0 && !isString
	special := false
	for _, c := range text {
		if c == e.delim || c == '\n' || c == '\r' || c != 0 && (c == e.quote || c == e.esc) {
			special = true
			break
		}
	}
	switch {
	case !special && !ambiguous:
		return append(dst, text...), nil
	case e.quote != 0:
		dst = append(dst, e.quote)
		for _, c := range text {
			switch {
			case c == e.quote:
				dst = append(dst, c, c)
			case c == e.esc && c != 0:
				dst = append(dst, c, c)
			default:
				dst = append(dst, c)
			}
		}
		return append(dst, e.quote), nil
	case ambiguous:
		return dst, errorf("", "value "+quoteText(text)+" would read as NULL, and quoting is disabled")
	case e.esc == 0:
		return dst, errorf("", "value "+quoteText(text)+
			" holds the field delimiter or a line break, and quoting is disabled with no escape character")
	}
	for _, c := range text {
		switch c {
		case '\n':
			dst = append(dst, e.esc, 'n')
		case '\r':
			dst = append(dst, e.esc, 'r')
		case e.delim, e.esc:
			dst = append(dst, e.esc, c)
		default:
			dst = append(dst, c)
		}
	}
	return dst, nil
}
