package pgwire

import "riffle/sql/types"

// PostgreSQL type OIDs riffle's values travel as. They are pg_type.oid in
// every PostgreSQL since 8.x; drivers hard-code them, so they never change.
const (
	OIDUnknown     uint32 = 0 // "unspecified": the client picks, and sends text
	OIDBool        uint32 = 16
	OIDBytea       uint32 = 17
	OIDChar        uint32 = 18 // "char", the one-byte internal type
	OIDName        uint32 = 19
	OIDInt8        uint32 = 20
	OIDInt2        uint32 = 21
	OIDInt4        uint32 = 23
	OIDText        uint32 = 25
	OIDOid         uint32 = 26
	OIDJSON        uint32 = 114
	OIDFloat4      uint32 = 700
	OIDFloat8      uint32 = 701
	OIDBPChar      uint32 = 1042
	OIDVarchar     uint32 = 1043
	OIDDate        uint32 = 1082
	OIDTime        uint32 = 1083
	OIDTimestamp   uint32 = 1114
	OIDTimestampTZ uint32 = 1184
	OIDInterval    uint32 = 1186
	OIDNumeric     uint32 = 1700
	OIDJSONB       uint32 = 3802
	OIDPoint       uint32 = 600
	OIDInt4Range   uint32 = 3904
)

// TypeInfo is one row of the pg_type emulation: what the gateway announces
// for a type, and what pg_catalog must answer about the same OID.
type TypeInfo struct {
	OID  uint32
	Name string // pg_type.typname: "int4", "_int4", "timestamptz"
	// Len is pg_type.typlen: the fixed size in bytes, or -1 for variable
	// length. RowDescription carries it as the column's type size.
	Len int16
	// Elem is the element OID of an array type (pg_type.typelem), else 0.
	Elem uint32
	// Array is the OID of the array type whose elements are this type
	// (pg_type.typarray), else 0.
	Array uint32
	// Category is pg_type.typcategory: 'B'oolean, 'N'umeric, 'S'tring,
	// 'D'ate/time, 'T'imespan, 'U'ser, 'A'rray, 'G'eometric, 'R'ange.
	Category byte
}

