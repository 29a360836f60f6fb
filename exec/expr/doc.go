// Package expr evaluates bound scalar expressions (planner/scalar). Compile
// turns an expression tree into a tree of Go closures once, when an operator
// is built; evaluating a row is then a chain of direct calls, with no
// reflection, no lookups by name and no allocation for integer, float,
// boolean and temporal work (strings and decimals allocate what they build).
//
//	f, err := expr.Compile(e)              // e: price#2 * 0.908
//	v, err := f(types.Row{…, types.NewInt(100), …})  // 90.800
//
// Semantics are PostgreSQL's for scalar SQL: NULL in, NULL out for strict
// functions; AND, OR and NOT with three-valued logic; integer overflow is an
// error (22003 "integer out of range"), never a wrap; division by zero is
// 22012; DECIMAL is exact. MySQL functions (IF, IFNULL, DATE_FORMAT with %
// patterns) and Flink functions (SPLIT_INDEX, DATE_FORMAT with Java
// patterns, TO_TIMESTAMP, …) follow their own engines.
//
// The binder (scalar.Resolve) has already converted every argument to the
// type the function expects, so the evaluators here trust the types in the
// tree: an integer operand is a KInt, a DECIMAL one a KDecimal, and so on.
// A compiled Func keeps no state between calls and is safe for concurrent
// use.
//
// CompileEnv fixes what evaluation depends on besides the row (Env: the
// session time zone for TIMESTAMP_LTZ). Nested values (ARRAY, MAP, ROW) and
// JSON have their constructors and accessors in nested.go and json.go; the
// calls are listed in planner/scalar/funcs_nested.go.
package expr
