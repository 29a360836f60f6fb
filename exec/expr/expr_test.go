package expr

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"riffle/planner/scalar"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// The golden files in testdata/expr build expressions in a small
// s-expression syntax, bind them through scalar.Resolve (so that typing is
// tested too) and evaluate them:
//
//	eval
//	(+ 1 (const BIGINT '2'))
//	----
//	3 BIGINT
//
// Atoms: 1 (INT, BIGINT when larger), 1.50 (DECIMAL(3, 2)), 1.5e0 (DOUBLE),
// 'text' (an untyped literal), null (untyped NULL), true, false.
// Forms: (const TYPE 'text'), (col TYPE 'text'|null) — a column of the input
// row holding that value —, (ref N) — the line's N-th col again, from 0 —,
// (cast x TYPE), (try_cast x TYPE),
// (case (when c r)… (else e)), and (fn args…) for any catalogue function.
// Each input line is one expression; each output line its value and type.
// The bind directive prints the bound tree and its type instead.
func TestExpr(t *testing.T) {
	used := map[string]bool{}
	datadriven.Walk(t, "../../testdata/expr", func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			var out strings.Builder
			for _, line := range strings.Split(strings.TrimSpace(d.Input), "\n") {
				out.WriteString(runLine(d.Cmd, line, used) + "\n")
			}
			return out.String()
		})
	})
	var missing []string
	for _, fn := range scalar.Funcs() {
		if !used[fn] {
			missing = append(missing, fn)
		}
	}
	if len(missing) > 0 {
		t.Errorf("functions never evaluated by testdata/expr: %v", missing)
	}
}

// TestFuncsImplemented checks that every name the binder accepts has an
// evaluator.
func TestFuncsImplemented(t *testing.T) {
	for _, fn := range scalar.Funcs() {
		if _, ok := builtins[fn]; !ok {
			t.Errorf("scalar.Funcs has %q but exec/expr does not implement it", fn)
		}
	}
}

func runLine(cmd, line string, used map[string]bool) string {
	p := &sexpParser{src: line, used: used}
	e, err := p.parse()
	if err == nil && strings.TrimSpace(p.src[p.pos:]) != "" {
		err = fmt.Errorf("trailing text %q", p.src[p.pos:])
	}
	if err != nil {
		msg := "error: " + err.Error()
		if e, ok := sqlerr.As(err); ok && e.Hint != "" {
			msg += " (hint: " + e.Hint + ")"
		}
		return msg
	}
	switch cmd {
	case "bind":
		return e.String() + " : " + e.Type().String()
	case "eval":
		f, err := Compile(e)
		if err != nil {
			return err.Error()
		}
		v, err := f(p.row)
		if err != nil {
			return err.Error()
		}
		return render(v, e.Type()) + " " + e.Type().String()
	}
	return "unknown command " + cmd
}

func render(v types.Value, t types.Type) string {
	if v.IsNull() {
		return "NULL"
	}
	if v.K == types.KString {
		return "'" + v.S + "'"
	}
	return types.Text(v, t)
}

type sexpParser struct {
	src  string
	pos  int
	row  types.Row
	cols []*scalar.ColRef // the columns of row, for (ref N)
	used map[string]bool
}

func (p *sexpParser) skip() {
	for p.pos < len(p.src) && p.src[p.pos] == ' ' {
		p.pos++
	}
}

// token reads a quoted string (returned with its quotes), a parenthesis, or
// a run of other characters (a type name may hold parentheses: DECIMAL(5,2)).
func (p *sexpParser) token() string {
	p.skip()
	if p.pos >= len(p.src) {
		return ""
	}
	start := p.pos
	switch c := p.src[p.pos]; c {
	case '(', ')':
		p.pos++
	case '\'':
		p.pos++
		for p.pos < len(p.src) {
			if p.src[p.pos] == '\'' {
				if p.pos+1 < len(p.src) && p.src[p.pos+1] == '\'' {
					p.pos += 2
					continue
				}
				break
			}
			p.pos++
		}
		p.pos++
	default:
		depth := 0
		for p.pos < len(p.src) {
			c := p.src[p.pos]
			if c == '(' {
				depth++
			} else if c == ')' {
				if depth == 0 {
					break
				}
				depth--
			} else if c == ' ' && depth == 0 {
				break
			}
			p.pos++
		}
	}
	return p.src[start:min(p.pos, len(p.src))]
}

