package pgcatalog

import (
	"riffle/server/pgwire"
)

// oidArrayIn is pg_proc's array_in: JDBC tells array types by their
// typinput.
const oidArrayIn uint32 = 750

// The type catalogs: every type the gateway sends, and a row type per
// relation, as PostgreSQL has one for each table.
func init() {
	builders["pg_catalog.pg_type"] = func(env *Env, t *table) {
		for _, ti := range pgwire.Types() {
			typtype, input, coll, delim := "b", uint32(0), uint32(0), ","
			if ti.Category == 'A' {
				input = oidArrayIn
			}
			if ti.Category == 'R' {
				typtype = "r"
			}
			if ti.Category == 'S' && ti.Name != "name" {
				coll = oidDefaultColl
			}
			if ti.Name == "name" {
				coll = 950 // "C"
			}
			t.add("oid", ti.OID, "typname", ti.Name, "typnamespace", oidPGCatalog, "typowner", oidRole,
				"typlen", int(ti.Len), "typbyval", ti.Len > 0 && ti.Len <= 8, "typtype", typtype,
				"typcategory", string(ti.Category), "typisdefined", true, "typdelim", delim,
				"typelem", ti.Elem, "typarray", ti.Array, "typinput", input, "typalign", "i",
				"typstorage", storage(ti.OID), "typtypmod", -1, "typcollation", coll)
		}
		userTypes(env, t)
		for _, o := range env.Objects {
			t.add("oid", typeOID(o), "typname", o.Name, "typnamespace", oidPublic, "typowner", oidRole,
				"typlen", -1, "typtype", "c", "typcategory", "C", "typisdefined", true, "typdelim", ",",
				"typrelid", relOID(o), "typalign", "d", "typstorage", "x", "typtypmod", -1)
		}
	}
	builders["pg_catalog.pg_collation"] = func(env *Env, t *table) {
		t.add("oid", oidDefaultColl, "collname", "default", "collnamespace", oidPGCatalog, "collowner", oidRole,
			"collprovider", "d", "collisdeterministic", true, "collencoding", -1)
		t.add("oid", uint32(950), "collname", "C", "collnamespace", oidPGCatalog, "collowner", oidRole,
			"collprovider", "c", "collisdeterministic", true, "collencoding", -1, "collcollate", "C", "collctype", "C")
		t.add("oid", uint32(951), "collname", "POSIX", "collnamespace", oidPGCatalog, "collowner", oidRole,
			"collprovider", "c", "collisdeterministic", true, "collencoding", -1, "collcollate", "POSIX", "collctype", "POSIX")
	}
}
