package pgwire

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"strings"

	"riffle/sql/sqlerr"
)

// copyDecoder splits COPY FROM data into rows of text fields. CopyData
// messages cut the data anywhere, so it keeps the unfinished tail of the
// last one and decodes only complete rows.
type copyDecoder struct {
	ci   *CopyIn
	buf  []byte
	line int  // lines (binary: tuples) consumed so far
	done bool // the end-of-data marker (\. or binary's trailer) was seen
	// header is set until the header (binary's, or the header line) has
	// been read.
	header bool
	// scan is how far recordEnd has looked for the end of the line at the
	// start of buf, and inQuote whether it is inside csv quotes there.
	scan    int
	inQuote bool
	fields  []*string
}

func newCopyDecoder(ci *CopyIn) *copyDecoder {
	return &copyDecoder{ci: ci, header: ci.Format == CopyBinary || ci.Header, fields: make([]*string, len(ci.Columns))}
}

// feed decodes what data completes; final says no more data comes
// (CopyDone), so a last line without a newline is a row.
func (d *copyDecoder) feed(data []byte, final bool) error {
	if d.done {
		return nil // PostgreSQL ignores what follows the end marker
	}
	d.buf = append(d.buf, data...)
	var err error
	var used int
	if d.ci.Format == CopyBinary {
		used, err = d.binaryRows(final)
	} else {
		used, err = d.textRows(final)
	}
	if used > 0 {
		d.buf = d.buf[:copy(d.buf, d.buf[used:])]
		d.scan -= used
	}
	return err
}

// textRows decodes the complete lines (csv: records, which may hold
// quoted line breaks) of d.buf and returns how many bytes they took.
func (d *copyDecoder) textRows(final bool) (int, error) {
	used := 0
	for used < len(d.buf) && !d.done {
		end := d.recordEnd()
		if end < 0 {
			if !final {
				break // an unfinished line: wait for more data
			}
			end = len(d.buf) // the last line, without a line break
			d.scan = end
		}
		var n, lines int
		var err error
		if d.ci.Format == CopyCSV {
			n, lines, err = d.csvRecord(d.buf[used:end], true)
		} else {
			n, lines, err = d.textLine(d.buf[used:end], true)
		}
		if err != nil {
			return used, lineError(d.ci.Table, d.line+1, err)
		}
		if n == 0 {
			break // an unfinished line: wait for more data
		}
		first := d.line + 1
		d.line += lines
		used += n
		if d.done {
			break
		}
		if err := d.emit(first); err != nil {
			return used, err
		}
	}
	return used, nil
}

// recordEnd finds where the first unread line (csv: record) of d.buf ends,
// just past its line break, or -1 when that has not arrived yet. It scans
// each byte once, however small the pieces the data comes in: d.scan and
// d.inQuote keep its place between calls.
func (d *copyDecoder) recordEnd() int {
	c, csv := d.ci, d.ci.Format == CopyCSV
	for d.scan < len(d.buf) {
		ch := d.buf[d.scan]
		if csv && d.inQuote && ch == c.Escape && c.Escape != c.Quote {
			if d.scan+1 == len(d.buf) {
				return -1 // what it escapes is still to come
			}
			d.scan += 2
			continue
		}
		if csv && ch == c.Quote {
			d.inQuote = !d.inQuote
		}
		d.scan++
		if ch == '\n' && !d.inQuote {
			return d.scan
		}
	}
	return -1
}

// emit passes the decoded fields of line to the engine, or checks them as
// the header.
func (d *copyDecoder) emit(line int) error {
	if d.header {
		d.header = false
		if d.ci.HeaderMatch {
			return d.matchHeader(line)
		}
		return nil
	}
	if err := d.ci.Row(d.fields); err != nil {
		return rowError(d.ci, line, d.fields, err)
	}
	d.fields = make([]*string, len(d.ci.Columns)) // Row may keep them
	return nil
}

