package expr

import (
	"strings"
	"unicode/utf8"

	"riffle/planner/scalar"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

func init() {
	define(buildLike, "like", "not_like", "ilike", "not_ilike")
}

type likeTok struct {
	kind byte // 'l' literal, '_' one character, '%' any run
	lit  string
}

// likePattern is a LIKE pattern compiled once: literal runs and wildcards.
type likePattern struct {
	toks []likeTok
}

// compileLike parses pattern with the escape character esc ("" for none;
// PostgreSQL's default is a backslash).
func compileLike(pattern, esc string) (*likePattern, error) {
	if utf8.RuneCountInString(esc) > 1 {
		return nil, sqlerr.New("22019", "invalid escape string")
	}
	escR, _ := utf8.DecodeRuneInString(esc)
	p := &likePattern{}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			p.toks = append(p.toks, likeTok{kind: 'l', lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(pattern); {
		r, w := utf8.DecodeRuneInString(pattern[i:])
		i += w
		switch {
		case esc != "" && r == escR:
			if i >= len(pattern) {
				return nil, sqlerr.New("22025", "LIKE pattern must not end with escape character")
			}
			r, w = utf8.DecodeRuneInString(pattern[i:])
			i += w
			lit.WriteRune(r)
		case r == '%':
			flush()
			if n := len(p.toks); n == 0 || p.toks[n-1].kind != '%' {
				p.toks = append(p.toks, likeTok{kind: '%'})
			}
		case r == '_':
			flush()
			p.toks = append(p.toks, likeTok{kind: '_'})
		default:
			lit.WriteRune(r)
		}
	}
	flush()
	return p, nil
}

// match runs the classic wildcard match with backtracking to the last %,
// which is linear in practice and never exponential.
func (p *likePattern) match(s string) bool {
	toks := p.toks
	ti, si := 0, 0
	starT, starS := -1, 0
	for {
		if ti < len(toks) {
			t := toks[ti]
			switch t.kind {
			case '%':
				starT, starS = ti, si
				ti++
				continue
			case '_':
				if si < len(s) {
					_, w := utf8.DecodeRuneInString(s[si:])
					si += w
					ti++
					continue
				}
			default:
				if strings.HasPrefix(s[si:], t.lit) {
					si += len(t.lit)
					ti++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		if starT < 0 || starS >= len(s) {
			return false
		}
		_, w := utf8.DecodeRuneInString(s[starS:])
		starS += w
		ti, si = starT+1, starS
	}
}

func buildLike(c *scalar.Call, args []Func) (Func, error) {
	negate := strings.HasPrefix(c.Fn, "not_")
	fold := strings.HasSuffix(c.Fn, "ilike")
	esc := types.NewString(`\`)
	constEsc := true
	if len(c.Args) == 3 {
		esc, constEsc = constValue(c.Args[2])
	}
	prep := func(pat, e string) (*likePattern, error) {
		if fold {
			pat = strings.ToLower(pat)
		}
		return compileLike(pat, e)
	}
	var fixed *likePattern
	if pv, ok := constValue(c.Args[1]); ok && constEsc && pv.K != types.KNull && esc.K != types.KNull {
		var err error
		if fixed, err = prep(pv.S, esc.S); err != nil {
			return nil, err
		}
	}
	return func(row types.Row) (types.Value, error) {
		x, err := args[0](row)
		if err != nil || x.K == types.KNull {
			return types.Null, err
		}
		p := fixed
		if p == nil {
			y, err := args[1](row)
			if err != nil || y.K == types.KNull {
				return types.Null, err
			}
			e := esc
			if len(args) == 3 {
				if e, err = args[2](row); err != nil || e.K == types.KNull {
					return types.Null, err
				}
			}
			if p, err = prep(y.S, e.S); err != nil {
				return types.Null, err
			}
		}
		s := x.S
		if fold {
			s = strings.ToLower(s)
		}
		return types.NewBool(p.match(s) != negate), nil
	}, nil
}
