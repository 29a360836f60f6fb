package pgwire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/jackc/pgx/v5/pgproto3"

	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// COPY moves rows between the client and a table as a stream of CopyData
// messages, in one of three formats (PostgreSQL's "COPY" reference page):
// text (tab-separated, backslash escapes, \N for NULL), csv, and binary
// (PGCOPY header, then each row as field count and length-prefixed binary
// values). The engine parses the statement and decides what is copied;
// the gateway speaks the sub-protocol and the formats:
//
//	COPY … TO STDOUT    Result.CopyOut: CopyOutResponse, CopyData per row,
//	                    CopyDone, CommandComplete "COPY n". A result with a
//	                    Source (COPY (SUBSCRIBE TO v) TO STDOUT) copies as
//	                    rows come until the client cancels, which ends it
//	                    with 57014.
//	COPY … FROM STDIN   Result.CopyIn: CopyInResponse, then the client's
//	                    CopyData until CopyDone (CommandComplete "COPY n")
//	                    or CopyFail (57014). Each row goes to CopyIn.Row as
//	                    text fields; CopyIn.Done writes them all at the end.

// CopyFormat is the data format of a COPY.
type CopyFormat uint8

// COPY formats.
const (
	CopyText CopyFormat = iota
	CopyCSV
	CopyBinary
)

// Copy describes a COPY's data as it crosses the wire. The engine fills it
// from the statement's options, with PostgreSQL's defaults for the rest
// (NewCopy).
type Copy struct {
	Format CopyFormat
	// Delimiter separates fields (text: tab; csv: comma).
	Delimiter byte
	// Null is the text of a NULL field (text: `\N`; csv: empty).
	Null string
	// Header is a first line of column names (text and csv): written by
	// COPY TO, skipped by COPY FROM, or with HeaderMatch checked against
	// the columns.
	Header, HeaderMatch bool
	// Quote and Escape are csv's quote character and the character that
	// escapes it inside quotes (both '"' by default).
	Quote, Escape byte
	// ForceQuote (COPY TO, csv) quotes every non-NULL value of a column,
	// by column index.
	ForceQuote []bool
	// ForceNotNull (COPY FROM, csv) reads a column's null string as a
	// value; ForceNull reads it as NULL even when quoted.
	ForceNotNull, ForceNull []bool
}

// NewCopy returns the defaults of format f.
func NewCopy(f CopyFormat) Copy {
	switch f {
	case CopyCSV:
		return Copy{Format: f, Delimiter: ',', Quote: '"', Escape: '"'}
	case CopyBinary:
		return Copy{Format: f}
	}
	return Copy{Format: f, Delimiter: '\t', Null: `\N`}
}

// CopyIn is a COPY … FROM STDIN waiting for the client's data.
type CopyIn struct {
	Copy
	// Table names the target in error contexts ("COPY t, line 3").
	Table string
	// Columns are the fields of each data row, in order; binary data is
	// decoded by their types.
	Columns []types.Column
	// Row takes one data row's fields in text form (nil for NULL) in
	// Columns' order, as PostgreSQL's input functions would read them. An
	// error fails the COPY; the gateway adds the line number. Row may keep
	// fields.
	Row func(fields []*string) error
	// Done is called when the client has sent all its data (CopyDone) and
	// Row accepted every row: it writes the rows and returns how many. It
	// is not called for a COPY that fails, so a bad row writes nothing.
	Done func(ctx context.Context) (int, error)
}

// Codes PostgreSQL uses for COPY's own errors.
const (
	badCopyFileFormat    = "22P04"
	programLimitExceeded = "54000"
)

// whereError adds PostgreSQL's CONTEXT field ("COPY t, line 3") to an
// error.
type whereError struct {
	err   error
	where string
}

func (e *whereError) Error() string { return e.err.Error() + " (" + e.where + ")" }
func (e *whereError) Unwrap() error { return e.err }

// copyIn runs the copy-in sub-protocol for ci and returns the number of
// rows written. An error is the statement's (sent as an ErrorResponse; the
// client's further CopyData is then ignored by dispatch), except one
// marked by clientGone.
func (s *session) copyIn(ctx context.Context, ci *CopyIn) (int, error) {
	format := int16(0)
	if ci.Format == CopyBinary {
		format = 1
	}
	codes := make([]uint16, len(ci.Columns))
	for i := range codes {
		codes[i] = uint16(format)
	}
	s.be.Send(&pgproto3.CopyInResponse{OverallFormat: byte(format), ColumnFormatCodes: codes})
	if err := s.flush(); err != nil {
		return 0, &clientGone{err}
	}
	dec := newCopyDecoder(ci)
	var size int64
	for {
		msg, err := s.be.Receive()
		if err != nil {
			return 0, &clientGone{err}
		}
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		switch m := msg.(type) {
		case *pgproto3.CopyData:
			if size += int64(len(m.Data)); size > s.srv.opts.MaxCopySize {
				return 0, sqlerr.New(programLimitExceeded, "COPY data exceeds the limit of %d bytes", s.srv.opts.MaxCopySize).
					WithHint("Split the data into several COPY statements.")
			}
			if err := dec.feed(m.Data, false); err != nil {
				return 0, err
			}
		case *pgproto3.CopyDone:
			if err := dec.feed(nil, true); err != nil {
				return 0, err
			}
			return ci.Done(ctx)
		case *pgproto3.CopyFail:
			return 0, sqlerr.New(sqlerr.QueryCanceled, "COPY from stdin failed: %s", m.Message)
		case *pgproto3.Flush, *pgproto3.Sync:
			// Drivers send these after every Execute without checking
			// for COPY; PostgreSQL ignores them in copy-in mode too.
		default:
			typ := byte('?')
			if b, err := msg.Encode(nil); err == nil && len(b) > 0 {
				typ = b[0]
			}
			return 0, sqlerr.New(sqlerr.ProtocolViolation, "unexpected message type 0x%02X during COPY from stdin", typ)
		}
	}
}