func (d *copyDecoder) matchHeader(line int) error {
	for i, c := range d.ci.Columns {
		switch f := d.fields[i]; {
		case f == nil:
			return lineError(d.ci.Table, line, sqlerr.New(badCopyFileFormat,
				"column name mismatch in header line field %d: got null value (\"%s\"), expected \"%s\"", i+1, d.ci.Null, c.Name))
		case *f != c.Name:
			return lineError(d.ci.Table, line, sqlerr.New(badCopyFileFormat,
				"column name mismatch in header line field %d: got \"%s\", expected \"%s\"", i+1, *f, c.Name))
		}
	}
	return nil
}

// lineEnd finds the end of the line starting b: its length without the
// line break (\n or \r\n) and with it; ok is false when no line break has
// arrived yet and more data may come.
func lineEnd(b []byte, final bool) (text, whole int, ok bool) {
	i := bytes.IndexByte(b, '\n')
	switch {
	case i >= 0:
		text, whole = i, i+1
	case final:
		text, whole = len(b), len(b)
	default:
		return 0, 0, false
	}
	if text > 0 && b[text-1] == '\r' {
		text--
	}
	return text, whole, true
}

// textLine decodes one line of text format into d.fields: fields split
// at the delimiter, backslash escapes resolved, the null string (compared
// before unescaping, as PostgreSQL does) read as NULL.
func (d *copyDecoder) textLine(b []byte, final bool) (used, lines int, err error) {
	end, whole, ok := lineEnd(b, final)
	if !ok {
		return 0, 0, nil
	}
	line := b[:end]
	if string(line) == `\.` {
		d.done = true
		return whole, 1, nil
	}
	col := 0
	var val []byte
	raw := 0 // where the current field starts in line
	for i := 0; ; i++ {
		if i == len(line) || line[i] == d.ci.Delimiter {
			if err := d.setField(col, val, string(line[raw:i]) == d.ci.Null); err != nil {
				return 0, 0, err
			}
			col++
			if i == len(line) {
				break
			}
			val, raw = nil, i+1
			continue
		}
		c := line[i]
		if c != '\\' || i+1 == len(line) {
			val = append(val, c)
			continue
		}
		i++
		var n int
		c, n = unescapeText(line[i:])
		val = append(val, c)
		i += n - 1
	}
	if err := d.checkWidth(col); err != nil {
		return 0, 0, err
	}
	return whole, 1, nil
}