// typeTable lists every OID the gateway sends or understands, scalars first,
// then their arrays. pg_catalog serves it as pg_type.
var typeTable = []TypeInfo{
	{OIDBool, "bool", 1, 0, 1000, 'B'},
	{OIDBytea, "bytea", -1, 0, 1001, 'U'},
	{OIDChar, "char", 1, 0, 1002, 'Z'},
	{OIDName, "name", 64, 0, 1003, 'S'},
	{OIDInt8, "int8", 8, 0, 1016, 'N'},
	{OIDInt2, "int2", 2, 0, 1005, 'N'},
	{OIDInt4, "int4", 4, 0, 1007, 'N'},
	{OIDText, "text", -1, 0, 1009, 'S'},
	{OIDOid, "oid", 4, 0, 1028, 'N'},
	{OIDJSON, "json", -1, 0, 199, 'U'},
	{OIDFloat4, "float4", 4, 0, 1021, 'N'},
	{OIDFloat8, "float8", 8, 0, 1022, 'N'},
	{OIDBPChar, "bpchar", -1, 0, 1014, 'S'},
	{OIDVarchar, "varchar", -1, 0, 1015, 'S'},
	{OIDDate, "date", 4, 0, 1182, 'D'},
	{OIDTime, "time", 8, 0, 1183, 'D'},
	{OIDTimestamp, "timestamp", 8, 0, 1115, 'D'},
	{OIDTimestampTZ, "timestamptz", 8, 0, 1185, 'D'},
	{OIDInterval, "interval", 16, 0, 1187, 'T'},
	{OIDNumeric, "numeric", -1, 0, 1231, 'N'},
	{OIDJSONB, "jsonb", -1, 0, 3807, 'U'},
	{22, "int2vector", -1, OIDInt2, 1006, 'A'},
	{24, "regproc", 4, 0, 1008, 'N'},
	{27, "tid", 6, 0, 1010, 'U'},
	{28, "xid", 4, 0, 1011, 'U'},
	{29, "cid", 4, 0, 1012, 'U'},
	{30, "oidvector", -1, OIDOid, 1013, 'A'},
	{194, "pg_node_tree", -1, 0, 0, 'Z'},
	{1033, "aclitem", 12, 0, 1034, 'U'},
	{2202, "regprocedure", 4, 0, 2207, 'N'},
	{2203, "regoper", 4, 0, 2208, 'N'},
	{2204, "regoperator", 4, 0, 2209, 'N'},
	{2205, "regclass", 4, 0, 2210, 'N'},
	{2206, "regtype", 4, 0, 2211, 'N'},
	{3734, "regconfig", 4, 0, 3735, 'N'},
	{4089, "regnamespace", 4, 0, 4090, 'N'},
	{4096, "regrole", 4, 0, 4097, 'N'},
	{2278, "void", 4, 0, 0, 'P'},
	{OIDPoint, "point", 16, 0, 1017, 'G'},
	{OIDInt4Range, "int4range", -1, 0, 3905, 'R'},

	{1000, "_bool", -1, OIDBool, 0, 'A'},
	{1001, "_bytea", -1, OIDBytea, 0, 'A'},
	{1002, "_char", -1, OIDChar, 0, 'A'},
	{1003, "_name", -1, OIDName, 0, 'A'},
	{1016, "_int8", -1, OIDInt8, 0, 'A'},
	{1005, "_int2", -1, OIDInt2, 0, 'A'},
	{1007, "_int4", -1, OIDInt4, 0, 'A'},
	{1009, "_text", -1, OIDText, 0, 'A'},
	{1028, "_oid", -1, OIDOid, 0, 'A'},
	{199, "_json", -1, OIDJSON, 0, 'A'},
	{1021, "_float4", -1, OIDFloat4, 0, 'A'},
	{1022, "_float8", -1, OIDFloat8, 0, 'A'},
	{1014, "_bpchar", -1, OIDBPChar, 0, 'A'},
	{1015, "_varchar", -1, OIDVarchar, 0, 'A'},
	{1182, "_date", -1, OIDDate, 0, 'A'},
	{1183, "_time", -1, OIDTime, 0, 'A'},
	{1115, "_timestamp", -1, OIDTimestamp, 0, 'A'},
	{1185, "_timestamptz", -1, OIDTimestampTZ, 0, 'A'},
	{1187, "_interval", -1, OIDInterval, 0, 'A'},
	{1231, "_numeric", -1, OIDNumeric, 0, 'A'},
	{3807, "_jsonb", -1, OIDJSONB, 0, 'A'},
	{1006, "_int2vector", -1, 22, 0, 'A'},
	{1008, "_regproc", -1, 24, 0, 'A'},
	{1010, "_tid", -1, 27, 0, 'A'},
	{1011, "_xid", -1, 28, 0, 'A'},
	{1012, "_cid", -1, 29, 0, 'A'},
	{1013, "_oidvector", -1, 30, 0, 'A'},
	{1034, "_aclitem", -1, 1033, 0, 'A'},
	{2207, "_regprocedure", -1, 2202, 0, 'A'},
	{2208, "_regoper", -1, 2203, 0, 'A'},
	{2209, "_regoperator", -1, 2204, 0, 'A'},
	{2210, "_regclass", -1, 2205, 0, 'A'},
	{2211, "_regtype", -1, 2206, 0, 'A'},
	{3735, "_regconfig", -1, 3734, 0, 'A'},
	{4090, "_regnamespace", -1, 4089, 0, 'A'},
	{4097, "_regrole", -1, 4096, 0, 'A'},
	{1017, "_point", -1, OIDPoint, 0, 'A'},
	{3905, "_int4range", -1, OIDInt4Range, 0, 'A'},
}

var typeByOID = func() map[uint32]TypeInfo {
	m := make(map[uint32]TypeInfo, len(typeTable))
	for _, t := range typeTable {
		m[t.OID] = t
	}
	return m
}()

// typeByName finds the OID of a PostgreSQL catalog type (types.Type.PG).
var typeByName = func() map[string]uint32 {
	m := make(map[string]uint32, len(typeTable))
	for _, t := range typeTable {
		m[t.Name] = t.OID
	}
	return m
}()