func unquote(s string) (string, bool) {
	if len(s) < 2 || s[0] != '\'' {
		return "", false
	}
	return strings.ReplaceAll(s[1:len(s)-1], "''", "'"), true
}

func (p *sexpParser) parse() (scalar.Expr, error) {
	tok := p.token()
	if tok != "(" {
		return atom(tok)
	}
	head := p.token()
	var args []scalar.Expr
	var typeArg string
	switch head {
	case "const", "col":
		typeArg = p.token()
	case "case":
		return p.parseCase()
	case "ref":
		n, err := strconv.Atoi(p.token())
		if err != nil || n < 0 || n >= len(p.cols) || p.token() != ")" {
			return nil, fmt.Errorf("ref: want (ref N), N a column made before")
		}
		return p.cols[n], nil
	}
	for {
		p.skip()
		if p.pos >= len(p.src) {
			return nil, fmt.Errorf("missing )")
		}
		if p.src[p.pos] == ')' {
			p.pos++
			break
		}
		if head == "cast" || head == "try_cast" {
			if len(args) == 1 {
				typeArg = p.token()
				continue
			}
		}
		a, err := p.parse()
		if err != nil {
			return nil, err
		}
		args = append(args, a)
	}
	return p.build(head, typeArg, args)
}

func (p *sexpParser) build(head, typeArg string, args []scalar.Expr) (scalar.Expr, error) {
	switch head {
	case "const", "col":
		t, err := parseType(typeArg)
		if err != nil {
			return nil, err
		}
		v := types.Null
		if c := args[0].(*scalar.Const); !c.V.IsNull() {
			if v, err = scalar.ParseText(c.V.S, t); err != nil {
				return nil, err
			}
		}
		if head == "const" {
			return &scalar.Const{V: v, T: t}, nil
		}
		p.row = append(p.row, v)
		p.cols = append(p.cols, &scalar.ColRef{Idx: len(p.row) - 1, Name: "c", T: t})
		return p.cols[len(p.cols)-1], nil
	case "cast", "try_cast":
		t, err := parseType(typeArg)
		if err != nil {
			return nil, err
		}
		if !scalar.CanCast(args[0].Type(), t) {
			return nil, fmt.Errorf("cannot cast %s to %s", args[0].Type(), t)
		}
		if head == "try_cast" {
			return &scalar.Cast{Arg: args[0], T: t, Try: true}, nil
		}
		return scalar.NewCast(args[0], t), nil
	}
	p.used[head] = true
	return scalar.Resolve(head, args)
}

func (p *sexpParser) parseCase() (scalar.Expr, error) {
	c := &scalar.Case{}
	var results []scalar.Expr
	for {
		tok := p.token()
		if tok == ")" {
			break
		}
		if tok != "(" {
			return nil, fmt.Errorf("case: expected (when …) or (else …), got %q", tok)
		}
		kind := p.token()
		first, err := p.parse()
		if err != nil {
			return nil, err
		}
		if kind == "else" {
			c.Else = first
			results = append(results, first)
		} else {
			then, err := p.parse()
			if err != nil {
				return nil, err
			}
			if first, err = scalar.Resolve("is_true", []scalar.Expr{first}); err != nil {
				return nil, err
			}
			first = first.(*scalar.Call).Args[0]
			c.Whens = append(c.Whens, scalar.When{Cond: first, Then: then})
			results = append(results, then)
		}
		if p.token() != ")" {
			return nil, fmt.Errorf("case: missing )")
		}
	}
	ts := make([]types.Type, len(results))
	for i, r := range results {
		ts[i] = r.Type()
	}
	t, err := scalar.CommonType(ts...)
	if err != nil {
		return nil, err
	}
	c.T = t
	for i := range c.Whens {
		c.Whens[i].Then = scalar.NewCast(c.Whens[i].Then, t)
	}
	if c.Else != nil {
		c.Else = scalar.NewCast(c.Else, t)
	}
	return c, nil
}

