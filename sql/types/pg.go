package types

import "strings"

// pgTypes are the PostgreSQL types riffle has no family for but clients
// meet in pg_catalog and cast to: each is held as a riffle family and
// presents as its PostgreSQL name (Type.PG). The reg* types hold an OID and
// read as the name of the object it identifies.
var pgTypes = map[string]Type{
	"oid":          {ID: BigInt, PG: "oid"},
	"xid":          {ID: BigInt, PG: "xid"},
	"cid":          {ID: BigInt, PG: "cid"},
	"regclass":     {ID: BigInt, PG: "regclass"},
	"regtype":      {ID: BigInt, PG: "regtype"},
	"regproc":      {ID: BigInt, PG: "regproc"},
	"regprocedure": {ID: BigInt, PG: "regprocedure"},
	"regnamespace": {ID: BigInt, PG: "regnamespace"},
	"regrole":      {ID: BigInt, PG: "regrole"},
	"regoper":      {ID: BigInt, PG: "regoper"},
	"regoperator":  {ID: BigInt, PG: "regoperator"},
	"regconfig":    {ID: BigInt, PG: "regconfig"},
	"name":         {ID: Varchar, PG: "name"},
	"char":         {ID: Char, Length: 1, PG: "char"},
	"pg_node_tree": {ID: Varchar, PG: "pg_node_tree"},
	"aclitem":      {ID: Varchar, PG: "aclitem"},
	"tid":          {ID: Varchar, PG: "tid"},
	"int2vector":   {ID: Array, Elem: &Type{ID: SmallInt}, PG: "int2vector"},
	"oidvector":    {ID: Array, Elem: &Type{ID: BigInt, PG: "oid"}, PG: "oidvector"},
	// Held as their canonical text (pgtext.go): clients read and write
	// them, riffle computes nothing with them but equality.
	"point":     {ID: Varchar, PG: "point"},
	"int4range": {ID: Varchar, PG: "int4range"},
}

// PGType returns the type of a PostgreSQL catalog type name ("oid",
// "regclass", "name", "char", …; lower case, without pg_catalog.).
func PGType(name string) (Type, bool) {
	t, ok := pgTypes[strings.ToLower(name)]
	return t, ok
}

// IsReg reports whether t is one of the reg* types, whose text form is the
// name of the object its OID identifies.
func (t Type) IsReg() bool { return strings.HasPrefix(t.PG, "reg") }
