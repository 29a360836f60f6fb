package format

import (
	"fmt"

	"riffle/sql/types"
)

// Decoder turns one record's bytes into a row.
//
// Decode fills row, whose length must equal the schema's, in place: every
// column is overwritten, with NULL where the record has no value. The row's
// values never alias data, so the caller may reuse data as soon as Decode
// returns. On error the row's contents are unspecified.
//
// A Decoder keeps scratch space between calls and must be used by one
// goroutine at a time; build one per task.
type Decoder interface {
	Decode(data []byte, row types.Row) error
}

// Encoder turns a row into one record's bytes.
//
// Encode appends the encoding of row (whose length must equal the schema's)
// to dst and returns the extended buffer, so that a sink can reuse one
// buffer for every record. Like a Decoder, an Encoder is used by one
// goroutine at a time.
type Encoder interface {
	Encode(dst []byte, row types.Row) ([]byte, error)
}

// Error is a record that could not be decoded or a row that could not be
// encoded. Sources add the record's topic, partition and offset.
type Error struct {
	// Field is the path of the offending value, e.g. "price", "bid.url" or
	// "tags[2]"; empty for errors about the record as a whole.
	Field string
	// Offset is the byte offset in the record of a syntax error, or -1.
	Offset int
	// Format names the format of a syntax error ("JSON", "CSV", "Avro"),
	// for the message; it is set whenever Offset is.
	Format string
	Msg    string
}

func (e *Error) Error() string {
	msg := e.Msg
	if e.Offset >= 0 {
		msg = fmt.Sprintf("invalid %s at byte %d: %s", e.Format, e.Offset, e.Msg)
	}
	if e.Field != "" {
		// Not %q: paths such as tags["x"] read better unescaped.
		return fmt.Sprintf(`field "%s": %s`, e.Field, msg)
	}
	return msg
}

// errorf returns an *Error about the value at field (empty for the record).
func errorf(field, msg string) *Error { return &Error{Field: field, Offset: -1, Msg: msg} }