// clientGone wraps a read or write error of the connection: the client
// cannot be told anything more.
type clientGone struct{ err error }

func (e *clientGone) Error() string { return e.err.Error() }
func (e *clientGone) Unwrap() error { return e.err }

// copyOut sends r's rows as COPY data in format c and returns how many it
// sent. writeErr means the client is gone; stmtErr is the statement's own
// error (for a stream, the cancellation that ends it).
func (s *session) copyOut(ctx context.Context, r *Result) (n int, writeErr, stmtErr error) {
	c := r.CopyOut
	format := int16(0)
	if c.Format == CopyBinary {
		format = 1
	}
	codes := make([]uint16, len(r.Columns))
	for i := range codes {
		codes[i] = uint16(format)
	}
	s.be.Send(&pgproto3.CopyOutResponse{OverallFormat: byte(format), ColumnFormatCodes: codes})
	enc := &copyEncoder{c: c, cols: r.Columns}
	if b := enc.start(); len(b) > 0 {
		if err := s.send(&pgproto3.CopyData{Data: b}, len(b)); err != nil {
			return 0, err, nil
		}
	}
	// sendRow's error is the statement's when the format cannot carry a
	// value (a sqlerr), else the client is gone.
	sendRow := func(row types.Row) (writeErr, stmtErr error) {
		b, err := enc.row(row)
		if err != nil {
			return nil, err
		}
		n++
		return s.send(&pgproto3.CopyData{Data: b}, len(b)), nil
	}
	if r.Source != nil {
		// As for rows (source.go): each row goes out as the source gives
		// it, and the output is flushed before waiting for the next, so a
		// COPY of a subscription delivers every change as it happens.
		for {
			if !r.Source.Ready() {
				if err := s.flush(); err != nil {
					return n, err, nil
				}
			}
			row, err := r.Source.Next(ctx)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return n, nil, err // the cancellation that ends a subscription
			}
			if writeErr, stmtErr = sendRow(row); writeErr != nil || stmtErr != nil {
				return n, writeErr, stmtErr
			}
		}
	} else {
		for _, row := range r.Rows {
			if writeErr, stmtErr = sendRow(row); writeErr != nil || stmtErr != nil {
				return n, writeErr, stmtErr
			}
		}
	}
	if b := enc.end(); len(b) > 0 {
		s.be.Send(&pgproto3.CopyData{Data: b})
	}
	s.be.Send(&pgproto3.CopyDone{})
	return n, nil, nil
}

// copyTag is the CommandComplete tag of a COPY of n rows.
func copyTag(n int) string { return "COPY " + strconv.Itoa(n) }

// FieldError is what CopyIn.Row returns for a field it cannot read; the
// gateway then names the column and value in the error's context, as
// PostgreSQL does: "COPY t, line 2, column a: "x"".
type FieldError struct {
	Column int // index into CopyIn.Columns
	Err    error
}

func (e *FieldError) Error() string { return e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// lineError is a bad row of COPY FROM, with PostgreSQL's context.
func lineError(table string, line int, err error) error {
	return &whereError{err: err, where: fmt.Sprintf("COPY %s, line %d", table, line)}
}

// rowError is lineError for an error of CopyIn.Row on fields.
func rowError(ci *CopyIn, line int, fields []*string, err error) error {
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Column < 0 || fe.Column >= len(ci.Columns) {
		return lineError(ci.Table, line, err)
	}
	where := fmt.Sprintf("COPY %s, line %d, column %s", ci.Table, line, ci.Columns[fe.Column].Name)
	if f := fields[fe.Column]; f != nil {
		where += ": \"" + truncateForContext(*f) + "\""
	}
	return &whereError{err: fe.Err, where: where}
}

// truncateForContext shortens a value quoted in an error context.
func truncateForContext(s string) string {
	const limit = 64
	if len(s) <= limit {
		return s
	}
	for i := range s {
		if i >= limit {
			return s[:i] + "..."
		}
	}
	return s
}
