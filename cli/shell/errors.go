package shell

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// ExitError is what Run returns when it stops because of an error it has
// already reported on Config.Err; the caller should exit with Code and not
// print the error again. The codes are psql's: 2 when the connection to the
// server failed or was lost, 3 when a script stopped at a failing statement.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// Exit codes of ExitError.
const (
	ExitConnection = 2
	ExitScript     = 3
)

// WriteError prints err as psql does. A server error becomes
//
//	ERROR:  column "pricee" does not exist (SQLSTATE 42703)
//	LINE 3:   WHERE pricee > 10
//	                ^
//	HINT:  Perhaps you meant to reference the column "t.price".
//
// where the LINE and caret appear when the error has a position in stmt, the
// statement text that was sent. Any other error prints as "ERROR:  …".
func WriteError(w io.Writer, err error, stmt string) {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		fmt.Fprintf(w, "ERROR:  %v\n", err)
		return
	}
	var b strings.Builder
	severity := pe.Severity
	if severity == "" {
		severity = "ERROR"
	}
	fmt.Fprintf(&b, "%s:  %s", severity, pe.Message)
	if pe.Code != "" {
		fmt.Fprintf(&b, " (SQLSTATE %s)", pe.Code)
	}
	b.WriteByte('\n')
	if pe.Position > 0 {
		b.WriteString(Caret(stmt, int(pe.Position)))
	}
	for _, f := range []struct{ label, text string }{
		{"DETAIL", pe.Detail}, {"HINT", pe.Hint}, {"CONTEXT", pe.Where},
	} {
		if f.text != "" {
			fmt.Fprintf(&b, "%s:  %s\n", f.label, f.text)
		}
	}
	io.WriteString(w, b.String())
}

// Caret display limits, the ones psql uses: a line wider than displaySize
// columns is cut, keeping at least minRightCut columns after the caret.
const (
	displaySize = 60
	minRightCut = 10
)

// Caret returns the "LINE n: …" line of stmt holding the 1-based character
// position pos, and a line with a '^' under it, each ending in a newline.
// Long lines are cut around the position with "...", as psql does. It
// returns "" when pos is outside stmt.
func Caret(stmt string, pos int) string {
	loc := pos - 1
	runes := []rune(strings.ReplaceAll(stmt, "\t", " "))
	if loc < 0 || loc > len(runes) {
		return ""
	}
	// col[i] is the screen column where rune i starts within the whole
	// statement; col[len] is where the text ends.
	col := make([]int, len(runes)+1)
	line, beg, end := 1, 0, len(runes)
	for i, r := range runes {
		if r == '\r' || r == '\n' {
			if i >= loc {
				end = i
				break
			}
			// "\r\n" counts as one line break.
			if r == '\r' || i == 0 || runes[i-1] != '\r' {
				line++
			}
			beg = i + 1
		}
		col[i+1] = col[i] + max(1, runeWidth(r))
	}
	begTrunc, endTrunc := false, false
	if col[end]-col[beg] > displaySize {
		if col[beg]+displaySize >= col[loc]+minRightCut {
			for col[end]-col[beg] > displaySize {
				end--
			}
			endTrunc = true
		} else {
			for col[loc]+minRightCut < col[end] {
				end--
				endTrunc = true
			}
			for col[end]-col[beg] > displaySize {
				beg++
				begTrunc = true
			}
		}
	}
	prefix := fmt.Sprintf("LINE %d: ", line)
	if begTrunc {
		prefix += "..."
	}
	suffix := ""
	if endTrunc {
		suffix = "..."
	}
	indent := len(prefix) + col[loc] - col[beg]
	return prefix + string(runes[beg:end]) + suffix + "\n" + strings.Repeat(" ", indent) + "^\n"
}
