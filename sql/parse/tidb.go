package parse

import (
	"regexp"
	"strconv"
	"strings"
	"sync"

	"riffle/sql/sqlerr"

	"github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"

	// Registers the literal expression nodes the parser builds.
	_ "github.com/pingcap/tidb/pkg/parser/test_driver"
)

// sqlMode makes the TiDB parser read standard SQL quoting: "x" is an
// identifier, || concatenates, and a backslash is an ordinary character.
const sqlMode = mysql.ModeANSIQuotes | mysql.ModePipesAsConcat | mysql.ModeNoBackslashEscapes

// parsers holds TiDB parsers, which are not safe for concurrent use and
// are costly enough to build that one per statement would show.
var parsers = sync.Pool{New: func() any {
	p := parser.New()
	p.SetSQLMode(sqlMode)
	p.EnableWindowFunc(true)
	return p
}}

// tidbParse parses rewritten text holding exactly one statement. Errors
// are positioned in the user's text through edits.
func tidbParse(src *Source, text string, edits []edit) (stmt ast.StmtNode, err error) {
	defer func() {
		// A panic inside the generated parser must not take the server
		// down with it; the parser is not returned to the pool.
		if r := recover(); r != nil {
			stmt, err = nil, src.Errorf(origPos(edits, 0), sqlerr.Internal, "parser failed: %v", r)
		}
	}()
	p := parsers.Get().(*parser.Parser)
	stmts, _, err := p.Parse(text, "", "")
	if err == nil && len(stmts) == 1 {
		stmt = stmts[0] // the parser reuses its result slice
	}
	parsers.Put(p)
	if err != nil {
		return nil, translateError(src, text, edits, err)
	}
	if stmt == nil {
		return nil, src.Errorf(origPos(edits, 0), sqlerr.SyntaxError, "syntax error: expected one statement")
	}
	return stmt, nil
}

var tidbLineCol = regexp.MustCompile(`^line (\d+) column (\d+) near "`)
var totalLength = regexp.MustCompile(`\(total length (\d+)\)\s*$`)

// translateError turns TiDB's `line 1 column 15 near "rest of input"` into
// PostgreSQL's `syntax error at or near "tok"`, positioned at the token of
// the user's text the rewritten position came from.
func translateError(src *Source, text string, edits []edit, err error) error {
	msg := err.Error()
	m := tidbLineCol.FindStringSubmatch(msg)
	if m == nil {
		return src.Errorf(origPos(edits, 0), sqlerr.SyntaxError, "%s", msg)
	}
	pos := -1
	rest := msg[len(m[0]):]
	if tl := totalLength.FindStringSubmatch(rest); tl != nil {
		if n, err := strconv.Atoi(tl[1]); err == nil && n <= len(text) {
			pos = len(text) - n
		}
	} else if i := strings.LastIndex(rest, `"`); i >= 0 && strings.HasSuffix(text, rest[:i]) {
		pos = len(text) - i
	}
	if pos < 0 {
		line, _ := strconv.Atoi(m[1])
		col, _ := strconv.Atoi(m[2])
		pos = offsetOf(text, line, col)
	}
	return errorNear(src, origPos(edits, pos))
}

// errorNear reports a syntax error at the first token of src.Text that
// starts at or after pos.
func errorNear(src *Source, pos int) error {
	all, terr := Tokenize(src.Text)
	if terr != nil {
		return src.Errorf(pos, sqlerr.SyntaxError, "syntax error")
	}
	for _, t := range all {
		if t.Kind != TokComment && t.End > pos {
			return syntaxErrAt(src, t)
		}
	}
	return syntaxErrAt(src, Token{Kind: TokEOF, Start: len(src.Text), End: len(src.Text)})
}

// offsetOf converts TiDB's 1-based line and column to a byte offset.
func offsetOf(text string, line, col int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := strings.IndexByte(text[off:], '\n')
		if i < 0 {
			return len(text)
		}
		off += i + 1
	}
	return min(off+max(col-1, 0), len(text))
}
