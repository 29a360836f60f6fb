package scalar

import (
	"strings"

	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// JSON functions and the ARRAY, MAP and ROW constructors and accessors.
//
// The parser and binder spell them as calls:
//
//	ARRAY[a, b]              array(a, b)            ARRAY<common type of a, b>
//	MAP['k', v, …]           map(k1, v1, …)         MAP<common key type, common value type>
//	ROW(a, b)                row(a, b)              ROW<EXPR$0 …, EXPR$1 …>
//	arr[i], m[k]             subscript(x, i|k)      element (1-based for arrays)
//	r.f                      field(r, 'f')          the field's type
//	CARDINALITY(x)           cardinality(x)         INT
//	j -> k, j ->> k          json_arrow(j, k), json_arrow_text(j, k)
//
// JSON semantics (exec/expr implements them):
//   - JSON_VALUE(j, path) returns the scalar at an SQL/JSON path as STRING
//     ('$.a.b[0]', lax mode: a missing member or an object or array result is
//     NULL, as Flink's default NULL ON EMPTY / NULL ON ERROR); JSON null is NULL.
//   - JSON_EXTRACT(j, path) returns the JSON value at the path (MySQL), NULL
//     when the path matches nothing.
//   - json_arrow(j, k) is PostgreSQL's ->: a STRING k selects an object
//     member, an integer k an array element (0-based, negative from the end);
//     a k that starts with '$' is a path, as MySQL's col->'$.a'. The result is
//     JSON; json_arrow_text (->>) returns the value as text instead: a JSON
//     string unquoted, JSON null as NULL.
//
// The JSON argument may be JSON or a STRING holding JSON text; text that is
// not JSON is an error (22P02).
func registerNested() {
	jsonT, str := retT(types.Type{ID: types.JSON}), retT(types.TString)
	named([]string{"json_value"}, sig{text: "(JSON, STRING path)", params: p(cJSON, cString), min: 2, ret: str})
	named([]string{"json_extract"}, sig{text: "(JSON, STRING path)", params: p(cJSON, cString), min: 2, ret: jsonT})
	named([]string{"json_arrow"}, sig{text: "(JSON, STRING key | INT index)", params: p(cJSON, cKey), min: 2, ret: jsonT})
	named([]string{"json_arrow_text"}, sig{text: "(JSON, STRING key | INT index)", params: p(cJSON, cKey), min: 2, ret: str})
	register([]string{"array"}, funcDef{minArgs: 0, maxArgs: -1, sigs: []string{"ARRAY[T, ...]"}, resolve: resolveArray})
	register([]string{"map"}, funcDef{minArgs: 2, maxArgs: -1, sigs: []string{"MAP[K, V, ...]"}, resolve: resolveMap})
	register([]string{"row"}, funcDef{minArgs: 1, maxArgs: -1, sigs: []string{"ROW(any, ...)"}, resolve: resolveRow})
	register([]string{"subscript"}, funcDef{minArgs: 2, maxArgs: 2,
		sigs: []string{"ARRAY<T>[INT]", "MAP<K, V>[K]", "JSON[STRING | INT]"}, resolve: resolveSubscript})
	register([]string{"field"}, funcDef{minArgs: 2, maxArgs: 2, sigs: []string{"ROW.name"}, resolve: resolveField})
	register([]string{"any_eq"}, funcDef{minArgs: 2, maxArgs: 2, sigs: []string{"T = ANY(ARRAY<T>)"}, resolve: resolveAnyEq})
	register([]string{"cardinality"}, funcDef{minArgs: 1, maxArgs: 1, sigs: []string{"CARDINALITY(ARRAY | MAP)"}, resolve: resolveCardinality})
}

func resolveArray(fn string, args []Expr) (Expr, error) {
	elem := types.TString // ARRAY[] and ARRAY[NULL] hold strings
	if len(args) > 0 {
		ts := make([]types.Type, len(args))
		for i, a := range args {
			ts[i] = a.Type()
		}
		t, err := CommonType(ts...)
		if err != nil {
			return nil, err
		}
		if t.ID != types.Unknown {
			elem = t
		}
	}
	out, err := coerceAll(args, elem)
	if err != nil {
		return nil, err
	}
	return call(fn, types.Type{ID: types.Array, Elem: &elem}, out...), nil
}

func resolveMap(fn string, args []Expr) (Expr, error) {
	if len(args)%2 != 0 {
		return nil, errNoMatch
	}
	var keys, vals []Expr
	for i := 0; i < len(args); i += 2 {
		keys, vals = append(keys, args[i]), append(vals, args[i+1])
	}
	kt, err := commonOf(keys)
	if err != nil {
		return nil, err
	}
	vt, err := commonOf(vals)
	if err != nil {
		return nil, err
	}
	if keys, err = coerceAll(keys, kt); err != nil {
		return nil, err
	}
	if vals, err = coerceAll(vals, vt); err != nil {
		return nil, err
	}
	out := make([]Expr, 0, len(args))
	for i := range keys {
		out = append(out, keys[i], vals[i])
	}
	return call(fn, types.Type{ID: types.Map, Key: &kt, Elem: &vt}, out...), nil
}

// commonOf is the common type of es, STRING when they are all untyped.
func commonOf(es []Expr) (types.Type, error) {
	ts := make([]types.Type, len(es))
	for i, e := range es {
		ts[i] = e.Type()
	}
	t, err := CommonType(ts...)
	if err == nil && t.ID == types.Unknown {
		t = types.TString
	}
	return t, err
}

// resolveRow builds ROW(a, b): fields are named EXPR$0, EXPR$1… as in
// Flink; a binder that knows better names (CAST(ROW(…) AS ROW<x INT, …>),
// or a column's declared type) sets them on the result type.
func resolveRow(fn string, args []Expr) (Expr, error) {
	fields := make([]types.Field, len(args))
	out := make([]Expr, len(args))
	for i, a := range args {
		out[i] = a
		if isUnknown(a) {
			out[i] = NewCast(a, types.TString)
		}
		fields[i] = types.Field{Name: "EXPR$" + itoa(i), Type: out[i].Type()}
	}
	return call(fn, types.Type{ID: types.RowType, Fields: fields}, out...), nil
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + itoa(i%10)
}

// resolveSubscript types x[i]: an ARRAY element (1-based, NULL out of
// range, as Flink), a MAP value (NULL for a missing key), or a JSON member
// or element (as json_arrow).
func resolveSubscript(fn string, args []Expr) (Expr, error) {
	x, k := args[0], args[1]
	t := x.Type()
	switch t.ID {
	case types.Array:
		if !k.Type().IsInteger() && !isUnknown(k) {
			return nil, errNoMatch
		}
		i, err := coerce(k, types.TInt)
		if err != nil {
			return nil, err
		}
		if t.PG == "int2vector" || t.PG == "oidvector" {
			// PostgreSQL numbers these vectors from 0.
			if i, err = Resolve("+", []Expr{i, &Const{V: types.NewInt(1), T: types.TInt}}); err != nil {
				return nil, err
			}
		}
		return call(fn, *t.Elem, x, i), nil
	case types.Map:
		kt, err := CommonType(*t.Key, k.Type())
		if err != nil || !kt.Equal(*t.Key) && k.Type().ID != types.Unknown && !CanCast(k.Type(), *t.Key) {
			return nil, errNoMatch
		}
		key, err := coerce(k, *t.Key)
		if err != nil {
			return nil, err
		}
		return call(fn, *t.Elem, x, key), nil
	case types.JSON:
		return Resolve("json_arrow", args)
	}
	return nil, errNoMatch
}

// resolveField types r.f; f is a constant string, matched exactly first and
// then case-insensitively (unquoted identifiers).
func resolveField(fn string, args []Expr) (Expr, error) {
	t := args[0].Type()
	c, ok := args[1].(*Const)
	if t.ID != types.RowType || !ok || c.V.K != types.KString {
		return nil, errNoMatch
	}
	idx := -1
	for i, f := range t.Fields {
		if f.Name == c.V.S {
			idx = i
			break
		}
		if idx < 0 && strings.EqualFold(f.Name, c.V.S) {
			idx = i
		}
	}
	if idx < 0 {
		return nil, errNoField(c.V.S, t)
	}
	name := &Const{V: types.NewString(t.Fields[idx].Name), T: types.TString}
	return call(fn, t.Fields[idx].Type, args[0], name), nil
}

func errNoField(name string, t types.Type) error {
	return sqlerr.New(sqlerr.UndefinedColumn, "column \"%s\" not found in data type %s", name, t)
}

func resolveCardinality(fn string, args []Expr) (Expr, error) {
	if id := args[0].Type().ID; id != types.Array && id != types.Map {
		return nil, errNoMatch
	}
	return call(fn, types.TInt, args[0]), nil
}

// resolveAnyEq types x = ANY(arr): x and the elements compare in their
// common type.
func resolveAnyEq(fn string, args []Expr) (Expr, error) {
	arr := args[1]
	if arr.Type().ID == types.Unknown {
		// An untyped '{a,b}' literal: an array of what x is.
		x := args[0].Type()
		if x.ID == types.Unknown {
			x = types.TString
		}
		var err error
		if arr, err = coerce(arr, types.Type{ID: types.Array, Elem: &x}); err != nil {
			return nil, err
		}
	}
	if arr.Type().ID != types.Array {
		return nil, errNoMatch
	}
	t, err := CommonType(args[0].Type(), *arr.Type().Elem)
	if err != nil {
		return nil, errNoMatch
	}
	x, err := coerce(args[0], t)
	if err != nil {
		return nil, err
	}
	if !arr.Type().Elem.Equal(t) {
		if arr, err = coerce(arr, types.Type{ID: types.Array, Elem: &t}); err != nil {
			return nil, err
		}
	}
	return call(fn, types.TBoolean, x, arr), nil
}
