package expr

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode"
	"unicode/utf8"

	"riffle/planner/scalar"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

func init() {
	str1 := func(f func(string) string) builder {
		return func(_ *scalar.Call, args []Func) (Func, error) {
			return strict1(args[0], func(x types.Value) (types.Value, error) { return types.NewString(f(x.S)), nil }), nil
		}
	}
	define(str1(strings.ToUpper), "upper")
	define(str1(strings.ToLower), "lower")
	define(str1(reverse), "reverse")
	define(str1(initcap), "initcap")
	define(buildConcat, "||", "concat")
	define(buildConcatWS, "concat_ws")
	define(buildTrim, "trim", "ltrim", "rtrim")
	define(buildSubstring, "substring", "substr")
	define(buildLength, "char_length", "character_length", "length")
	define(buildPosition, "position", "locate")
	define(buildStrN(replace), "replace")
	define(buildStrN(lpad), "lpad")
	define(buildStrN(rpad), "rpad")
	define(buildStrN(left), "left")
	define(buildStrN(right), "right")
	define(buildStrN(repeat), "repeat")
	define(buildSplitIndex, "split_index")
	define(buildCountChar, "count_char")
	define(buildRegexp, "regexp_extract", "regexp_replace", "regexp", "rlike")
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

// initcap upper-cases the first letter of each word and lower-cases the
// rest; words are runs of letters and digits, as in PostgreSQL.
func initcap(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	prevAlnum := false
	for _, r := range s {
		if prevAlnum {
			b.WriteRune(unicode.ToLower(r))
		} else {
			b.WriteRune(unicode.ToUpper(r))
		}
		prevAlnum = unicode.IsLetter(r) || unicode.IsDigit(r)
	}
	return b.String()
}

// buildConcat is || and CONCAT: NULL when any argument is NULL (PostgreSQL's
// ||, and MySQL's and Flink's CONCAT).
func buildConcat(_ *scalar.Call, args []Func) (Func, error) {
	return strictN(args, func(vs []types.Value) (types.Value, error) {
		n := 0
		for _, v := range vs {
			n += len(v.S)
		}
		var b strings.Builder
		b.Grow(n)
		for _, v := range vs {
			b.WriteString(v.S)
		}
		return types.NewString(b.String()), nil
	}), nil
}

// buildConcatWS skips NULL arguments; only a NULL separator makes it NULL.
func buildConcatWS(_ *scalar.Call, args []Func) (Func, error) {
	return func(row types.Row) (types.Value, error) {
		sep, err := args[0](row)
		if err != nil || sep.K == types.KNull {
			return types.Null, err
		}
		var b strings.Builder
		first := true
		for _, a := range args[1:] {
			v, err := a(row)
			if err != nil {
				return types.Null, err
			}
			if v.K == types.KNull {
				continue
			}
			if !first {
				b.WriteString(sep.S)
			}
			first = false
			b.WriteString(v.S)
		}
		return types.NewString(b.String()), nil
	}, nil
}

func buildTrim(c *scalar.Call, args []Func) (Func, error) {
	var trim func(s, cut string) string
	switch c.Fn {
	case "ltrim":
		trim = strings.TrimLeft
	case "rtrim":
		trim = strings.TrimRight
	default:
		trim = strings.Trim
	}
	if len(args) == 3 {
		// TRIM([BOTH|LEADING|TRAILING] [chars] FROM s), bound as trim(s,
		// chars, direction). The parser gives chars as a NULL constant when
		// the user wrote none: that means a space.
		switch scalar.UnitOf(c.Args[2]) {
		case "LEADING":
			trim = strings.TrimLeft
		case "TRAILING":
			trim = strings.TrimRight
		}
		if v, ok := constValue(c.Args[1]); ok && v.IsNull() {
			args = args[:1]
		} else {
			args = args[:2]
		}
	}
	if len(args) == 1 {
		return strict1(args[0], func(x types.Value) (types.Value, error) { return types.NewString(trim(x.S, " ")), nil }), nil
	}
	return strict2(args[0], args[1], func(x, y types.Value) (types.Value, error) { return types.NewString(trim(x.S, y.S)), nil }), nil
}

// buildSubstring follows the SQL standard (and PostgreSQL): positions count
// characters from 1, and a start before 1 shortens the length.
func buildSubstring(_ *scalar.Call, args []Func) (Func, error) {
	return strictN(args, func(vs []types.Value) (types.Value, error) {
		s, start := vs[0].S, vs[1].I
		end := int64(1) << 62
		if len(vs) == 3 {
			if vs[2].I < 0 {
				return types.Null, sqlerr.New("22011", "negative substring length not allowed")
			}
			if start < end-vs[2].I {
				end = start + vs[2].I
			}
		}
		return types.NewString(runeSlice(s, max(start, 1)-1, end-1)), nil
	}), nil
}

// runeSlice returns the characters of s from index i (inclusive) to j
// (exclusive), both 0-based and clipped to s.
func runeSlice(s string, i, j int64) string {
	if i >= j {
		return ""
	}
	from, to, n := len(s), len(s), int64(0)
	for b := range s {
		if n == i {
			from = b
		}
		if n == j {
			to = b
			break
		}
		n++
	}
	if from > to {
		return ""
	}
	return s[from:to]
}

func buildLength(_ *scalar.Call, args []Func) (Func, error) {
	return strict1(args[0], func(x types.Value) (types.Value, error) {
		return types.NewInt(int64(utf8.RuneCountInString(x.S))), nil
	}), nil
}

// buildPosition is POSITION(needle IN haystack) and MySQL's LOCATE(needle,
// haystack[, from]): the 1-based character position of the first match at or
// after from, or 0.
func buildPosition(_ *scalar.Call, args []Func) (Func, error) {
	return strictN(args, func(vs []types.Value) (types.Value, error) {
		needle, hay, from := vs[0].S, vs[1].S, int64(1)
		if len(vs) == 3 {
			from = vs[2].I
			if from < 1 {
				return types.NewInt(0), nil
			}
		}
		skip := runeSlice(hay, 0, from-1)
		if int64(utf8.RuneCountInString(skip)) < from-1 {
			return types.NewInt(0), nil
		}
		i := strings.Index(hay[len(skip):], needle)
		if i < 0 {
			return types.NewInt(0), nil
		}
		return types.NewInt(from + int64(utf8.RuneCountInString(hay[len(skip):len(skip)+i]))), nil
	}), nil
}

func buildStrN(f func(vs []types.Value) (types.Value, error)) builder {
	return func(_ *scalar.Call, args []Func) (Func, error) { return strictN(args, f), nil }
}

func replace(vs []types.Value) (types.Value, error) {
	if vs[1].S == "" {
		return vs[0], nil
	}
	return types.NewString(strings.ReplaceAll(vs[0].S, vs[1].S, vs[2].S)), nil
}

// maxStringBytes bounds strings that functions build from a count the user
// gives (REPEAT, LPAD), so that a typo does not exhaust memory.
const maxStringBytes = 1 << 28

func errTooLong() error {
	return sqlerr.New("54000", "requested length too large")
}

func pad(vs []types.Value, leftSide bool) (types.Value, error) {
	s, n, fill := vs[0].S, vs[1].I, " "
	if len(vs) == 3 {
		fill = vs[2].S
	}
	if n <= 0 {
		return types.NewString(""), nil
	}
	if n > maxStringBytes {
		return types.Null, errTooLong()
	}
	have := int64(utf8.RuneCountInString(s))
	if have >= n || fill == "" {
		return types.NewString(runeSlice(s, 0, n)), nil
	}
	fr := []rune(fill)
	p := make([]rune, 0, n-have)
	for i := int64(0); i < n-have; i++ {
		p = append(p, fr[i%int64(len(fr))])
	}
	if leftSide {
		return types.NewString(string(p) + s), nil
	}
	return types.NewString(s + string(p)), nil
}

func lpad(vs []types.Value) (types.Value, error) { return pad(vs, true) }
func rpad(vs []types.Value) (types.Value, error) { return pad(vs, false) }

// left and right follow PostgreSQL: a negative count means all but the last
// (or first) |n| characters.
func left(vs []types.Value) (types.Value, error) {
	s, n := vs[0].S, vs[1].I
	if n < 0 {
		n = max(int64(utf8.RuneCountInString(s))+n, 0)
	}
	return types.NewString(runeSlice(s, 0, n)), nil
}

func right(vs []types.Value) (types.Value, error) {
	s, n := vs[0].S, vs[1].I
	l := int64(utf8.RuneCountInString(s))
	if n < 0 {
		return types.NewString(runeSlice(s, min(-n, l), l)), nil
	}
	return types.NewString(runeSlice(s, max(l-n, 0), l)), nil
}

func repeat(vs []types.Value) (types.Value, error) {
	s, n := vs[0].S, vs[1].I
	if n <= 0 || s == "" {
		return types.NewString(""), nil
	}
	if n > maxStringBytes/int64(len(s)) {
		return types.Null, errTooLong()
	}
	return types.NewString(strings.Repeat(s, int(n))), nil
}

// buildSplitIndex is SPLIT_INDEX(s, delim, i): the i-th (from 0) of the
// parts delim cuts s into (any run of spaces when delim is empty), NULL
// past the last. Nexmark's q22 takes three parts of every bid's URL: the
// part is found by scanning, not by splitting the whole string.
func buildSplitIndex(_ *scalar.Call, args []Func) (Func, error) {
	return func(row types.Row) (types.Value, error) {
		var vs [3]types.Value
		for j, a := range args {
			v, err := a(row)
			if err != nil || v.K == types.KNull {
				return types.Null, err
			}
			vs[j] = v
		}
		return splitIndex(vs[0].S, vs[1].S, vs[2].I), nil
	}, nil
}

func splitIndex(s, delim string, i int64) types.Value {
	if i < 0 || s == "" {
		return types.Null
	}
	if delim == "" {
		parts := strings.Fields(s)
		if i >= int64(len(parts)) {
			return types.Null
		}
		return types.NewString(parts[i])
	}
	for ; i > 0; i-- {
		k := strings.Index(s, delim)
		if k < 0 {
			return types.Null
		}
		s = s[k+len(delim):]
	}
	if k := strings.Index(s, delim); k >= 0 {
		s = s[:k]
	}
	return types.NewString(s)
}

// buildCountChar implements count_char(s, c), the Nexmark benchmark's
// CountChar function (its q14): how many times the first character of c
// occurs in s. As that function does, a NULL s counts 0.
func buildCountChar(_ *scalar.Call, args []Func) (Func, error) {
	return func(row types.Row) (types.Value, error) {
		c, err := args[1](row)
		if err != nil || c.K == types.KNull {
			return types.Null, err
		}
		if c.S == "" {
			return types.Null, sqlerr.New(sqlerr.InvalidParameter, "count_char: the character to count is empty")
		}
		want, _ := utf8.DecodeRuneInString(c.S)
		s, err := args[0](row)
		if err != nil || s.K == types.KNull {
			return types.NewInt(0), err
		}
		return types.NewInt(int64(strings.Count(s.S, string(want)))), nil
	}, nil
}

// buildRegexp implements REGEXP_EXTRACT, REGEXP_REPLACE and REGEXP/RLIKE
// with Go's RE2 syntax, compiling a constant pattern once. A constant
// pattern that only matches text holding some literal (Nexmark q21's
// '(&|^)channel_id=([^&]*)' needs "channel_id=") first looks for that
// literal, which is many times faster than the regular expression
// failing to match.
func buildRegexp(c *scalar.Call, args []Func) (Func, error) {
	compile := func(p string) (*regexp.Regexp, error) {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, sqlerr.New("2201B", "invalid regular expression: %v", err)
		}
		return re, nil
	}
	var fixed *regexp.Regexp
	var needs string
	if v, ok := constValue(c.Args[1]); ok && v.K != types.KNull {
		var err error
		if fixed, err = compile(v.S); err != nil {
			return nil, err
		}
		needs = requiredLiteral(v.S)
	}
	fn := c.Fn
	return func(row types.Row) (types.Value, error) {
		var vs [3]types.Value
		for j, a := range args {
			v, err := a(row)
			if err != nil || v.K == types.KNull {
				return types.Null, err
			}
			vs[j] = v
		}
		re := fixed
		if re == nil {
			var err error
			if re, err = compile(vs[1].S); err != nil {
				return types.Null, err
			}
		} else if needs != "" && !strings.Contains(vs[0].S, needs) {
			switch fn { // no match
			case "regexp_replace":
				return vs[0], nil
			case "regexp_extract":
				return types.Null, nil
			}
			return types.NewBool(false), nil
		}
		switch fn {
		case "regexp_replace":
			return types.NewString(re.ReplaceAllString(vs[0].S, vs[2].S)), nil
		case "regexp_extract":
			group := int64(0)
			if len(args) == 3 {
				group = vs[2].I
			}
			m := re.FindStringSubmatchIndex(vs[0].S)
			if m == nil || group < 0 || 2*group+1 >= int64(len(m)) || m[2*group] < 0 {
				return types.Null, nil
			}
			return types.NewString(vs[0].S[m[2*group]:m[2*group+1]]), nil
		}
		return types.NewBool(re.MatchString(vs[0].S)), nil
	}, nil
}

// requiredLiteral is the longest literal text every match of the RE2
// pattern p contains (one of the pieces it concatenates, matched with
// case), or "" when there is none or p does not parse.
func requiredLiteral(p string) string {
	re, err := syntax.Parse(p, syntax.Perl)
	if err != nil {
		return ""
	}
	re = re.Simplify()
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	pieces := []*syntax.Regexp{re}
	if re.Op == syntax.OpConcat {
		pieces = re.Sub
	}
	best := ""
	for _, sub := range pieces {
		if sub.Op == syntax.OpLiteral && sub.Flags&syntax.FoldCase == 0 && len(string(sub.Rune)) > len(best) {
			best = string(sub.Rune)
		}
	}
	return best
}
