// Package types holds the data every layer of riffle shares: SQL types
// (Type), datums (Value), tuples (Row) and their Schema, and the unit of
// change that flows between operators (Change = Row + Diff, grouped in a
// Batch).
//
// A Value is a small struct, not an interface, so that a row of scalars costs
// one allocation for the slice and none per field; the decoder fills Values in
// place and operators pass them along. Types follow Flink SQL (BOOLEAN …
// ROW, plus JSON); the text rendering follows PostgreSQL's output format,
// because psql and every driver parse it.
//
//	row := types.Row{types.NewInt(1), types.NewString("a")}
//	fmt.Println(types.Text(row[1], types.TString)) // a
package types
