package parse

import (
	"strconv"
	"strings"

	"riffle/sql/sqlerr"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// Window table functions and legacy group windows.
//
// TiDB has no table functions, so a window TVF in FROM —
// TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '10' SECOND)), or the
// short form TUMBLE(t, ts, INTERVAL '10' SECOND) that RisingWave and the
// extests use — is replaced by a placeholder table name __riffle_tvf_N,
// which keeps whatever alias follows, and recorded in Ext.WindowTVFs. The
// arguments are parsed here: the layer understands each of them or fails
// at it.

// windowKinds are the window table functions.
var windowKinds = map[string]WindowKind{"TUMBLE": Tumble, "HOP": Hop, "CUMULATE": Cumulate, "SESSION": Session}

// clauseWords at the same depth as a token tell which clause it is in.
var clauseKeywords = map[string]bool{
	"SELECT": true, "FROM": true, "JOIN": true, "WHERE": true, "GROUP": true, "HAVING": true,
	"ORDER": true, "ON": true, "USING": true, "LIMIT": true, "WINDOW": true, "UNION": true,
	"EXCEPT": true, "INTERSECT": true, "PARTITION": true, "SET": true, "VALUES": true,
}

// clause returns the upper-cased clause keyword that governs toks[i]: the
// nearest one before it at the same parenthesis depth, or "" at the start
// of the parentheses or of the range.
func (r *rewriter) clause(i int) string {
	for j := i - 1; j >= r.lo; j-- {
		t := r.toks[j]
		switch {
		case t.IsOp(")"):
			o, ok := r.open[j]
			if !ok {
				return ""
			}
			j = o
		case t.IsOp("("):
			return ""
		case t.Kind == TokIdent && clauseKeywords[strings.ToUpper(t.Val)]:
			return strings.ToUpper(t.Val)
		}
	}
	return ""
}

// fromItemStart reports whether toks[i] starts an item of a FROM list:
// right after FROM or JOIN, or after a comma of a FROM clause.
func (r *rewriter) fromItemStart(i int) bool {
	if i <= r.lo {
		return false
	}
	p := r.toks[i-1]
	switch {
	case p.Is("FROM"), p.Is("JOIN"):
		return true
	case p.IsOp(","):
		return r.clause(i) == "FROM"
	}
	return false
}

// isLongTVF reports whether toks[i] is the TABLE of TABLE(KIND(.
func (r *rewriter) isLongTVF(i int) bool {
	return i+3 < r.hi && r.toks[i].Is("TABLE") && r.toks[i+1].IsOp("(") &&
		r.toks[i+2].Kind == TokIdent && windowKinds[strings.ToUpper(r.toks[i+2].Val)] != "" &&
		r.toks[i+3].IsOp("(")
}

// windowTVF rewrites the window TVF that starts at toks[i] (TABLE for the
// long form, the function name for the short one) and returns the index
// after it.
func (r *rewriter) windowTVF(i int, long bool) (int, error) {
	fn := i
	if long {
		fn = i + 2
	}
	open := fn + 1
	closeIdx, ok := r.close[open]
	if !ok {
		return 0, syntaxErrAt(r.src, r.toks[open])
	}
	end := closeIdx + 1
	if long {
		outer, ok := r.close[i+1]
		if !ok {
			return 0, syntaxErrAt(r.src, r.toks[i+1])
		}
		if outer != closeIdx+1 {
			return 0, syntaxErrAt(r.src, r.toks[closeIdx+1])
		}
		end = outer + 1
	}
	w := &WindowTVF{Kind: windowKinds[strings.ToUpper(r.toks[fn].Val)], Pos: r.toks[i].Start}
	if err := r.tvfArgs(w, open+1, closeIdx); err != nil {
		return 0, err
	}
	if r.src.Ext.WindowTVFs == nil {
		r.src.Ext.WindowTVFs = map[string]*WindowTVF{}
	}
	name := TVFPrefix + strconv.Itoa(len(r.src.Ext.WindowTVFs)+1)
	r.src.Ext.WindowTVFs[name] = w
	last := r.toks[end-1]
	r.add(r.toks[i].Start, last.End-r.toks[i].Start, name, false)
	return end, nil
}

// tvfArg is one argument of a window TVF: toks[lo:hi], with its name if
// it was passed by name (SIZE => …).
type tvfArg struct {
	name   string
	lo, hi int
}

// tvfArgs parses the arguments toks[lo:hi] of a window TVF into w.
func (r *rewriter) tvfArgs(w *WindowTVF, lo, hi int) error {
	args, err := r.splitArgs(lo, hi)
	if err != nil {
		return err
	}
	roles := map[WindowKind][]string{
		Tumble:   {"DATA", "TIMECOL", "SIZE", "OFFSET"},
		Hop:      {"DATA", "TIMECOL", "SLIDE", "SIZE", "OFFSET"},
		Cumulate: {"DATA", "TIMECOL", "STEP", "SIZE", "OFFSET"},
		Session:  {"DATA", "TIMECOL", "GAP"},
	}[w.Kind]
	seen := map[string]bool{}
	for k, a := range args {
		role := a.name
		if role == "" {
			if k >= len(roles) {
				return r.src.Errorf(r.toks[a.lo].Start, sqlerr.SyntaxError, "too many arguments for %s", w.Kind)
			}
			role = roles[k]
		}
		known := false
		for _, ro := range roles {
			known = known || ro == role
		}
		if !known {
			return r.src.Errorf(r.toks[a.lo-2].Start, sqlerr.SyntaxError, "%s has no parameter %s", w.Kind, role)
		}
		if seen[role] {
			return r.src.Errorf(r.toks[a.lo].Start, sqlerr.SyntaxError, "parameter %s of %s given twice", role, w.Kind)
		}
		seen[role] = true
		if err := r.tvfArg(w, role, a); err != nil {
			return err
		}
	}
	for _, ro := range roles {
		if !seen[ro] && ro != "OFFSET" {
			at := r.toks[hi]
			return r.src.Errorf(at.Start, sqlerr.SyntaxError, "%s needs its %s argument", w.Kind, ro)
		}
	}
	return nil
}

// splitArgs cuts toks[lo:hi] at top-level commas, reading NAME => before
// an argument.
func (r *rewriter) splitArgs(lo, hi int) ([]tvfArg, error) {
	var args []tvfArg
	start := lo
	for j := lo; j <= hi; j++ {
		if j < hi {
			if c, ok := r.close[j]; ok {
				j = c
				continue
			}
			if !r.toks[j].IsOp(",") {
				continue
			}
		}
		if start == j {
			return nil, syntaxErrAt(r.src, r.toks[j])
		}
		a := tvfArg{lo: start, hi: j}
		if j-start > 2 && r.toks[start].Kind == TokIdent && r.toks[start+1].IsOp("=>") {
			a.name, a.lo = strings.ToUpper(r.toks[start].Val), start+2
		}
		args = append(args, a)
		start = j + 1
	}
	return args, nil
}

// tvfArg parses one argument for its role.
func (r *rewriter) tvfArg(w *WindowTVF, role string, a tvfArg) error {
	c := &cursor{src: r.src, toks: r.toks[:a.hi], i: a.lo, eof: &r.toks[a.hi]}
	switch role {
	case "DATA":
		return r.tvfData(w, c)
	case "TIMECOL":
		if c.accept("DESCRIPTOR") {
			if err := c.expectOp("("); err != nil {
				return err
			}
			n, err := c.name()
			if err != nil {
				return err
			}
			w.TimeCol = n
			if err := c.expectOp(")"); err != nil {
				return err
			}
			return c.expectEOF()
		}
		n, err := c.name()
		if err != nil {
			return err
		}
		w.TimeCol = n
		return c.expectEOF()
	}
	iv, err := r.intervalArg(c)
	if err != nil {
		return err
	}
	switch role {
	case "SIZE":
		w.Size = iv
	case "SLIDE":
		w.Slide = iv
	case "STEP":
		w.Step = iv
	case "GAP":
		w.Gap = iv
	case "OFFSET":
		w.Offset = iv
	}
	return nil
}

// tvfData parses the table argument: TABLE t, TABLE (query), t or (query),
// with SESSION's PARTITION BY k | (k, …).
func (r *rewriter) tvfData(w *WindowTVF, c *cursor) error {
	c.accept("TABLE")
	if c.peek().IsOp("(") {
		open := c.i
		closeIdx := r.close[open]
		q, err := r.subquery(open+1, closeIdx)
		if err != nil {
			return err
		}
		w.Query = q
		c.i = closeIdx + 1
	} else {
		n, err := c.name()
		if err != nil {
			return err
		}
		w.Table = n
	}
	if t := c.peek(); c.acceptSeq("PARTITION", "BY") {
		if w.Kind != Session {
			return r.src.Errorf(t.Start, sqlerr.SyntaxError, "PARTITION BY is only for SESSION windows")
		}
		if c.peek().IsOp("(") {
			names, err := c.nameList()
			if err != nil {
				return err
			}
			w.PartitionBy = names
		} else {
			n, err := c.name()
			if err != nil {
				return err
			}
			w.PartitionBy = []Name{n}
		}
	}
	return c.expectEOF()
}

// intervalArg parses an interval literal that must make up the rest of
// c's tokens.
func (r *rewriter) intervalArg(c *cursor) (*IntervalExt, error) {
	t := c.peek()
	if !t.Is("INTERVAL") {
		return nil, r.src.Errorf(t.Start, sqlerr.SyntaxError, "expected an interval literal such as INTERVAL '10' SECOND at or near \"%s\"", r.src.Text[t.Start:t.End])
	}
	iv, end, err := r.intervalAt(c.i, len(c.toks))
	if err != nil {
		return nil, err
	}
	if iv == nil {
		return nil, syntaxErrAt(r.src, c.peekN(1))
	}
	c.i = end
	return iv, c.expectEOF()
}

// subquery parses toks[lo:hi] as a query of its own (through the rewrite
// and TiDB); its placeholders are recorded in the same Ext.
func (r *rewriter) subquery(lo, hi int) (*Query, error) {
	if lo >= hi {
		return nil, syntaxErrAt(r.src, r.toks[hi])
	}
	node, _, _, err := parseRange(r.src, r.all, r.toks, lo, hi, "")
	if err != nil {
		return nil, err
	}
	rs, ok := node.(ast.ResultSetNode)
	if !ok || !isQuery(node) {
		return nil, syntaxErrAt(r.src, r.toks[lo])
	}
	return &Query{Node: rs, Text: r.src.Text[r.toks[lo].Start:r.toks[hi-1].End]}, nil
}

// groupWindow renames the legacy group window call TUMBLE( / HOP( /
// SESSION( at toks[i] in GROUP BY.
func (r *rewriter) groupWindow(i int) {
	t := r.toks[i]
	if r.src.Ext.GroupWindows == nil {
		r.src.Ext.GroupWindows = map[string]GroupWindow{}
	}
	name := GroupWindowPrefix + strconv.Itoa(len(r.src.Ext.GroupWindows)+1)
	r.src.Ext.GroupWindows[name] = GroupWindow{Kind: windowKinds[strings.ToUpper(t.Val)], Pos: t.Start}
	r.add(t.Start, t.End-t.Start, name, false)
}
