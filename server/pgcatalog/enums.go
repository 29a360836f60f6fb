package pgcatalog

import (
	"strings"

	"riffle/catalog"
	"riffle/server/pgwire"
)

// The user-defined types (CREATE TYPE … AS ENUM) in pg_type and pg_enum,
// and the one range type riffle has (int4range) in pg_range. An enum takes
// the OIDs of its creation sequence number like a table (oids.go): the
// type's, and the next for its array type, as PostgreSQL gives every type
// one. pgx's LoadType, psycopg2 and JDBC read these rows to learn how to
// decode a column of the type.

// PostgreSQL's fixed OIDs for what the rows point at.
const (
	oidEnumIn      uint32 = 3504 // enum_in
	oidEnumCat     uint32 = 3501 // pg_enum, the class of an enum label
	oidInt4Multi   uint32 = 4451 // int4multirange
	oidInt4Ops     uint32 = 1978 // int4_ops, the btree operator class
	oidInt4Canon   uint32 = 3914 // int4range_canonical
	oidInt4Subdiff uint32 = 3922 // int4range_subdiff
	// firstLabelOID numbers the labels of pg_enum apart from every object:
	// label i of the type with sequence seq is firstLabelOID + seq<<12 + i.
	firstLabelOID uint32 = 1 << 30
)

func init() {
	builders["pg_catalog.pg_enum"] = func(env *Env, t *table) {
		for _, ut := range env.Types {
			for i, l := range ut.Labels {
				t.add("oid", firstLabelOID+uint32(ut.Seq)<<12+uint32(i), "enumtypid", ut.OID(),
					"enumsortorder", float64(i+1), "enumlabel", l)
			}
		}
	}
	builders["pg_catalog.pg_range"] = func(_ *Env, t *table) {
		t.add("rngtypid", pgwire.OIDInt4Range, "rngsubtype", pgwire.OIDInt4, "rngmultitypid", oidInt4Multi,
			"rngcollation", uint32(0), "rngsubopc", oidInt4Ops, "rngcanonical", oidInt4Canon, "rngsubdiff", oidInt4Subdiff)
	}
}

// userTypes adds the pg_type rows of the enums and their array types.
func userTypes(env *Env, t *table) {
	for _, ut := range env.Types {
		oid := ut.OID()
		t.add("oid", oid, "typname", ut.Name, "typnamespace", oidPublic, "typowner", oidRole,
			"typlen", 4, "typbyval", true, "typtype", "e", "typcategory", "E", "typisdefined", true,
			"typdelim", ",", "typarray", oid+1, "typinput", oidEnumIn, "typalign", "i", "typstorage", "p",
			"typtypmod", -1)
		t.add("oid", oid+1, "typname", "_"+ut.Name, "typnamespace", oidPublic, "typowner", oidRole,
			"typlen", -1, "typtype", "b", "typcategory", "A", "typisdefined", true, "typdelim", ",",
			"typelem", oid, "typinput", oidArrayIn, "typalign", "i", "typstorage", "x", "typtypmod", -1)
	}
}

// userType finds the enum one of whose OIDs is oid; array tells whether
// oid is its array type's.
func (env *Env) userType(oid uint32) (ut *catalog.UserType, array bool) {
	for _, ut := range env.Types {
		switch oid {
		case ut.OID():
			return ut, false
		case ut.OID() + 1:
			return ut, true
		}
	}
	return nil, false
}

// userTypeOID is the OID of the enum type name, or of its array type for
// "_name" or "name[]"; 0 when there is none.
func (env *Env) userTypeOID(name string) uint32 {
	name = strings.TrimPrefix(name, "public.")
	array := strings.HasSuffix(name, "[]")
	name = strings.TrimSuffix(name, "[]")
	for _, ut := range env.Types {
		switch {
		case strings.EqualFold(ut.Name, name) && array:
			return ut.OID() + 1
		case strings.EqualFold(ut.Name, name):
			return ut.OID()
		case !array && strings.EqualFold("_"+ut.Name, name):
			return ut.OID() + 1
		}
	}
	return 0
}

// formatType is FormatType that also knows the session's enum types.
func (env *Env) formatType(oid uint32, typmod int32) string {
	if ut, array := env.userType(oid); ut != nil {
		if array {
			return ut.Name + "[]"
		}
		return ut.Name
	}
	return FormatType(oid, typmod)
}
