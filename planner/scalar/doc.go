// Package scalar holds bound scalar expressions: the typed expression trees
// the binder produces from the TiDB AST and exec/expr compiles into
// evaluators. They are plain data, so plans that contain them can be printed,
// compared in golden files and stored.
//
//	(price#2 * 0.908)            Call{Fn: "*", Args: [ColRef 2, Const 0.908]}
//	CAST(ts#3 AS DATE)           Cast{Arg: ColRef 3, T: DATE}
package scalar
