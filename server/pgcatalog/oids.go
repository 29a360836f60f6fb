package pgcatalog

import (
	"strings"

	"riffle/catalog"
)

// Fixed OIDs: PostgreSQL's own for its built-in objects, which clients
// hard-code (psql compares against 11 and 2200; drivers know type OIDs).
const (
	oidPGCatalog   uint32 = 11
	oidPublic      uint32 = 2200
	oidInfoSchema  uint32 = 13207
	oidPGToast     uint32 = 99
	oidRole        uint32 = 10 // the bootstrap superuser, riffle's only role
	oidHeap        uint32 = 2
	oidBtree       uint32 = 403
	oidDefaultColl uint32 = 100
	oidDatabase    uint32 = 16384
)

// systemOIDs are the pg_class OIDs of the system relations, as PostgreSQL
// 15 has them (pg_description.classoid names catalogs by these).
var systemOIDs = map[string]uint32{
	"information_schema.columns": 13295, "information_schema.key_column_usage": 13329,
	"information_schema.schemata": 13382, "information_schema.table_constraints": 13411,
	"information_schema.tables": 13425,
	"pg_catalog.pg_am":          2601, "pg_catalog.pg_attrdef": 2604, "pg_catalog.pg_attribute": 1249,
	"pg_catalog.pg_auth_members": 1261, "pg_catalog.pg_class": 1259, "pg_catalog.pg_collation": 3456,
	"pg_catalog.pg_constraint": 2606, "pg_catalog.pg_database": 1262, "pg_catalog.pg_description": 2609,
	"pg_catalog.pg_enum": 3501, "pg_catalog.pg_extension": 3079, "pg_catalog.pg_index": 2610,
	"pg_catalog.pg_inherits": 2611, "pg_catalog.pg_matviews": 12038, "pg_catalog.pg_namespace": 2615,
	"pg_catalog.pg_policy": 3256, "pg_catalog.pg_proc": 1255, "pg_catalog.pg_publication": 6104,
	"pg_catalog.pg_publication_namespace": 6237, "pg_catalog.pg_publication_rel": 6106,
	"pg_catalog.pg_range": 3541, "pg_catalog.pg_rewrite": 2618, "pg_catalog.pg_roles": 12000,
	"pg_catalog.pg_sequence": 2224, "pg_catalog.pg_settings": 12104, "pg_catalog.pg_stat_user_tables": 12161,
	"pg_catalog.pg_depend": 2608, "pg_catalog.pg_statistic_ext": 3381, "pg_catalog.pg_tables": 12033, "pg_catalog.pg_trigger": 2620,
	"pg_catalog.pg_type": 1247, "pg_catalog.pg_views": 12028,
}

// The OIDs of one riffle object, from its creation sequence number: they
// never change while the object exists, so clients may cache them.
func relOID(o *catalog.Object) uint32  { return catalog.OIDOf(o.Seq) }
func typeOID(o *catalog.Object) uint32 { return relOID(o) + 1 }
func pkeyOID(o *catalog.Object) uint32 { return relOID(o) + 2 } // the primary key's index
func conOID(o *catalog.Object) uint32  { return relOID(o) + 3 } // the primary key constraint

// pkeyName is the name PostgreSQL gives a table's primary key.
func pkeyName(o *catalog.Object) string { return o.Name + "_pkey" }

// relkind is pg_class.relkind of an object.
func relkind(o *catalog.Object) string {
	switch o.Kind {
	case catalog.View:
		return "v"
	case catalog.MaterializedView:
		return "m"
	}
	return "r"
}

// namespaceOID is the namespace of a system relation's schema.
func namespaceOID(schema string) uint32 {
	if strings.EqualFold(schema, "information_schema") {
		return oidInfoSchema
	}
	return oidPGCatalog
}
