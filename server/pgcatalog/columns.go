package pgcatalog

// columnSpecs are the columns of each relation as PostgreSQL 15 has them
// (read off a real server: name and type, domains as their base type), so
// that a client reading a relation sees the shape it would in PostgreSQL.
var columnSpecs = map[string]string{
	"information_schema.columns": "" +
		"table_catalog name, table_schema name, table_name name, column_name name, " +
		"ordinal_position integer, column_default character varying, is_nullable character varying, " +
		"data_type character varying, character_maximum_length integer, " +
		"character_octet_length integer, numeric_precision integer, numeric_precision_radix integer, " +
		"numeric_scale integer, datetime_precision integer, interval_type character varying, " +
		"interval_precision integer, character_set_catalog name, character_set_schema name, " +
		"character_set_name name, collation_catalog name, collation_schema name, collation_name name, " +
		"domain_catalog name, domain_schema name, domain_name name, udt_catalog name, udt_schema name, " +
		"udt_name name, scope_catalog name, scope_schema name, scope_name name, " +
		"maximum_cardinality integer, dtd_identifier name, is_self_referencing character varying, " +
		"is_identity character varying, identity_generation character varying, " +
		"identity_start character varying, identity_increment character varying, " +
		"identity_maximum character varying, identity_minimum character varying, " +
		"identity_cycle character varying, is_generated character varying, " +
		"generation_expression character varying, is_updatable character varying",
	"information_schema.key_column_usage": "" +
		"constraint_catalog name, constraint_schema name, constraint_name name, table_catalog name, " +
		"table_schema name, table_name name, column_name name, ordinal_position integer, " +
		"position_in_unique_constraint integer",
	"information_schema.schemata": "" +
		"catalog_name name, schema_name name, schema_owner name, default_character_set_catalog name, " +
		"default_character_set_schema name, default_character_set_name name, " +
		"sql_path character varying",
	"information_schema.table_constraints": "" +
		"constraint_catalog name, constraint_schema name, constraint_name name, table_catalog name, " +
		"table_schema name, table_name name, constraint_type character varying, " +
		"is_deferrable character varying, initially_deferred character varying, " +
		"enforced character varying, nulls_distinct character varying",
	"information_schema.tables": "" +
		"table_catalog name, table_schema name, table_name name, table_type character varying, " +
		"self_referencing_column_name name, reference_generation character varying, " +
		"user_defined_type_catalog name, user_defined_type_schema name, user_defined_type_name name, " +
		"is_insertable_into character varying, is_typed character varying, " +
		"commit_action character varying",
	"pg_catalog.pg_am": "" +
		"oid oid, amname name, amhandler regproc, amtype char",
	"pg_catalog.pg_attrdef": "" +
		"oid oid, adrelid oid, adnum smallint, adbin pg_node_tree",
	"pg_catalog.pg_attribute": "" +
		"attrelid oid, attname name, atttypid oid, attstattarget integer, attlen smallint, " +
		"attnum smallint, attndims integer, attcacheoff integer, atttypmod integer, attbyval boolean, " +
		"attalign char, attstorage char, attcompression char, attnotnull boolean, atthasdef boolean, " +
		"atthasmissing boolean, attidentity char, attgenerated char, attisdropped boolean, " +
		"attislocal boolean, attinhcount integer, attcollation oid, attacl aclitem[], " +
		"attoptions text[], attfdwoptions text[], attmissingval anyarray",
	"pg_catalog.pg_auth_members": "" +
		"roleid oid, member oid, grantor oid, admin_option boolean",
	"pg_catalog.pg_class": "" +
		"oid oid, relname name, relnamespace oid, reltype oid, reloftype oid, relowner oid, relam oid, " +
		"relfilenode oid, reltablespace oid, relpages integer, reltuples real, relallvisible integer, " +
		"reltoastrelid oid, relhasindex boolean, relisshared boolean, relpersistence char, " +
		"relkind char, relnatts smallint, relchecks smallint, relhasrules boolean, " +
		"relhastriggers boolean, relhassubclass boolean, relrowsecurity boolean, " +
		"relforcerowsecurity boolean, relispopulated boolean, relreplident char, " +
		"relispartition boolean, relrewrite oid, relfrozenxid xid, relminmxid xid, relacl aclitem[], " +
		"reloptions text[], relpartbound pg_node_tree",
	"pg_catalog.pg_collation": "" +
		"oid oid, collname name, collnamespace oid, collowner oid, collprovider char, " +
		"collisdeterministic boolean, collencoding integer, collcollate text, collctype text, " +
		"colliculocale text, collversion text",
	"pg_catalog.pg_constraint": "" +
		"oid oid, conname name, connamespace oid, contype char, condeferrable boolean, " +
		"condeferred boolean, convalidated boolean, conrelid oid, contypid oid, conindid oid, " +
		"conparentid oid, confrelid oid, confupdtype char, confdeltype char, confmatchtype char, " +
		"conislocal boolean, coninhcount integer, connoinherit boolean, conkey smallint[], " +
		"confkey smallint[], conpfeqop oid[], conppeqop oid[], conffeqop oid[], " +
		"confdelsetcols smallint[], conexclop oid[], conbin pg_node_tree",
	"pg_catalog.pg_database": "" +
		"oid oid, datname name, datdba oid, encoding integer, datlocprovider char, " +
		"datistemplate boolean, datallowconn boolean, datconnlimit integer, datfrozenxid xid, " +
		"datminmxid xid, dattablespace oid, datcollate text, datctype text, daticulocale text, " +
		"datcollversion text, datacl aclitem[]",
	"pg_catalog.pg_description": "" +
		"objoid oid, classoid oid, objsubid integer, description text",
	"pg_catalog.pg_enum": "" +
		"oid oid, enumtypid oid, enumsortorder real, enumlabel name",
	"pg_catalog.pg_extension": "" +
		"oid oid, extname name, extowner oid, extnamespace oid, extrelocatable boolean, " +
		"extversion text, extconfig oid[], extcondition text[]",
	"pg_catalog.pg_index": "" +
		"indexrelid oid, indrelid oid, indnatts smallint, indnkeyatts smallint, indisunique boolean, " +
		"indnullsnotdistinct boolean, indisprimary boolean, indisexclusion boolean, " +
		"indimmediate boolean, indisclustered boolean, indisvalid boolean, indcheckxmin boolean, " +
		"indisready boolean, indislive boolean, indisreplident boolean, indkey int2vector, " +
		"indcollation oidvector, indclass oidvector, indoption int2vector, indexprs pg_node_tree, " +
		"indpred pg_node_tree",
	"pg_catalog.pg_inherits": "" +
		"inhrelid oid, inhparent oid, inhseqno integer, inhdetachpending boolean",
	"pg_catalog.pg_matviews": "" +
		"schemaname name, matviewname name, matviewowner name, tablespace name, hasindexes boolean, " +
		"ispopulated boolean, definition text",
	"pg_catalog.pg_namespace": "" +
		"oid oid, nspname name, nspowner oid, nspacl aclitem[]",
	"pg_catalog.pg_policy": "" +
		"oid oid, polname name, polrelid oid, polcmd char, polpermissive boolean, polroles oid[], " +
		"polqual pg_node_tree, polwithcheck pg_node_tree",
	"pg_catalog.pg_proc": "" +
		"oid oid, proname name, pronamespace oid, proowner oid, prolang oid, procost real, " +
		"prorows real, provariadic oid, prosupport regproc, prokind char, prosecdef boolean, " +
		"proleakproof boolean, proisstrict boolean, proretset boolean, provolatile char, " +
		"proparallel char, pronargs smallint, pronargdefaults smallint, prorettype oid, " +
		"proargtypes oidvector, proallargtypes oid[], proargmodes char[], proargnames text[], " +
		"proargdefaults pg_node_tree, protrftypes oid[], prosrc text, probin text, " +
		"prosqlbody pg_node_tree, proconfig text[], proacl aclitem[]",
	"pg_catalog.pg_publication": "" +
		"oid oid, pubname name, pubowner oid, puballtables boolean, pubinsert boolean, " +
		"pubupdate boolean, pubdelete boolean, pubtruncate boolean, pubviaroot boolean",
	"pg_catalog.pg_publication_namespace": "" +
		"oid oid, pnpubid oid, pnnspid oid",
	"pg_catalog.pg_publication_rel": "" +
		"oid oid, prpubid oid, prrelid oid, prqual pg_node_tree, prattrs int2vector",
	"pg_catalog.pg_range": "" +
		"rngtypid oid, rngsubtype oid, rngmultitypid oid, rngcollation oid, rngsubopc oid, " +
		"rngcanonical regproc, rngsubdiff regproc",
	"pg_catalog.pg_rewrite": "" +
		"oid oid, rulename name, ev_class oid, ev_type char, ev_enabled char, is_instead boolean, " +
		"ev_qual pg_node_tree, ev_action pg_node_tree",
	"pg_catalog.pg_roles": "" +
		"rolname name, rolsuper boolean, rolinherit boolean, rolcreaterole boolean, " +
		"rolcreatedb boolean, rolcanlogin boolean, rolreplication boolean, rolconnlimit integer, " +
		"rolpassword text, rolvaliduntil timestamp with time zone, rolbypassrls boolean, " +
		"rolconfig text[], oid oid",
	"pg_catalog.pg_sequence": "" +
		"seqrelid oid, seqtypid oid, seqstart bigint, seqincrement bigint, seqmax bigint, " +
		"seqmin bigint, seqcache bigint, seqcycle boolean",
	"pg_catalog.pg_settings": "" +
		"name text, setting text, unit text, category text, short_desc text, extra_desc text, " +
		"context text, vartype text, source text, min_val text, max_val text, enumvals text[], " +
		"boot_val text, reset_val text, sourcefile text, sourceline integer, pending_restart boolean",
	"pg_catalog.pg_stat_user_tables": "" +
		"relid oid, schemaname name, relname name, seq_scan bigint, seq_tup_read bigint, " +
		"idx_scan bigint, idx_tup_fetch bigint, n_tup_ins bigint, n_tup_upd bigint, n_tup_del bigint, " +
		"n_tup_hot_upd bigint, n_live_tup bigint, n_dead_tup bigint, n_mod_since_analyze bigint, " +
		"n_ins_since_vacuum bigint, last_vacuum timestamp with time zone, " +
		"last_autovacuum timestamp with time zone, last_analyze timestamp with time zone, " +
		"last_autoanalyze timestamp with time zone, vacuum_count bigint, autovacuum_count bigint, " +
		"analyze_count bigint, autoanalyze_count bigint",
	// Empty: riffle's dependencies (a view on its tables) are not
	// objects with OIDs of their own; psql asks for triggers' here.
	"pg_catalog.pg_depend": "" +
		"classid oid, objid oid, objsubid integer, refclassid oid, refobjid oid, refobjsubid integer, " +
		"deptype char",
	"pg_catalog.pg_statistic_ext": "" +
		"oid oid, stxrelid oid, stxname name, stxnamespace oid, stxowner oid, stxstattarget integer, " +
		"stxkeys int2vector, stxkind char[], stxexprs pg_node_tree",
	"pg_catalog.pg_tables": "" +
		"schemaname name, tablename name, tableowner name, tablespace name, hasindexes boolean, " +
		"hasrules boolean, hastriggers boolean, rowsecurity boolean",
	"pg_catalog.pg_trigger": "" +
		"oid oid, tgrelid oid, tgparentid oid, tgname name, tgfoid oid, tgtype smallint, " +
		"tgenabled char, tgisinternal boolean, tgconstrrelid oid, tgconstrindid oid, tgconstraint oid, " +
		"tgdeferrable boolean, tginitdeferred boolean, tgnargs smallint, tgattr int2vector, " +
		"tgargs bytea, tgqual pg_node_tree, tgoldtable name, tgnewtable name",
	"pg_catalog.pg_type": "" +
		"oid oid, typname name, typnamespace oid, typowner oid, typlen smallint, typbyval boolean, " +
		"typtype char, typcategory char, typispreferred boolean, typisdefined boolean, typdelim char, " +
		"typrelid oid, typsubscript regproc, typelem oid, typarray oid, typinput regproc, " +
		"typoutput regproc, typreceive regproc, typsend regproc, typmodin regproc, typmodout regproc, " +
		"typanalyze regproc, typalign char, typstorage char, typnotnull boolean, typbasetype oid, " +
		"typtypmod integer, typndims integer, typcollation oid, typdefaultbin pg_node_tree, " +
		"typdefault text, typacl aclitem[]",
	"pg_catalog.pg_views": "" +
		"schemaname name, viewname name, viewowner name, definition text",
}