// Types returns the pg_type rows of every OID the gateway uses, in a fixed
// order. The caller must not modify the slice.
func Types() []TypeInfo { return typeTable }

// LookupOID returns what the gateway knows about oid.
func LookupOID(oid uint32) (TypeInfo, bool) {
	t, ok := typeByOID[oid]
	return t, ok
}

// TypeName returns pg_type.typname of oid ("int4", "_text"), or "unknown"
// for an OID the gateway does not use.
func TypeName(oid uint32) string {
	if t, ok := typeByOID[oid]; ok {
		return t.Name
	}
	return "unknown"
}

// OID returns the PostgreSQL type OID a value of riffle type t is sent as.
//
// Unbounded VARCHAR (STRING) is sent as text (25), bounded VARCHAR(n) as
// varchar (1043): that is what PostgreSQL itself reports for text columns and
// string expressions, so psql aligns and pgx/JDBC map both to strings with no
// length to enforce. JSON is sent as json (114), not jsonb: riffle keeps the
// JSON text as written, and jsonb would promise a normalized form (sorted
// keys, no duplicates) it does not have. MAP and ROW have no PostgreSQL
// counterpart clients can decode, so they travel as text, as do arrays of
// them. Unknown (an untyped NULL) is 0, "unspecified"; RowDescription turns
// that into text, as PostgreSQL does for `SELECT NULL`.
func OID(t types.Type) uint32 {
	if t.IsEnum() {
		return t.OID
	}
	if t.PG != "" {
		if oid, ok := typeByName[t.PG]; ok {
			return oid
		}
	}
	switch t.ID {
	case types.Unknown:
		return OIDUnknown
	case types.Boolean:
		return OIDBool
	case types.TinyInt, types.SmallInt:
		return OIDInt2
	case types.Int:
		return OIDInt4
	case types.BigInt:
		return OIDInt8
	case types.Float:
		return OIDFloat4
	case types.Double:
		return OIDFloat8
	case types.Decimal:
		return OIDNumeric
	case types.Char:
		return OIDBPChar
	case types.Varchar:
		if t.Length > 0 {
			return OIDVarchar
		}
		return OIDText
	case types.Binary, types.Varbinary:
		return OIDBytea
	case types.Date:
		return OIDDate
	case types.Time:
		return OIDTime
	case types.Timestamp:
		return OIDTimestamp
	case types.TimestampLTZ:
		return OIDTimestampTZ
	case types.IntervalYM, types.IntervalDT:
		return OIDInterval
	case types.JSON:
		return OIDJSON
	case types.Array:
		if t.Elem == nil {
			return OIDText
		}
		if t.Elem.IsEnum() {
			return t.Elem.OID + 1 // the enum's array type (pgcatalog)
		}
		if elem, ok := typeByOID[OID(*t.Elem)]; ok && elem.Array != 0 && elem.Category != 'A' {
			return elem.Array
		}
		return OIDText
	}
	return OIDText
}

// columnOID is the OID a result column announces: like OID, but a column
// of unknown type is text, as in PostgreSQL.
func columnOID(t types.Type) uint32 {
	if oid := OID(t); oid != OIDUnknown {
		return oid
	}
	return OIDText
}

// TypeSize returns pg_type.typlen of oid: the fixed width in bytes, or -1.
func TypeSize(oid uint32) int16 {
	if t, ok := typeByOID[oid]; ok {
		return t.Len
	}
	return -1
}

// TypeMod returns the type modifier PostgreSQL attaches to a column of type
// t (pg_attribute.atttypmod), or -1: VARCHAR(n) and CHAR(n) are n+4,
// DECIMAL(p,s) is ((p<<16)|s)+4, TIME(p) and TIMESTAMP(p) are p. JDBC's
// ResultSetMetaData reads precision and scale from it.
func TypeMod(t types.Type) int32 {
	switch t.ID {
	case types.Char, types.Varchar:
		if t.Length > 0 {
			return int32(t.Length) + 4
		}
	case types.Decimal:
		if t.Precision > 0 {
			return int32(t.Precision<<16|t.Scale) + 4
		}
	case types.Time, types.Timestamp, types.TimestampLTZ:
		if t.Precision > 0 && t.Precision <= 6 {
			return int32(t.Precision)
		}
	}
	return -1
}
