package pgcatalog

import (
	"sort"
)

// The database, its one role, and its settings. The other relations of
// columnSpecs (triggers, policies, publications, inheritance, rules,
// extensions, enums, ranges, sequences, statistics, descriptions) describe
// features riffle does not have: they exist, with PostgreSQL's columns,
// and have no rows, which is what clients expect of a database without
// such objects.
func init() {
	builders["pg_catalog.pg_database"] = func(env *Env, t *table) {
		t.add("oid", oidDatabase, "datname", env.Database, "datdba", oidRole, "encoding", 6,
			"datlocprovider", "c", "datallowconn", true, "datconnlimit", -1, "dattablespace", uint32(1663),
			"datcollate", "C.UTF-8", "datctype", "C.UTF-8")
	}
	builders["pg_catalog.pg_roles"] = func(env *Env, t *table) {
		t.add("rolname", env.User, "rolsuper", true, "rolinherit", true, "rolcreaterole", true,
			"rolcreatedb", true, "rolcanlogin", true, "rolreplication", true, "rolconnlimit", -1,
			"rolpassword", "********", "rolbypassrls", true, "oid", oidRole)
	}
	builders["pg_catalog.pg_settings"] = func(env *Env, t *table) {
		for _, name := range settingNames(env) {
			v, _ := Setting(env, name)
			t.add("name", name, "setting", v, "category", "Client Connection Defaults", "context", "user",
				"vartype", "string", "source", "default", "boot_val", v, "reset_val", v, "pending_restart", false)
		}
	}
}

// defaultSettings are the PostgreSQL settings clients read (SHOW,
// current_setting, pg_settings) with the values riffle runs with.
var defaultSettings = map[string]string{
	"server_version":                "15.0",
	"server_version_num":            "150000",
	"server_encoding":               "UTF8",
	"client_encoding":               "UTF8",
	"datestyle":                     "ISO, MDY",
	"intervalstyle":                 "postgres",
	"timezone":                      "UTC",
	"integer_datetimes":             "on",
	"standard_conforming_strings":   "on",
	"search_path":                   `"$user", public`,
	"max_identifier_length":         "63",
	"default_transaction_isolation": "read committed",
	"transaction_isolation":         "read committed",
	"max_index_keys":                "32",
	"lc_collate":                    "C.UTF-8",
	"lc_ctype":                      "C.UTF-8",
	"application_name":              "",
	"is_superuser":                  "on",
}

// Setting returns a setting's value for the session: its own, else the
// default.
func Setting(env *Env, name string) (string, bool) {
	if v, ok := env.Settings[name]; ok {
		return v, true
	}
	v, ok := defaultSettings[name]
	return v, ok
}

func settingNames(env *Env) []string {
	seen := map[string]bool{}
	var names []string
	for n := range defaultSettings {
		seen[n] = true
		names = append(names, n)
	}
	for n := range env.Settings {
		if !seen[n] {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}
