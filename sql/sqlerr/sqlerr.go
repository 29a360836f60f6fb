package sqlerr

import (
	"errors"
	"fmt"
)

// SQLSTATE codes riffle uses. The names follow PostgreSQL's errcodes.
const (
	SyntaxError            = "42601"
	UndefinedColumn        = "42703"
	UndefinedTable         = "42P01"
	UndefinedObject        = "42704"
	DuplicateTable         = "42P07"
	DuplicateObject        = "42710"
	AmbiguousColumn        = "42702"
	DatatypeMismatch       = "42804"
	UndefinedFunction      = "42883"
	InvalidParameter       = "22023"
	InvalidText            = "22P02"
	InvalidDatetime        = "22007"
	DivisionByZero         = "22012"
	NumericOutOfRange      = "22003"
	FeatureNotSupported    = "0A000"
	ObjectInUse            = "55006"
	WrongObjectType        = "42809"
	InvalidTableDefinition = "42P16"
	GroupingError          = "42803"
	WindowingError         = "42P20"
	// InvalidPrecedingFollowing is a negative window frame offset.
	InvalidPrecedingFollowing  = "22013"
	InvalidArgumentForNtile    = "22014"
	InvalidArgumentForNthValue = "22016"
	InvalidColumnReference     = "42P10"
	DependentObjects           = "2BP01"
	InvalidName                = "42602"
	InvalidRecursion           = "42P19"
	ProtocolViolation          = "08P01"
	Internal                   = "XX000"
	ConnectionFailure          = "08006"
	QueryCanceled              = "57014"
	ProgramLimitExceeded       = "54000"
	NotNullViolation           = "23502"
	CheckViolation             = "23514"
	InFailedTransaction        = "25P02"
	ObjectNotInState           = "55000"
	ConfigFileError            = "F0000"
	ExternalRoutineError       = "38000"
)

// Error is an error a user sees: a SQLSTATE, a message, an optional hint and
// detail, and the position of the offending text in the statement the user
// wrote. Pos is a 1-based byte offset into the statement (0 when there is no
// position); Line and Col are 1-based and derived from Pos.
type Error struct {
	Code    string
	Message string
	Hint    string
	Detail  string
	Pos     int
	Line    int
	Col     int
}

// Error renders the error the way golden files state it:
// "error (42703) at 3:12: column "pricee" does not exist".
func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("error (%s) at %d:%d: %s", e.Code, e.Line, e.Col, e.Message)
	}
	return fmt.Sprintf("error (%s): %s", e.Code, e.Message)
}

// New returns an error without a position.
func New(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// At returns an error positioned at byte offset pos (0-based) of text.
func At(text string, pos int, code, format string, args ...any) *Error {
	e := New(code, format, args...)
	e.SetPos(text, pos)
	return e
}

// SetPos positions e at byte offset pos (0-based) of text, computing the
// line and column the user sees. Columns count characters, not bytes.
func (e *Error) SetPos(text string, pos int) *Error {
	if pos < 0 || pos > len(text) {
		return e
	}
	e.Pos = pos + 1
	e.Line, e.Col = LineCol(text, pos)
	return e
}

// WithHint sets the hint and returns e.
func (e *Error) WithHint(format string, args ...any) *Error {
	e.Hint = fmt.Sprintf(format, args...)
	return e
}

// LineCol converts a 0-based byte offset into 1-based line and column.
func LineCol(text string, pos int) (line, col int) {
	line, col = 1, 1
	for _, r := range text[:min(pos, len(text))] {
		if r == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// As returns err as an *Error if it is one (or wraps one).
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Wrap turns any error into an *Error: an *Error passes through, anything
// else becomes an internal error carrying what was being done.
func Wrap(err error, code string) *Error {
	if e, ok := As(err); ok {
		return e
	}
	return &Error{Code: code, Message: err.Error()}
}
