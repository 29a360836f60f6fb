package parse

import (
	"strings"

	"riffle/sql/sqlerr"
)

// Frame exclusion. TiDB's window frames have no EXCLUDE clause. The rewrite
// takes EXCLUDE CURRENT ROW out of the window and wraps the function's
// first argument in a placeholder call instead, which the binder unwraps:
//
//	sum(foo) OVER (ORDER BY tm ROWS 2 PRECEDING EXCLUDE CURRENT ROW)
//
// reaches TiDB as
//
//	sum(__riffle_exclude_current_row(foo)) OVER (ORDER BY tm ROWS 2 PRECEDING)
//
// (count(*) as count(__riffle_exclude_current_row(1))). EXCLUDE NO OTHERS,
// the default, is just taken out; a function without arguments ignores its
// frame. EXCLUDE GROUP and EXCLUDE TIES are refused.

// ExcludeCurrentRowFunc wraps the first argument of a window function
// whose frame excludes the current row.
const ExcludeCurrentRowFunc = "__riffle_exclude_current_row"

// frameExclude rewrites the EXCLUDE clause at toks[i] and returns the index
// after it; i+1 when the tokens are not one (TiDB then reports them).
func (r *rewriter) frameExclude(i int) (int, error) {
	word := func(k int) string {
		if k < r.hi && r.toks[k].Kind == TokIdent {
			return strings.ToUpper(r.toks[k].Val)
		}
		return ""
	}
	end := 0
	switch {
	case word(i+1) == "CURRENT" && word(i+2) == "ROW", word(i+1) == "NO" && word(i+2) == "OTHERS":
		end = i + 3
	case word(i+1) == "GROUP" || word(i+1) == "TIES":
		return 0, r.src.Errorf(r.toks[i].Start, sqlerr.FeatureNotSupported, "EXCLUDE %s is not supported", word(i+1)).
			WithHint("EXCLUDE CURRENT ROW and EXCLUDE NO OTHERS are")
	default:
		return i + 1, nil
	}
	// The window's '(' after OVER, and the call's parentheses before it.
	open := -1
	for j := i - 1; j >= r.lo && open < 0; j-- {
		switch {
		case r.toks[j].IsOp(")"):
			if o, ok := r.open[j]; ok {
				j = o
			}
		case r.toks[j].IsOp("("):
			open = j
		}
	}
	if open < r.lo+2 || !r.toks[open-1].Is("OVER") || !r.toks[open-2].IsOp(")") {
		return i + 1, nil
	}
	callClose := open - 2
	callOpen, ok := r.open[callClose]
	if !ok {
		return i + 1, nil
	}
	r.add(r.toks[i].Start, r.toks[end-1].End-r.toks[i].Start, "", false)
	if word(i+1) == "NO" {
		return end, nil
	}
	a := callOpen + 1
	if word(a) == "DISTINCT" || word(a) == "ALL" {
		a++
	}
	switch {
	case a >= callClose:
	case r.toks[a].IsOp("*") && a+1 == callClose:
		r.add(r.toks[a].Start, r.toks[a].End-r.toks[a].Start, ExcludeCurrentRowFunc+"(1)", false)
	default:
		argEnd := r.skipElement(a, callClose)
		r.add(r.toks[a].Start, 0, ExcludeCurrentRowFunc+"(", false)
		r.add(r.toks[argEnd-1].End, 0, ")", false)
	}
	return end, nil
}
