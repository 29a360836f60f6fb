package scalar

import (
	"fmt"
	"strings"

	"riffle/sql/types"
)

// Expr is a bound, typed scalar expression. It is pure data: exec/expr
// compiles it into an evaluator. Every node knows its result type.
type Expr interface {
	Type() types.Type
	String() string
}

// ColRef reads column Idx of the input row.
type ColRef struct {
	Idx  int
	Name string // for printing only
	T    types.Type
}

// Const is a literal (or a folded constant). A NULL constant has a type too.
type Const struct {
	V types.Value
	T types.Type
	// Param is set only while a statement is described for the extended
	// protocol: the untyped NULL stands for a $n parameter, and the first
	// conversion that gives it a type records the type there, for the
	// ParameterDescription clients read.
	Param *ParamType
}

// ParamType is the type inferred for a $n parameter (Unknown until a
// conversion gives it one).
type ParamType struct{ T types.Type }

// Call applies the function or operator Fn to Args. Fn is the lower-case
// canonical name ("+", "=", "and", "not", "is_null", "like", "concat",
// "upper", …); the list of names is Funcs, and exec/expr implements each one.
type Call struct {
	Fn   string
	Args []Expr
	T    types.Type
}

// Cast converts Arg to T with SQL CAST semantics; a value that does not
// convert is an error, or NULL when Try is set (TRY_CAST).
type Cast struct {
	Arg Expr
	T   types.Type
	Try bool
}

// Case is CASE WHEN c1 THEN r1 … [ELSE e] END. The simple form
// CASE x WHEN v THEN … is bound into this searched form by the binder.
type Case struct {
	Whens []When
	Else  Expr // nil means ELSE NULL
	T     types.Type
}

// When is one WHEN … THEN … arm.
type When struct {
	Cond, Then Expr
}

// Native is a function implemented by the binder's environment rather than
// the catalogue: PostgreSQL's catalog functions (format_type, pg_get_expr,
// pg_table_is_visible, …), whose answers come from the catalog as the
// statement was bound. Eval gets the argument values, which it must not
// keep, and returns the result, of type T.
type Native struct {
	Name string
	Args []Expr
	T    types.Type
	Eval func(args []types.Value) (types.Value, error)
}

func (e *Native) Type() types.Type { return e.T }

func (e *Native) String() string {
	args := make([]string, len(e.Args))
	for i, a := range e.Args {
		args[i] = a.String()
	}
	return e.Name + "(" + strings.Join(args, ", ") + ")"
}

func (e *ColRef) Type() types.Type { return e.T }
func (e *Const) Type() types.Type  { return e.T }
func (e *Call) Type() types.Type   { return e.T }
func (e *Cast) Type() types.Type   { return e.T }
func (e *Case) Type() types.Type   { return e.T }

func (e *ColRef) String() string { return fmt.Sprintf("%s#%d", e.Name, e.Idx) }

func (e *Const) String() string {
	switch {
	case e.V.IsNull():
		return "NULL"
	case e.V.K == types.KString:
		return "'" + strings.ReplaceAll(e.V.S, "'", "''") + "'"
	case e.T.IsTemporal():
		return e.T.ID.String() + " '" + types.Text(e.V, e.T) + "'"
	}
	return types.Text(e.V, e.T)
}

func (e *Call) String() string {
	args := make([]string, len(e.Args))
	for i, a := range e.Args {
		args[i] = a.String()
	}
	if IsInfix(e.Fn) && len(args) == 2 {
		return "(" + args[0] + " " + strings.ToUpper(e.Fn) + " " + args[1] + ")"
	}
	return e.Fn + "(" + strings.Join(args, ", ") + ")"
}

func (e *Cast) String() string {
	name := "CAST"
	if e.Try {
		name = "TRY_CAST"
	}
	return name + "(" + e.Arg.String() + " AS " + e.T.String() + ")"
}

func (e *Case) String() string {
	var b strings.Builder
	b.WriteString("CASE")
	for _, w := range e.Whens {
		b.WriteString(" WHEN " + w.Cond.String() + " THEN " + w.Then.String())
	}
	if e.Else != nil {
		b.WriteString(" ELSE " + e.Else.String())
	}
	b.WriteString(" END")
	return b.String()
}

// IsInfix reports whether Fn prints between its two arguments.
func IsInfix(fn string) bool {
	switch fn {
	case "+", "-", "*", "/", "%", "=", "<>", "<", "<=", ">", ">=", "and", "or", "||", "like", "is_distinct_from", "is_not_distinct_from":
		return true
	}
	return false
}
