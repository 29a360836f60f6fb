package pgcatalog

import (
	"fmt"
	"strings"

	"riffle/server/pgwire"
)

// sqlNames are the names format_type and information_schema give types
// whose SQL name differs from pg_type.typname.
var sqlNames = map[string]string{
	"int2": "smallint", "int4": "integer", "int8": "bigint", "bool": "boolean",
	"float4": "real", "float8": "double precision", "varchar": "character varying",
	"bpchar": "character", "timestamp": "timestamp without time zone",
	"timestamptz": "timestamp with time zone", "time": "time without time zone",
	"char": `"char"`,
}

// FormatType is format_type(oid, typmod): a type's SQL name with its
// modifiers, as \d and JDBC show column types ("numeric(12,2)",
// "timestamp(3) with time zone", "text[]"). An OID no type has reads "???",
// as in PostgreSQL.
func FormatType(oid uint32, typmod int32) string {
	ti, ok := pgwire.LookupOID(oid)
	if !ok {
		return "???"
	}
	if ti.Category == 'A' && ti.Elem != 0 && ti.Name[0] == '_' {
		return FormatType(ti.Elem, typmod) + "[]"
	}
	name, ok := sqlNames[ti.Name]
	if !ok {
		name = ti.Name
	}
	if typmod < 0 {
		return name
	}
	switch ti.Name {
	case "numeric":
		m := typmod - 4
		return fmt.Sprintf("numeric(%d,%d)", m>>16, m&0xffff)
	case "varchar", "bpchar":
		return fmt.Sprintf("%s(%d)", name, typmod-4)
	case "timestamp", "timestamptz", "time":
		base, zone, _ := strings.Cut(name, " ")
		return fmt.Sprintf("%s(%d) %s", base, typmod, zone)
	}
	return name
}

// DataType is information_schema's data_type of a type: its SQL name
// without modifiers, "ARRAY" for arrays.
func DataType(oid uint32) string {
	ti, ok := pgwire.LookupOID(oid)
	switch {
	case !ok:
		return "USER-DEFINED"
	case ti.Category == 'A':
		return "ARRAY"
	}
	if name, ok := sqlNames[ti.Name]; ok {
		return strings.Trim(name, `"`)
	}
	return ti.Name
}
