package expr

import (
	"riffle/planner/scalar"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// ARRAY, MAP and ROW constructors and accessors; planner/scalar's
// funcs_nested.go lists the calls the binder makes.

func init() {
	define(buildConstructor, "array", "map", "row")
	define(buildSubscript, "subscript")
	define(buildField, "field")
	define(buildCardinality, "cardinality")
	define(buildAnyEq, "any_eq")
}

// buildConstructor builds ARRAY[…], MAP[k, v, …] and ROW(…). Elements may
// be NULL (a NULL element is not a NULL array); a map keeps the last value
// of a repeated key, and a NULL key is an error, as in Flink.
func buildConstructor(c *scalar.Call, args []Func) (Func, error) {
	if c.Fn == "map" {
		return buildMap(args), nil
	}
	kind := types.KArray
	if c.Fn == "row" {
		kind = types.KRow
	}
	return func(row types.Row) (types.Value, error) {
		vs := make([]types.Value, len(args))
		for i, a := range args {
			v, err := a(row)
			if err != nil {
				return types.Null, err
			}
			vs[i] = v
		}
		return types.Value{K: kind, X: vs}, nil
	}, nil
}

func buildMap(args []Func) Func {
	return func(row types.Row) (types.Value, error) {
		kvs := make([]types.Value, 0, len(args))
		for i := 0; i+1 < len(args); i += 2 {
			k, err := args[i](row)
			if err != nil {
				return types.Null, err
			}
			if k.IsNull() {
				return types.Null, sqlerr.New(nullValueNotAllowed, "map key must not be NULL")
			}
			v, err := args[i+1](row)
			if err != nil {
				return types.Null, err
			}
			if j := mapFind(kvs, k); j >= 0 {
				kvs[j+1] = v
				continue
			}
			kvs = append(kvs, k, v)
		}
		return types.Value{K: types.KMap, X: kvs}, nil
	}
}

// nullValueNotAllowed is PostgreSQL's null_value_not_allowed.
const nullValueNotAllowed = "22004"

// mapFind returns the index of key k in the alternating key/value list, or -1.
func mapFind(kvs []types.Value, k types.Value) int {
	for i := 0; i+1 < len(kvs); i += 2 {
		if types.Compare(kvs[i], k) == 0 {
			return i
		}
	}
	return -1
}

// buildSubscript reads arr[i] (1-based; NULL out of range, as Flink's
// ARRAY subscript and PostgreSQL's) or m[k] (NULL when k is missing).
func buildSubscript(c *scalar.Call, args []Func) (Func, error) {
	t := c.Args[0].Type()
	if t.ID == types.Map {
		return strict2(args[0], args[1], func(m, k types.Value) (types.Value, error) {
			kvs, _ := m.X.([]types.Value)
			if i := mapFind(kvs, k); i >= 0 {
				return kvs[i+1], nil
			}
			return types.Null, nil
		}), nil
	}
	return strict2(args[0], args[1], func(a, i types.Value) (types.Value, error) {
		vs, _ := a.X.([]types.Value)
		if i.I < 1 || i.I > int64(len(vs)) {
			return types.Null, nil
		}
		return vs[i.I-1], nil
	}), nil
}

// buildField reads r.f; the binder has checked the name, found here again
// by position in the row type.
func buildField(c *scalar.Call, args []Func) (Func, error) {
	name := scalar.UnitOf(c.Args[1])
	idx := -1
	for i, f := range c.Args[0].Type().Fields {
		if f.Name == name {
			idx = i
		}
	}
	if idx < 0 {
		return nil, sqlerr.New(sqlerr.UndefinedColumn, "column \"%s\" not found in data type %s", name, c.Args[0].Type())
	}
	if col, ok := c.Args[0].(*scalar.ColRef); ok {
		// A field of a column, as views over a table of ROWs read every
		// field (Nexmark's bid.price): one call, not three.
		i := col.Idx
		return func(row types.Row) (types.Value, error) {
			if i >= len(row) {
				return types.Null, errColumn(i, len(row))
			}
			vs, _ := row[i].X.([]types.Value)
			if row[i].K == types.KNull || idx >= len(vs) {
				return types.Null, nil
			}
			return vs[idx], nil
		}, nil
	}
	return strict1(args[0], func(r types.Value) (types.Value, error) {
		vs, _ := r.X.([]types.Value)
		if idx >= len(vs) {
			return types.Null, nil
		}
		return vs[idx], nil
	}), nil
}

// buildCardinality counts an array's elements or a map's entries.
func buildCardinality(c *scalar.Call, args []Func) (Func, error) {
	perEntry := 1
	if c.Args[0].Type().ID == types.Map {
		perEntry = 2
	}
	return strict1(args[0], func(x types.Value) (types.Value, error) {
		vs, _ := x.X.([]types.Value)
		return types.NewInt(int64(len(vs) / perEntry)), nil
	}), nil
}

// buildAnyEq is x = ANY(arr): true when an element equals x; else NULL
// when x, the array or an element is NULL; else false.
func buildAnyEq(_ *scalar.Call, args []Func) (Func, error) {
	return func(row types.Row) (types.Value, error) {
		x, err := args[0](row)
		if err != nil {
			return types.Null, err
		}
		arr, err := args[1](row)
		if err != nil || arr.IsNull() {
			return types.Null, err
		}
		return in(x, arrayRows(arr.List())), nil
	}, nil
}

func arrayRows(vs []types.Value) []types.Row {
	rows := make([]types.Row, len(vs))
	for i := range vs {
		rows[i] = vs[i : i+1]
	}
	return rows
}
