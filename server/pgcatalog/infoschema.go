package pgcatalog

import (
	"strconv"

	"riffle/catalog"
	"riffle/server/pgwire"
	"riffle/sql/types"
)

// information_schema, as PostgreSQL defines it over its catalogs: tables
// and views (materialized views are not in the standard's views, as in
// PostgreSQL), their columns, and their primary keys.
func init() {
	builders["information_schema.schemata"] = func(env *Env, t *table) {
		for _, s := range []string{"pg_catalog", "public", "information_schema"} {
			t.add("catalog_name", env.Database, "schema_name", s, "schema_owner", env.User)
		}
	}
	builders["information_schema.tables"] = func(env *Env, t *table) {
		for _, o := range standardObjects(env) {
			typ, insertable := "BASE TABLE", "YES"
			if o.Kind == catalog.View {
				typ, insertable = "VIEW", "NO"
			}
			t.add("table_catalog", env.Database, "table_schema", "public", "table_name", o.Name,
				"table_type", typ, "is_insertable_into", insertable, "is_typed", "NO")
		}
	}
	builders["information_schema.columns"] = func(env *Env, t *table) {
		for _, o := range standardObjects(env) {
			for i, c := range o.Schema.Columns {
				column(env, t, o, i, c)
			}
		}
	}
	builders["information_schema.table_constraints"] = func(env *Env, t *table) {
		for _, o := range standardObjects(env) {
			if len(o.PrimaryKey) > 0 {
				t.add("constraint_catalog", env.Database, "constraint_schema", "public", "constraint_name", pkeyName(o),
					"table_catalog", env.Database, "table_schema", "public", "table_name", o.Name,
					"constraint_type", "PRIMARY KEY", "is_deferrable", "NO", "initially_deferred", "NO", "enforced", "YES")
			}
		}
	}
	builders["information_schema.key_column_usage"] = func(env *Env, t *table) {
		for _, o := range standardObjects(env) {
			for i, k := range o.PrimaryKey {
				t.add("constraint_catalog", env.Database, "constraint_schema", "public", "constraint_name", pkeyName(o),
					"table_catalog", env.Database, "table_schema", "public", "table_name", o.Name,
					"column_name", o.Schema.Columns[k].Name, "ordinal_position", i+1)
			}
		}
	}
}

// standardObjects are the objects information_schema shows: tables and
// views.
func standardObjects(env *Env) []*catalog.Object {
	var out []*catalog.Object
	for _, o := range env.Objects {
		if o.Kind != catalog.MaterializedView {
			out = append(out, o)
		}
	}
	return out
}

func column(env *Env, t *table, o *catalog.Object, i int, c types.Column) {
	oid := pgwire.OID(c.Type)
	ti, _ := pgwire.LookupOID(oid)
	nullable := "YES"
	if !c.Nullable {
		nullable = "NO"
	}
	var maxLen, precision, radix, scale, dtPrecision any
	switch {
	case c.Type.IsString() && c.Type.Length > 0:
		maxLen = c.Type.Length
	case c.Type.IsInteger():
		precision, radix, scale = map[types.TypeID]int{types.TinyInt: 16, types.SmallInt: 16, types.Int: 32, types.BigInt: 64}[c.Type.ID], 2, 0
	case c.Type.IsFloat():
		precision, radix = map[types.TypeID]int{types.Float: 24, types.Double: 53}[c.Type.ID], 2
	case c.Type.ID == types.Decimal:
		precision, radix, scale = c.Type.Precision, 10, c.Type.Scale
	case c.Type.IsTemporal():
		dtPrecision = c.Type.Precision
	}
	generated, expr := "NEVER", any(nil)
	if i < len(o.Columns) && o.Columns[i].Computed != "" {
		generated, expr = "ALWAYS", o.Columns[i].Computed
	}
	updatable := "YES"
	if o.Kind == catalog.View {
		updatable = "NO"
	}
	udtSchema, udtName := "pg_catalog", ti.Name
	if ut, array := env.userType(oid); ut != nil {
		// An enum (or an array of one) is the user's, in public.
		udtSchema, udtName = "public", ut.Name
		if array {
			udtName = "_" + ut.Name
		}
	}
	t.add("table_catalog", env.Database, "table_schema", "public", "table_name", o.Name, "column_name", c.Name,
		"ordinal_position", i+1, "is_nullable", nullable, "data_type", DataType(oid),
		"character_maximum_length", maxLen, "numeric_precision", precision, "numeric_precision_radix", radix,
		"numeric_scale", scale, "datetime_precision", dtPrecision,
		"udt_catalog", env.Database, "udt_schema", udtSchema, "udt_name", udtName,
		"dtd_identifier", strconv.Itoa(i+1), "is_self_referencing", "NO", "is_identity", "NO",
		"is_generated", generated, "generation_expression", expr, "is_updatable", updatable)
}
