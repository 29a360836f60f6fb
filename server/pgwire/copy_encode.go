package pgwire

import (
	"encoding/binary"
	"math"

	"riffle/sql/types"
)

// copyEncoder renders rows in a COPY TO format, one CopyData per row.
type copyEncoder struct {
	c    *Copy
	cols []types.Column
	buf  []byte
}

// copySignature opens binary COPY data: "PGCOPY\n\377\r\n\0".
var copySignature = []byte("PGCOPY\n\xff\r\n\x00")

// start is what comes before the first row: binary's header (signature,
// flags, header extension length), or the header line of column names.
func (e *copyEncoder) start() []byte {
	switch {
	case e.c.Format == CopyBinary:
		b := append([]byte(nil), copySignature...)
		return binary.BigEndian.AppendUint64(b, 0) // no flags, no extension
	case e.c.Header:
		var b []byte
		for i, col := range e.cols {
			if i > 0 {
				b = append(b, e.c.Delimiter)
			}
			b = e.field(b, []byte(col.Name), i, false)
		}
		return append(b, '\n')
	}
	return nil
}

// end is binary's trailer, a field count of -1.
func (e *copyEncoder) end() []byte {
	if e.c.Format == CopyBinary {
		return []byte{0xff, 0xff}
	}
	return nil
}

// row renders one row. The returned slice is valid until the next call.
func (e *copyEncoder) row(row types.Row) ([]byte, error) {
	b := e.buf[:0]
	if e.c.Format == CopyBinary {
		b = binary.BigEndian.AppendUint16(b, uint16(len(row)))
		for i, v := range row {
			if v.IsNull() {
				b = binary.BigEndian.AppendUint32(b, math.MaxUint32)
				continue
			}
			at := len(b)
			b = append(b, 0, 0, 0, 0)
			var err error
			if b, err = appendBinaryValue(b, v, e.colType(i)); err != nil {
				return nil, err
			}
			binary.BigEndian.PutUint32(b[at:], uint32(len(b)-at-4))
		}
		e.buf = b
		return b, nil
	}
	var text []byte
	for i, v := range row {
		if i > 0 {
			b = append(b, e.c.Delimiter)
		}
		if v.IsNull() {
			b = append(b, e.c.Null...)
			continue
		}
		text = appendTextValue(text[:0], v, e.colType(i))
		b = e.field(b, text, i, len(row) == 1)
	}
	b = append(b, '\n')
	e.buf = b
	return b, nil
}

func (e *copyEncoder) colType(i int) types.Type {
	if i < len(e.cols) {
		return e.cols[i].Type
	}
	return types.TUnknown
}

// field appends one non-NULL value: escaped for text (CopyAttributeOutText)
// or quoted where needed for csv (CopyAttributeOutCSV).
func (e *copyEncoder) field(b, v []byte, col int, single bool) []byte {
	if e.c.Format == CopyText {
		for _, c := range v {
			switch c {
			case '\\':
				b = append(b, '\\', '\\')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\v':
				b = append(b, '\\', 'v')
			default:
				if c == e.c.Delimiter {
					b = append(b, '\\')
				}
				b = append(b, c)
			}
		}
		return b
	}
	// A value is quoted when it could be misread: it holds the delimiter,
	// the quote, or a line break, it reads as the null string, or (alone
	// on its line) as the end-of-data marker \. .
	quote := string(v) == e.c.Null || col < len(e.c.ForceQuote) && e.c.ForceQuote[col] ||
		single && string(v) == `\.`
	for _, c := range v {
		if c == e.c.Delimiter || c == e.c.Quote || c == '\n' || c == '\r' {
			quote = true
			break
		}
	}
	if !quote {
		return append(b, v...)
	}
	b = append(b, e.c.Quote)
	for _, c := range v {
		if c == e.c.Quote || c == e.c.Escape {
			b = append(b, e.c.Escape)
		}
		b = append(b, c)
	}
	return append(b, e.c.Quote)
}
