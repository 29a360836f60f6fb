package runtime

import (
	"riffle/exec/expr"
	"riffle/planner/logical"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// tableFunc computes the rows of a set-returning function in FROM.
func tableFunc(f *logical.TableFunc) (types.Batch, error) {
	args := make([]types.Value, len(f.Args))
	for i, a := range f.Args {
		fn, err := expr.Compile(a)
		if err != nil {
			return nil, err
		}
		if args[i], err = fn(nil); err != nil {
			return nil, err
		}
	}
	var vals []types.Value
	switch f.Name {
	case "unnest":
		if !args[0].IsNull() {
			vals = args[0].List()
		}
	case "generate_series":
		if args[0].IsNull() || args[1].IsNull() {
			break
		}
		step := int64(1)
		if len(args) > 2 {
			if args[2].IsNull() {
				break
			}
			step = args[2].Int()
		}
		if step == 0 {
			return nil, sqlerr.New(sqlerr.InvalidParameter, "step size cannot equal zero")
		}
		for v := args[0].Int(); (step > 0 && v <= args[1].Int()) || (step < 0 && v >= args[1].Int()); {
			vals = append(vals, types.NewInt(v))
			if len(vals) > maxSnapshotValues {
				return nil, tooLarge()
			}
			next := v + step
			if (step > 0) != (next > v) {
				break // the next value would overflow
			}
			v = next
		}
	case "generate_subscripts":
		if !args[0].IsNull() && !args[1].IsNull() && args[1].Int() == 1 {
			for i := range args[0].List() {
				vals = append(vals, types.NewInt(int64(i+1)))
			}
		}
	case "pg_partition_ancestors":
		if !args[0].IsNull() {
			vals = []types.Value{args[0]}
		}
	case parse.ValueSRF:
		vals = []types.Value{args[0]} // one row, NULL or not, as PostgreSQL
	default:
		return nil, sqlerr.New(sqlerr.UndefinedFunction, "function %s does not exist", f.Name)
	}
	out := make(types.Batch, len(vals))
	for i, v := range vals {
		row := types.Row{v}
		if f.Ordinality {
			row = append(row, types.NewInt(int64(i+1)))
		}
		out[i] = types.Change{Row: row, Diff: 1}
	}
	return out, nil
}

// expand runs a select list's set-returning functions for each input row
// (logical.Expand).
func expand(x *logical.Expand, in types.Batch) (types.Batch, error) {
	args := make([]expr.Func, len(x.Funcs))
	for i, f := range x.Funcs {
		c, err := expr.Compile(f.Args[0])
		if err != nil {
			return nil, err
		}
		args[i] = c
	}
	var out types.Batch
	lists := make([][]types.Value, len(x.Funcs))
	for _, c := range in {
		n := 0
		for i, a := range args {
			v, err := a(c.Row)
			if err != nil {
				return nil, err
			}
			switch {
			case v.IsNull():
				lists[i] = nil
			case x.Funcs[i].Fn == "srf:pg_partition_ancestors":
				lists[i] = []types.Value{v}
			case x.Funcs[i].Fn == "srf:generate_subscripts":
				base := int64(1)
				if pg := x.Funcs[i].Args[0].Type().PG; pg == "int2vector" || pg == "oidvector" {
					base = 0
				}
				lists[i] = make([]types.Value, len(v.List()))
				for k := range lists[i] {
					lists[i][k] = types.NewInt(base + int64(k))
				}
			default:
				lists[i] = v.List()
			}
			n = max(n, len(lists[i]))
		}
		for k := range n {
			row := append(make(types.Row, 0, len(c.Row)+len(args)), c.Row...)
			for i, f := range x.Funcs {
				v := types.Null
				if k < len(lists[i]) {
					v = lists[i][k]
					if f.Fn == "srf:_pg_expandarray" {
						v = types.Value{K: types.KRow, X: []types.Value{v, types.NewInt(int64(k + 1))}}
					}
				}
				row = append(row, v)
			}
			out = append(out, types.Change{Row: row, Diff: c.Diff})
		}
	}
	return out, nil
}
