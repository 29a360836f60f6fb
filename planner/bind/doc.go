// Package bind resolves a parsed query against the catalog: it looks up
// tables and views, resolves column names, types every expression (through
// scalar.Resolve, which inserts implicit casts) and builds the logical plan.
//
// Errors carry the position of the name or expression they are about, found
// in the text the user wrote (the TiDB AST does not keep positions of
// expressions, so the binder asks the statement's Source where a name was
// written):
//
//	SELECT pricee FROM bids   →   error (42703) at 1:8: column "pricee" does not exist
package bind
