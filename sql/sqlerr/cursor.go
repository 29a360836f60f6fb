package sqlerr

// SQLSTATEs of cursors and transaction blocks, PostgreSQL's.
const (
	InvalidCursorName       = "34000"
	DuplicateCursor         = "42P03"
	InvalidCursorState      = "24000"
	ObjectNotInPrerequisite = "55000"
)
