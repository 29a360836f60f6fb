// Package sqlerr defines the errors users see: every one carries a
// PostgreSQL SQLSTATE, a message, a hint where one helps, and the line and
// column of the statement text it is about. The gateway turns them into
// ErrorResponses; the shell and golden files print them as
//
//	error (42703) at 3:12: column "pricee" does not exist
package sqlerr