// unescapeText reads the escape after a backslash in text format (\n, \t,
// \123 octal, \x4F hex, or any other character standing for itself) and
// returns the byte and how many bytes of b it took.
func unescapeText(b []byte) (byte, int) {
	switch c := b[0]; c {
	case 'b':
		return '\b', 1
	case 'f':
		return '\f', 1
	case 'n':
		return '\n', 1
	case 'r':
		return '\r', 1
	case 't':
		return '\t', 1
	case 'v':
		return '\v', 1
	case 'x':
		n := 1
		for n < 3 && n < len(b) && isHex(b[n]) {
			n++
		}
		if n == 1 {
			return 'x', 1
		}
		v, _ := strconv.ParseUint(string(b[1:n]), 16, 8)
		return byte(v), n
	default:
		if c < '0' || c > '7' {
			return c, 1
		}
		n := 1
		for n < 3 && n < len(b) && b[n] >= '0' && b[n] <= '7' {
			n++
		}
		v, _ := strconv.ParseUint(string(b[:n]), 8, 16)
		return byte(v), n
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// csvRecord decodes one csv record, which ends at a line break outside
// quotes. An unquoted field equal to the null string is NULL (unless
// FORCE_NOT_NULL); a quoted one is a value (unless FORCE_NULL).
func (d *copyDecoder) csvRecord(b []byte, final bool) (used, lines int, err error) {
	c := d.ci
	if end, whole, ok := lineEnd(b, final); ok && string(b[:end]) == `\.` {
		d.done = true
		return whole, 1, nil
	}
	col, i := 0, 0
	lines = 1
	for {
		var val []byte
		quoted, start := false, i
		for i < len(b) {
			ch := b[i]
			if ch == c.Delimiter || ch == '\n' || ch == '\r' {
				break
			}
			if ch != c.Quote {
				val = append(val, ch)
				i++
				continue
			}
			quoted = true
			i++
			for closed := false; !closed; {
				if i == len(b) {
					if final {
						return 0, 0, sqlerr.New(badCopyFileFormat, "unterminated CSV quoted field")
					}
					return 0, 0, nil
				}
				switch ch := b[i]; {
				case ch == c.Escape && i+1 < len(b) && (b[i+1] == c.Quote || b[i+1] == c.Escape) && (c.Escape != c.Quote || b[i+1] == c.Quote):
					val = append(val, b[i+1])
					i += 2
				case ch == c.Escape && c.Escape != c.Quote && i+1 == len(b) && !final:
					return 0, 0, nil // the escaped character is still to come
				case ch == c.Quote && c.Escape == c.Quote && i+1 == len(b) && !final:
					return 0, 0, nil // "" or the closing quote: the next byte decides
				case ch == c.Quote:
					closed = true
					i++
				default:
					if ch == '\n' {
						lines++
					}
					val = append(val, ch)
					i++
				}
			}
		}
		if i == len(b) && !final {
			return 0, 0, nil
		}
		null := !quoted && string(b[start:i]) == c.Null
		if col < len(c.ForceNotNull) && c.ForceNotNull[col] {
			null = false
		} else if quoted && col < len(c.ForceNull) && c.ForceNull[col] && string(val) == c.Null {
			null = true
		}
		if err := d.setField(col, val, null); err != nil {
			return 0, 0, err
		}
		col++
		if i < len(b) && b[i] == c.Delimiter {
			i++
			continue
		}
		break
	}
	if err := d.checkWidth(col); err != nil {
		return 0, 0, err
	}
	switch {
	case i == len(b):
	case b[i] == '\n':
		i++
	case b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n':
		i += 2
	case b[i] == '\r' && i+1 == len(b) && !final:
		return 0, 0, nil
	default:
		return 0, 0, sqlerr.New(badCopyFileFormat, "literal carriage return found in data").
			WithHint("Use quoted CSV field to represent carriage return.")
	}
	return i, lines, nil
}

// skipping is set while reading a header line that is only skipped: its
// fields are not checked, as PostgreSQL does not check them.
func (d *copyDecoder) skipping() bool { return d.header && !d.ci.HeaderMatch }

// checkWidth checks that a row ended with every column filled.
func (d *copyDecoder) checkWidth(cols int) error {
	if cols < len(d.ci.Columns) && !d.skipping() {
		return sqlerr.New(badCopyFileFormat, "missing data for column \"%s\"", d.ci.Columns[cols].Name)
	}
	return nil
}

// setField stores field col of the current row.
func (d *copyDecoder) setField(col int, val []byte, null bool) error {
	if col >= len(d.ci.Columns) {
		if d.skipping() {
			return nil
		}
		return sqlerr.New(badCopyFileFormat, "extra data after last expected column")
	}
	if null {
		d.fields[col] = nil
		return nil
	}
	s := string(val)
	d.fields[col] = &s
	return nil
}

// binaryRows decodes complete tuples of binary format: after the header,
// each is a 16-bit field count and per field a 32-bit length (-1: NULL)
// and that many bytes, in the column type's binary form; a count of -1
// ends the data.
func (d *copyDecoder) binaryRows(final bool) (int, error) {
	be := binary.BigEndian
	used := 0
	if d.header {
		n, err := binaryHeader(d.buf, final)
		if err != nil {
			return 0, lineError(d.ci.Table, 1, err)
		}
		if n == 0 {
			return 0, nil
		}
		used, d.header = n, false
	}
	for !d.done {
		b := d.buf[used:]
		if len(b) < 2 {
			break
		}
		count := int(int16(be.Uint16(b)))
		if count == -1 {
			d.done = true
			used += 2
			break
		}
		if count != len(d.ci.Columns) {
			return used, lineError(d.ci.Table, d.line+1, sqlerr.New(badCopyFileFormat,
				"row field count is %d, expected %d", count, len(d.ci.Columns)))
		}
		n, err := d.binaryTuple(b[2:], count)
		if err != nil {
			return used, rowError(d.ci, d.line+1, d.fields, err)
		}
		if n < 0 {
			break // incomplete
		}
		d.line++
		used += 2 + n
		if err := d.ci.Row(d.fields); err != nil {
			return used, rowError(d.ci, d.line, d.fields, err)
		}
		d.fields = make([]*string, len(d.ci.Columns))
	}
	if final && !d.done {
		if len(d.buf) > used {
			return used, lineError(d.ci.Table, d.line+1, sqlerr.New(badCopyFileFormat, "unexpected EOF in COPY data"))
		}
		// PostgreSQL accepts data that ends without the trailer.
	}
	return used, nil
}

// binaryTuple decodes count fields from b into d.fields; -1 when b does
// not hold them all yet.
func (d *copyDecoder) binaryTuple(b []byte, count int) (int, error) {
	be := binary.BigEndian
	i := 0
	for col := range count {
		if len(b)-i < 4 {
			return -1, nil
		}
		size := int(int32(be.Uint32(b[i:])))
		i += 4
		if size == -1 {
			d.fields[col] = nil
			continue
		}
		if size < 0 {
			return 0, sqlerr.New(badCopyFileFormat, "invalid field size")
		}
		if len(b)-i < size {
			return -1, nil
		}
		s, err := decodeBinaryParam(b[i:i+size], columnOID(d.ci.Columns[col].Type), col+1)
		if err != nil {
			e, _ := sqlerr.As(err)
			d.fields[col] = nil
			return 0, &FieldError{Column: col, Err: sqlerr.New(e.Code, "%s", binaryFieldMessage(e))}
		}
		d.fields[col] = &s
		i += size
	}
	return i, nil
}

// binaryFieldMessage is decodeBinaryParam's message for a COPY field
// rather than a parameter.
func binaryFieldMessage(e *sqlerr.Error) string {
	if e.Code == invalidBinary {
		return "incorrect binary data format"
	}
	return strings.Replace(e.Message, "parameter $", "field ", 1)
}

// binaryHeader checks binary COPY's header and returns its length, or 0
// when it has not all arrived.
func binaryHeader(b []byte, final bool) (int, error) {
	const fixed = 11 + 4 + 4 // signature, flags, extension length
	if len(b) < fixed {
		if final || len(b) >= len(copySignature) && !bytes.Equal(b[:len(copySignature)], copySignature) {
			return 0, sqlerr.New(badCopyFileFormat, "COPY file signature not recognized")
		}
		return 0, nil
	}
	if !bytes.Equal(b[:11], copySignature) {
		return 0, sqlerr.New(badCopyFileFormat, "COPY file signature not recognized")
	}
	flags := binary.BigEndian.Uint32(b[11:])
	if flags&(1<<16) != 0 {
		return 0, sqlerr.New(badCopyFileFormat, "invalid COPY file header (WITH OIDS)")
	}
	if flags&0xffff0000 != 0 {
		return 0, sqlerr.New(badCopyFileFormat, "unrecognized critical flags in COPY file header")
	}
	ext := int(int32(binary.BigEndian.Uint32(b[15:])))
	if ext < 0 {
		return 0, sqlerr.New(badCopyFileFormat, "invalid COPY file header (missing length)")
	}
	if len(b) < fixed+ext {
		if final {
			return 0, sqlerr.New(badCopyFileFormat, "invalid COPY file header (wrong length)")
		}
		return 0, nil
	}
	return fixed + ext, nil
}
