package pgcatalog

import (
	"strings"

	"riffle/catalog"
	"riffle/server/pgwire"
	"riffle/sql/types"
)

// namespaces are the schemas riffle's database has.
var namespaces = []struct {
	oid  uint32
	name string
}{{oidPGCatalog, "pg_catalog"}, {oidPublic, "public"}, {oidInfoSchema, "information_schema"}, {oidPGToast, "pg_toast"}}

// The relations that describe relations: namespaces, relations, their
// columns, keys and column defaults.
func init() {
	builders["pg_catalog.pg_namespace"] = func(env *Env, t *table) {
		for _, ns := range namespaces {
			t.add("oid", ns.oid, "nspname", ns.name, "nspowner", oidRole)
		}
	}
	builders["pg_catalog.pg_am"] = func(env *Env, t *table) {
		t.add("oid", oidHeap, "amname", "heap", "amhandler", 3, "amtype", "t")
		t.add("oid", oidBtree, "amname", "btree", "amhandler", 330, "amtype", "i")
	}
	builders["pg_catalog.pg_class"] = buildClass
	builders["pg_catalog.pg_attribute"] = buildAttribute
	builders["pg_catalog.pg_attrdef"] = func(env *Env, t *table) {
		for _, o := range env.Objects {
			for i, c := range o.Columns {
				if c.Computed != "" {
					t.add("oid", relOID(o)<<8+uint32(i), "adrelid", relOID(o), "adnum", i+1, "adbin", c.Computed)
				}
			}
		}
	}
	builders["pg_catalog.pg_index"] = func(env *Env, t *table) {
		for _, o := range env.Objects {
			if len(o.PrimaryKey) == 0 {
				continue
			}
			t.add("indexrelid", pkeyOID(o), "indrelid", relOID(o), "indnatts", len(o.PrimaryKey),
				"indnkeyatts", len(o.PrimaryKey), "indisunique", true, "indisprimary", true, "indimmediate", true,
				"indisvalid", true, "indcheckxmin", false, "indisready", true, "indislive", true,
				"indkey", attnums(o.PrimaryKey), "indcollation", make([]uint32, len(o.PrimaryKey)),
				"indclass", make([]uint32, len(o.PrimaryKey)), "indoption", make([]int, len(o.PrimaryKey)))
		}
	}
	builders["pg_catalog.pg_constraint"] = func(env *Env, t *table) {
		for _, o := range env.Objects {
			if len(o.PrimaryKey) == 0 {
				continue
			}
			t.add("oid", conOID(o), "conname", pkeyName(o), "connamespace", oidPublic, "contype", "p",
				"convalidated", true, "conrelid", relOID(o), "conindid", pkeyOID(o), "conkey", attnums(o.PrimaryKey),
				"confupdtype", " ", "confdeltype", " ", "confmatchtype", " ", "conislocal", true)
		}
	}
	builders["pg_catalog.pg_tables"] = func(env *Env, t *table) {
		for _, o := range env.Objects {
			if o.Kind == catalog.Table {
				t.add("schemaname", "public", "tablename", o.Name, "tableowner", env.User, "hasindexes", len(o.PrimaryKey) > 0)
			}
		}
	}
	builders["pg_catalog.pg_views"] = func(env *Env, t *table) {
		for _, o := range env.Objects {
			if o.Kind == catalog.View {
				t.add("schemaname", "public", "viewname", o.Name, "viewowner", env.User, "definition", definition(o))
			}
		}
	}
	builders["pg_catalog.pg_matviews"] = func(env *Env, t *table) {
		for _, o := range env.Objects {
			if o.Kind == catalog.MaterializedView {
				t.add("schemaname", "public", "matviewname", o.Name, "matviewowner", env.User,
					"ispopulated", true, "definition", definition(o))
			}
		}
	}
	builders["pg_catalog.pg_stat_user_tables"] = func(env *Env, t *table) {
		for _, o := range env.Objects {
			if o.Kind == catalog.Table {
				t.add("relid", relOID(o), "schemaname", "public", "relname", o.Name)
			}
		}
	}
}