func atom(tok string) (scalar.Expr, error) {
	if s, ok := unquote(tok); ok {
		return &scalar.Const{V: types.NewString(s), T: types.TUnknown}, nil
	}
	switch strings.ToLower(tok) {
	case "null":
		return &scalar.Const{T: types.TUnknown}, nil
	case "true", "false":
		return &scalar.Const{V: types.NewBool(tok == "true"), T: types.TBoolean}, nil
	}
	if i, err := strconv.ParseInt(tok, 10, 64); err == nil {
		if i >= -1<<31 && i < 1<<31 {
			return &scalar.Const{V: types.NewInt(i), T: types.TInt}, nil
		}
		return &scalar.Const{V: types.NewInt(i), T: types.TBigInt}, nil
	}
	if strings.ContainsAny(tok, "eE") {
		f, err := strconv.ParseFloat(tok, 64)
		if err != nil {
			return nil, err
		}
		return &scalar.Const{V: types.NewFloat(f), T: types.TDouble}, nil
	}
	d, err := types.ParseDec(tok)
	if err != nil {
		return nil, fmt.Errorf("bad atom %q", tok)
	}
	digits := len(strings.TrimLeft(strings.NewReplacer("-", "", ".", "").Replace(tok), "0"))
	return &scalar.Const{V: types.NewDecimal(d), T: types.Type{ID: types.Decimal, Precision: max(digits, int(d.Scale), 1), Scale: int(d.Scale)}}, nil
}

var typeIDs = map[string]types.TypeID{
	"BOOLEAN": types.Boolean, "TINYINT": types.TinyInt, "SMALLINT": types.SmallInt, "INT": types.Int,
	"BIGINT": types.BigInt, "FLOAT": types.Float, "DOUBLE": types.Double, "DECIMAL": types.Decimal,
	"CHAR": types.Char, "VARCHAR": types.Varchar, "STRING": types.Varchar, "BYTES": types.Varbinary,
	"BINARY": types.Binary, "DATE": types.Date, "TIME": types.Time, "TIMESTAMP": types.Timestamp,
	"TIMESTAMP_LTZ": types.TimestampLTZ, "INTERVAL_DT": types.IntervalDT, "INTERVAL_YM": types.IntervalYM,
	"JSON": types.JSON,
}

// parseType reads NAME or NAME(a[,b]), or ARRAY_ before one of them.
func parseType(s string) (types.Type, error) {
	if elem, ok := strings.CutPrefix(s, "ARRAY_"); ok {
		e, err := parseType(elem)
		return types.Type{ID: types.Array, Elem: &e}, err
	}
	name, params, _ := strings.Cut(s, "(")
	id, ok := typeIDs[strings.ToUpper(name)]
	if !ok {
		return types.Type{}, fmt.Errorf("unknown type %q", s)
	}
	t := types.Type{ID: id}
	var nums []int
	for _, f := range strings.FieldsFunc(strings.TrimSuffix(params, ")"), func(r rune) bool { return r == ',' }) {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return t, fmt.Errorf("bad type %q", s)
		}
		nums = append(nums, n)
	}
	switch {
	case id == types.Decimal:
		t.Precision, t.Scale = 10, 0
		if len(nums) > 0 {
			t.Precision = nums[0]
		}
		if len(nums) > 1 {
			t.Scale = nums[1]
		}
	case id == types.Time || id == types.Timestamp || id == types.TimestampLTZ:
		t.Precision = 6
		if len(nums) > 0 {
			t.Precision = nums[0]
		}
	case len(nums) > 0:
		t.Length = nums[0]
	}
	return t, nil
}
