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
	Msg    string
}

func (e *Error) Error() string {
	switch {
	case e.Offset >= 0:
		return fmt.Sprintf("invalid JSON at byte %d: %s", e.Offset, e.Msg)
	case e.Field != "":
		// Not %q: paths such as tags["x"] read better unescaped.
		return fmt.Sprintf(`field "%s": %s`, e.Field, e.Msg)
	}
	return e.Msg
}