// buildClass lists riffle's tables, views and materialized views, the
// indexes of their primary keys, and the system relations themselves.
func buildClass(env *Env, t *table) {
	for _, o := range env.Objects {
		hasKey := len(o.PrimaryKey) > 0
		am := oidHeap
		if o.Kind == catalog.View {
			am = 0
		}
		t.add("oid", relOID(o), "relname", o.Name, "relnamespace", oidPublic, "reltype", typeOID(o),
			"relowner", oidRole, "relam", am, "relfilenode", relOID(o), "reltuples", float64(-1),
			"relhasindex", hasKey, "relpersistence", "p", "relkind", relkind(o),
			"relnatts", len(o.Schema.Columns), "relreplident", "d", "relhasrules", o.Kind == catalog.View,
			"relispopulated", true)
		if hasKey {
			t.add("oid", pkeyOID(o), "relname", pkeyName(o), "relnamespace", oidPublic, "relowner", oidRole,
				"relam", oidBtree, "relfilenode", pkeyOID(o), "reltuples", float64(-1), "relpersistence", "p",
				"relkind", "i", "relnatts", len(o.PrimaryKey), "relreplident", "n", "relispopulated", true)
		}
	}
	for _, name := range Names() {
		r := relations[name]
		oid := systemOIDs[name]
		kind := "r"
		if oid >= 12000 {
			kind = "v"
		}
		t.add("oid", oid, "relname", r.Name, "relnamespace", namespaceOID(r.Schema), "relowner", oidRole,
			"relam", oidHeap, "relfilenode", oid, "relpersistence", "p", "relkind", kind,
			"relnatts", len(r.Columns), "relreplident", "n", "relispopulated", true)
	}
}

// buildAttribute lists the columns of every relation buildClass lists.
func buildAttribute(env *Env, t *table) {
	for _, o := range env.Objects {
		for i, c := range o.Schema.Columns {
			generated := ""
			if i < len(o.Columns) && o.Columns[i].Computed != "" {
				generated = "s"
			}
			attribute(t, relOID(o), i+1, c, generated)
		}
		for i, k := range o.PrimaryKey {
			attribute(t, pkeyOID(o), i+1, o.Schema.Columns[k], "")
		}
	}
	for _, name := range Names() {
		for i, c := range relations[name].Columns {
			attribute(t, systemOIDs[name], i+1, c, "")
		}
	}
}

func attribute(t *table, rel uint32, num int, c types.Column, generated string) {
	oid := pgwire.OID(c.Type)
	coll := uint32(0)
	if c.Type.IsString() && c.Type.PG == "" {
		coll = oidDefaultColl
	}
	ndims := 0
	if c.Type.ID == types.Array && c.Type.PG == "" {
		ndims = 1
	}
	t.add("attrelid", rel, "attname", c.Name, "atttypid", oid, "attstattarget", -1,
		"attlen", int(pgwire.TypeSize(oid)), "attnum", num, "attndims", ndims, "attcacheoff", -1,
		"atttypmod", int(pgwire.TypeMod(c.Type)), "attbyval", pgwire.TypeSize(oid) > 0 && pgwire.TypeSize(oid) <= 8,
		"attalign", "i", "attstorage", storage(oid), "attnotnull", !c.Nullable, "atthasdef", generated != "",
		"attgenerated", generated, "attislocal", true, "attcollation", coll, "attidentity", "", "attcompression", "")
}

func storage(oid uint32) string {
	if pgwire.TypeSize(oid) > 0 {
		return "p"
	}
	return "x"
}

func attnums(cols []int) []int {
	out := make([]int, len(cols))
	for i, c := range cols {
		out[i] = c + 1
	}
	return out
}

// definition is a view's query as pg_get_viewdef shows it: the text after
// AS in the statement that created it.
func definition(o *catalog.Object) string {
	sql := o.SQL
	if i := indexFold(sql, " AS "); i >= 0 {
		sql = strings.TrimSpace(sql[i+4:])
	}
	return strings.TrimSuffix(sql, ";")
}

func indexFold(s, sub string) int { return strings.Index(strings.ToUpper(s), sub) }
