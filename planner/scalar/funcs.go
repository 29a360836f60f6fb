package scalar

import (
	"errors"
	"slices"
	"strings"

	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// funcDef is one entry of the catalogue: the arity Resolve checks, the
// signatures shown in the hint when no overload matches, and the resolver
// that types the arguments and picks the result type.
type funcDef struct {
	minArgs, maxArgs int // maxArgs < 0: any number from minArgs
	sigs             []string
	resolve          func(fn string, args []Expr) (Expr, error)
}

// errNoMatch is what a resolver returns when the argument types fit none of
// its signatures; Resolve turns it into the user's error.
var errNoMatch = errors.New("no match")

var catalogue map[string]funcDef

func init() {
	catalogue = map[string]funcDef{}
	registerOperators()
	registerStrings()
	registerMath()
	registerTime()
	registerNested()
	registerPG()
	registerZoned()
}

func register(names []string, d funcDef) {
	for _, n := range names {
		if _, dup := catalogue[n]; dup {
			panic("scalar: function registered twice: " + n)
		}
		catalogue[n] = d
	}
}

// Resolve types the call fn(args...) and returns the bound expression,
// usually a *Call whose arguments have been converted (by inserted Casts, or
// by typing untyped literals) to the types exec/expr expects for that
// function, and whose T is the result type. fn is the lower-case canonical
// name; Funcs lists them.
//
// Errors are *sqlerr.Error without a position (the binder positions them):
// 42883 when no function of that name takes these argument types (with a
// hint listing the signatures that exist), 42804 when an operator does not
// apply to its operand types, 22P02 when an untyped literal does not parse
// as the type the context needs.
func Resolve(fn string, args []Expr) (Expr, error) {
	d, ok := catalogue[fn]
	if !ok {
		return nil, sqlerr.New(sqlerr.UndefinedFunction, "function %s does not exist", describe(fn, args))
	}
	if len(args) < d.minArgs || (d.maxArgs >= 0 && len(args) > d.maxArgs) {
		return nil, noMatch(fn, args, d)
	}
	e, err := d.resolve(fn, args)
	if errors.Is(err, errNoMatch) {
		return nil, noMatch(fn, args, d)
	}
	return e, err
}

// Funcs returns every name Resolve accepts, sorted.
func Funcs() []string {
	names := make([]string, 0, len(catalogue))
	for n := range catalogue {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

var operatorNames = map[string]string{
	"neg": "-", "not": "NOT", "not_like": "NOT LIKE", "ilike": "ILIKE", "like": "LIKE",
	"is_distinct_from": "IS DISTINCT FROM", "is_not_distinct_from": "IS NOT DISTINCT FROM",
	"and": "AND", "or": "OR", "xor": "XOR", "div": "DIV",
}

func isOperator(fn string) bool {
	_, named := operatorNames[fn]
	return named || IsInfix(fn)
}

func noMatch(fn string, args []Expr, d funcDef) error {
	if isOperator(fn) && len(args) <= 2 {
		op := operatorNames[fn]
		if op == "" {
			op = fn
		}
		var b strings.Builder
		b.WriteString("operator does not exist: ")
		if len(args) == 2 {
			b.WriteString(args[0].Type().String() + " ")
		}
		b.WriteString(op)
		if len(args) > 0 {
			b.WriteString(" " + args[len(args)-1].Type().String())
		}
		// PostgreSQL: a logical operator over a non-boolean is a datatype
		// mismatch (42804); any other missing operator is undefined (42883).
		code := sqlerr.UndefinedFunction
		if fn == "and" || fn == "or" || fn == "not" || fn == "xor" {
			code = sqlerr.DatatypeMismatch
		}
		return sqlerr.New(code, "%s", b.String())
	}
	e := sqlerr.New(sqlerr.UndefinedFunction, "function %s does not exist", describe(fn, args))
	if len(d.sigs) > 0 {
		e.WithHint("accepted signatures: %s", strings.Join(d.sigs, ", "))
	}
	return e
}

func describe(fn string, args []Expr) string {
	ts := make([]string, len(args))
	for i, a := range args {
		ts[i] = a.Type().String()
	}
	return fn + "(" + strings.Join(ts, ", ") + ")"
}

func call(fn string, t types.Type, args ...Expr) *Call {
	return &Call{Fn: fn, Args: args, T: t}
}
