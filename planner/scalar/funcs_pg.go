package scalar

import (
	"strings"

	"riffle/sql/types"
)

// registerPG adds the PostgreSQL functions its clients and BI tools call on
// ordinary values: arrays as text, date_trunc, now(), btrim.
func registerPG() {
	str := retT(types.TString)
	register([]string{"array_to_string"}, funcDef{minArgs: 2, maxArgs: 3,
		sigs: []string{"ARRAY_TO_STRING(ARRAY, STRING [, STRING])"}, resolve: resolveArrayToString})
	named([]string{"string_to_array"}, sig{text: "(STRING, STRING)", params: p(cString, cString), min: 2,
		ret: retT(types.Type{ID: types.Array, Elem: &types.TString})})
	named([]string{"parse_ident"}, sig{text: "(STRING [, BOOLEAN strict])", params: p(cString, cBool), min: 1,
		ret: retT(types.Type{ID: types.Array, Elem: &types.TString})})
	register([]string{"array_length", "array_lower", "array_upper"}, funcDef{minArgs: 2, maxArgs: 2,
		sigs: []string{"(ARRAY, INT)"}, resolve: resolveArrayDim})
	// a || b reaches the binder as CONCAT (TiDB's PIPES_AS_CONCAT); on
	// arrays it is PostgreSQL's array_cat.
	concat := catalogue["concat"]
	ofText := concat.resolve
	concat.resolve = func(fn string, args []Expr) (Expr, error) {
		if len(args) == 2 && (args[0].Type().ID == types.Array || args[1].Type().ID == types.Array) {
			return resolveArrayCat(args)
		}
		return ofText(fn, args)
	}
	concat.sigs = append(concat.sigs, "ARRAY || ARRAY")
	catalogue["concat"] = concat
	register([]string{"array_cat"}, funcDef{minArgs: 2, maxArgs: 2, sigs: []string{"ARRAY || ARRAY"},
		resolve: func(_ string, args []Expr) (Expr, error) { return resolveArrayCat(args) }})
	register([]string{"&", "|", "<<", ">>"}, funcDef{minArgs: 2, maxArgs: 2, sigs: []string{"INTEGER op INTEGER"},
		resolve: resolveBitwise})
	register([]string{"json_build_object"}, funcDef{minArgs: 0, maxArgs: -1, sigs: []string{"JSON_BUILD_OBJECT(key, value, ...)"},
		resolve: func(fn string, args []Expr) (Expr, error) {
			if len(args)%2 != 0 {
				return nil, errNoMatch
			}
			out := make([]Expr, len(args))
			for i, a := range args {
				e := a
				if isUnknown(a) || i%2 == 0 {
					var err error
					if e, err = fitArg(cText, a); err != nil {
						return nil, err
					}
				}
				out[i] = e
			}
			return call(fn, types.Type{ID: types.JSON}, out...), nil
		}})
	named([]string{"quote_ident"}, sig{text: "(STRING)", params: p(cString), min: 1, ret: str})
	named([]string{"format"}, sig{text: "(STRING format, any ...)", params: p(cString, cText), min: 1, variadic: true, ret: str})
	named([]string{"btrim"}, sig{text: "(STRING [, STRING])", params: p(cString, cString), min: 1, ret: str})
	register([]string{"date_trunc"}, funcDef{minArgs: 2, maxArgs: 2,
		sigs: []string{"DATE_TRUNC(STRING unit, TIMESTAMP)"}, resolve: resolveDateTrunc})
	register([]string{"now", "current_timestamp", "transaction_timestamp", "statement_timestamp"}, funcDef{
		minArgs: 0, maxArgs: 0, sigs: []string{"NOW()"}, resolve: func(fn string, args []Expr) (Expr, error) {
			return call("now", types.Type{ID: types.TimestampLTZ, Precision: 6}), nil
		}})
}

func resolveArrayToString(fn string, args []Expr) (Expr, error) {
	if args[0].Type().ID != types.Array {
		return nil, errNoMatch
	}
	out := []Expr{args[0]}
	for _, a := range args[1:] {
		e, err := fitArg(cString, a)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return call(fn, types.TString, out...), nil
}

func resolveArrayDim(fn string, args []Expr) (Expr, error) {
	if args[0].Type().ID != types.Array {
		return nil, errNoMatch
	}
	dim, err := fitArg(cInt, args[1])
	if err != nil {
		return nil, err
	}
	return call(fn, types.TInt, args[0], dim), nil
}

// resolveDateTrunc is date_trunc('month', ts): FLOOR(ts TO MONTH).
func resolveDateTrunc(fn string, args []Expr) (Expr, error) {
	c, ok := args[0].(*Const)
	if !ok || c.V.K != types.KString {
		return nil, errNoMatch
	}
	unit := &Const{V: types.NewString(strings.ToUpper(c.V.S)), T: types.TString}
	return Resolve("floor", []Expr{args[1], unit})
}

// resolveBitwise types &, |, << and >> on integers: the wider operand's
// type (the shift's left operand's).
func resolveBitwise(fn string, args []Expr) (Expr, error) {
	for i, a := range args {
		if isUnknown(a) {
			var err error
			if args[i], err = coerce(a, types.TInt); err != nil {
				return nil, err
			}
		}
	}
	a, b := args[0].Type(), args[1].Type()
	if !a.IsInteger() || !b.IsInteger() {
		return nil, errNoMatch
	}
	t := a
	if (fn == "&" || fn == "|") && b.ID > a.ID {
		t = b
	}
	x, err := coerce(args[0], t)
	if err != nil {
		return nil, err
	}
	return call(fn, t, x, args[1]), nil
}
