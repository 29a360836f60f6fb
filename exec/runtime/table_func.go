package runtime

import (
	"riffle/exec/expr"
	"riffle/planner/logical"
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
			return nil, sqlerr.New("22023", "step size cannot equal zero")
		}
		for v := args[0].Int(); (step > 0 && v <= args[1].Int()) || (step < 0 && v >= args[1].Int()); v += step {
			vals = append(vals, types.NewInt(v))
			if len(vals) > 10_000_000 {
				return nil, sqlerr.New(sqlerr.FeatureNotSupported, "generate_series of more than 10 million rows is not supported")
			}
		}
	case "generate_subscripts":
		if !args[0].IsNull() && !args[1].IsNull() && args[1].Int() == 1 {
			for i := range args[0].List() {
				vals = append(vals, types.NewInt(int64(i+1)))
			}
		}
	case "relid":
		if !args[0].IsNull() {
			vals = []types.Value{args[0]}
		}
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
