package expr

import (
	"encoding/json"
	"strings"
	"time"

	"riffle/planner/scalar"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

func init() {
	define(buildArrayToString, "array_to_string")
	define(buildStringToArray, "string_to_array")
	define(buildArrayDim, "array_length", "array_lower", "array_upper")
	define(buildBtrim, "btrim")
	define(buildArrayCat, "array_cat")
	define(buildJSONObject, "json_build_object")
	define(buildFormat, "format")
	define(func(_ *scalar.Call, args []Func) (Func, error) {
		return strict1(args[0], func(v types.Value) (types.Value, error) { return types.NewString(quoteIdentPG(v.S)), nil }), nil
	}, "quote_ident")
	define(buildParseIdent, "parse_ident")
	define(buildBitwise, "&", "|", "<<", ">>")
	define(func(*scalar.Call, []Func) (Func, error) {
		return func(types.Row) (types.Value, error) { return types.NewTimestamp(time.Now().UnixMicro()), nil }, nil
	}, "now", "current_timestamp", "transaction_timestamp", "statement_timestamp")
	// date_trunc binds as FLOOR(… TO unit); it is here so the catalogue
	// and this package name the same functions.
	define(func(c *scalar.Call, args []Func) (Func, error) { return builtins["floor"](c, args) }, "date_trunc")
}

// buildArrayToString joins an array's elements' text with a separator;
// NULL elements are skipped, or written as the third argument.
func buildArrayToString(c *scalar.Call, args []Func) (Func, error) {
	elem := *c.Args[0].Type().Elem
	return func(row types.Row) (types.Value, error) {
		vs := make([]types.Value, len(args))
		for i, a := range args {
			v, err := a(row)
			if err != nil {
				return types.Null, err
			}
			vs[i] = v
		}
		if vs[0].IsNull() || vs[1].IsNull() {
			return types.Null, nil
		}
		var parts []string
		for _, e := range vs[0].List() {
			switch {
			case !e.IsNull():
				parts = append(parts, types.Text(e, elem))
			case len(vs) > 2 && !vs[2].IsNull():
				parts = append(parts, vs[2].S)
			}
		}
		return types.NewString(strings.Join(parts, vs[1].S)), nil
	}, nil
}

func buildStringToArray(_ *scalar.Call, args []Func) (Func, error) {
	return strict2(args[0], args[1], func(s, sep types.Value) (types.Value, error) {
		var parts []string
		switch {
		case s.S == "":
		case sep.S == "":
			parts = []string{s.S}
		default:
			parts = strings.Split(s.S, sep.S)
		}
		l := make([]types.Value, len(parts))
		for i, p := range parts {
			l[i] = types.NewString(p)
		}
		return types.Value{K: types.KArray, X: l}, nil
	}), nil
}

// buildArrayDim answers array_length, array_lower and array_upper for
// riffle's one-dimensional, 1-based arrays: NULL for another dimension or
// an empty array, as PostgreSQL.
func buildArrayDim(c *scalar.Call, args []Func) (Func, error) {
	fn := c.Fn
	return strict2(args[0], args[1], func(arr, dim types.Value) (types.Value, error) {
		n := int64(len(arr.List()))
		if dim.Int() != 1 || n == 0 {
			return types.Null, nil
		}
		switch fn {
		case "array_lower":
			return types.NewInt(1), nil
		}
		return types.NewInt(n), nil
	}), nil
}

func buildBtrim(_ *scalar.Call, args []Func) (Func, error) {
	return strictN(args, func(vs []types.Value) (types.Value, error) {
		chars := " "
		if len(vs) > 1 {
			chars = vs[1].S
		}
		return types.NewString(strings.Trim(vs[0].S, chars)), nil
	}), nil
}

// buildArrayCat is arr || arr (and an element at either end): NULL arrays
// count as empty, as in PostgreSQL.
func buildArrayCat(c *scalar.Call, args []Func) (Func, error) {
	isArr := [2]bool{c.Args[0].Type().ID == types.Array, c.Args[1].Type().ID == types.Array}
	return func(row types.Row) (types.Value, error) {
		var out []types.Value
		for i, a := range args {
			v, err := a(row)
			if err != nil {
				return types.Null, err
			}
			switch {
			case !isArr[i]:
				out = append(out, v)
			case !v.IsNull():
				out = append(out, v.List()...)
			}
		}
		return types.Value{K: types.KArray, X: out}, nil
	}, nil
}

func buildBitwise(c *scalar.Call, args []Func) (Func, error) {
	var f func(x, y int64) int64
	switch c.Fn {
	case "&":
		f = func(x, y int64) int64 { return x & y }
	case "|":
		f = func(x, y int64) int64 { return x | y }
	case "<<":
		f = func(x, y int64) int64 { return x << uint64(y&63) }
	default:
		f = func(x, y int64) int64 { return x >> uint64(y&63) }
	}
	return strict2(args[0], args[1], func(x, y types.Value) (types.Value, error) {
		return types.NewInt(f(x.I, y.I)), nil
	}), nil
}

// buildJSONObject is json_build_object(k1, v1, …): an object of the pairs,
// values as JSON (numbers and booleans bare, text quoted, JSON as is).
func buildJSONObject(c *scalar.Call, args []Func) (Func, error) {
	ts := make([]types.Type, len(c.Args))
	for i, a := range c.Args {
		ts[i] = a.Type()
	}
	return func(row types.Row) (types.Value, error) {
		var b strings.Builder
		b.WriteByte('{')
		for i := 0; i < len(args); i += 2 {
			k, err := args[i](row)
			if err != nil {
				return types.Null, err
			}
			if k.IsNull() {
				return types.Null, sqlerr.New("22004", "null value not allowed for object key")
			}
			v, err := args[i+1](row)
			if err != nil {
				return types.Null, err
			}
			if i > 0 {
				b.WriteString(", ")
			}
			kb, _ := json.Marshal(k.S)
			b.Write(kb)
			b.WriteString(" : ")
			b.WriteString(jsonOf(v, ts[i+1]))
		}
		b.WriteByte('}')
		return types.NewJSON(b.String()), nil
	}, nil
}

func jsonOf(v types.Value, t types.Type) string {
	switch {
	case v.IsNull():
		return "null"
	case v.K == types.KJSON:
		return v.S
	case t.ID == types.Boolean:
		if v.Bool() {
			return "true"
		}
		return "false"
	case t.IsNumeric():
		return types.Text(v, t)
	}
	s, _ := json.Marshal(types.Text(v, t))
	return string(s)
}

// buildFormat is PostgreSQL's format(fmt, args…): %s inserts an argument's
// text (NULL as nothing), %I quotes it as an identifier, %L as a literal
// (NULL as NULL), %% is a percent sign.
func buildFormat(_ *scalar.Call, args []Func) (Func, error) {
	return func(row types.Row) (types.Value, error) {
		vs := make([]types.Value, len(args))
		for i, a := range args {
			v, err := a(row)
			if err != nil {
				return types.Null, err
			}
			vs[i] = v
		}
		if vs[0].IsNull() {
			return types.Null, nil
		}
		f, next := vs[0].S, 1
		var b strings.Builder
		for i := 0; i < len(f); i++ {
			if f[i] != '%' {
				b.WriteByte(f[i])
				continue
			}
			if i+1 >= len(f) {
				return types.Null, sqlerr.New("22023", "unterminated format() type specifier")
			}
			i++
			if f[i] == '%' {
				b.WriteByte('%')
				continue
			}
			if next >= len(vs) {
				return types.Null, sqlerr.New("22023", "too few arguments for format()")
			}
			v := vs[next]
			next++
			switch f[i] {
			case 's':
				if !v.IsNull() {
					b.WriteString(v.S)
				}
			case 'I':
				if v.IsNull() {
					return types.Null, sqlerr.New("22004", "null values cannot be formatted as an SQL identifier")
				}
				b.WriteString(quoteIdentPG(v.S))
			case 'L':
				if v.IsNull() {
					b.WriteString("NULL")
				} else {
					b.WriteString("'" + strings.ReplaceAll(v.S, "'", "''") + "'")
				}
			default:
				return types.Null, sqlerr.New("22023", "unrecognized format() type specifier %q", string(f[i]))
			}
		}
		return types.NewString(b.String()), nil
	}, nil
}

// buildParseIdent splits a qualified identifier into its names, as
// PostgreSQL's parse_ident: quoted names keep their case and doubled
// quotes, unquoted ones are folded to lower case; with strict (the
// default) nothing may follow the last name.
func buildParseIdent(_ *scalar.Call, args []Func) (Func, error) {
	return func(row types.Row) (types.Value, error) {
		v, err := args[0](row)
		if err != nil || v.IsNull() {
			return types.Null, err
		}
		strict := true
		if len(args) > 1 {
			s, err := args[1](row)
			if err != nil || s.IsNull() {
				return types.Null, err
			}
			strict = s.Bool()
		}
		names, err := parseIdent(v.S, strict)
		if err != nil {
			return types.Null, err
		}
		out := make([]types.Value, len(names))
		for i, n := range names {
			out[i] = types.NewString(n)
		}
		return types.Value{K: types.KArray, X: out}, nil
	}, nil
}

func parseIdent(s string, strict bool) ([]string, error) {
	bad := func(why string) error {
		e := sqlerr.New(sqlerr.InvalidParameter, "string is not a valid identifier: %q", s)
		if why != "" {
			e = e.WithHint("%s", why)
		}
		return e
	}
	var names []string
	i := 0
	for {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		var b strings.Builder
		switch {
		case i < len(s) && s[i] == '"':
			i++
			for {
				j := strings.IndexByte(s[i:], '"')
				if j < 0 {
					return nil, bad("String has unclosed double quotes.")
				}
				b.WriteString(s[i : i+j])
				i += j + 1
				if i < len(s) && s[i] == '"' {
					b.WriteByte('"')
					i++
					continue
				}
				break
			}
			if b.Len() == 0 {
				return nil, bad("Quoted identifier must not be empty.")
			}
		default:
			j := i
			for j < len(s) && (s[j] == '_' || s[j] == '$' || s[j] >= 0x80 ||
				(s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z') || (j > i && s[j] >= '0' && s[j] <= '9')) {
				j++
			}
			if j == i {
				if len(names) == 0 {
					return nil, bad("")
				}
				return nil, bad("No valid identifier after \".\".")
			}
			b.WriteString(strings.ToLower(s[i:j]))
			i = j
		}
		names = append(names, b.String())
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i < len(s) && s[i] == '.' {
			i++
			continue
		}
		if i < len(s) && strict {
			return nil, bad("")
		}
		return names, nil
	}
}

// quoteIdentPG quotes an identifier when PostgreSQL's quote_ident would.
func quoteIdentPG(s string) string {
	plain := s != ""
	for i, r := range s {
		if !(r == '_' || (r >= 'a' && r <= 'z') || (i > 0 && r >= '0' && r <= '9')) {
			plain = false
		}
	}
	if plain {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
