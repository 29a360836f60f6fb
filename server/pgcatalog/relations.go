package pgcatalog

import (
	"fmt"
	"sort"
	"strings"

	"riffle/catalog"
	"riffle/sql/types"
)

// Env is what the relations are built from: the catalog's objects as one
// statement sees them, and the session asking.
type Env struct {
	Objects []*catalog.Object
	// Types are the user-defined types (CREATE TYPE … AS ENUM).
	Types    []*catalog.UserType
	Database string
	User     string
	// Settings are the session's settings, by lower-case name, for
	// pg_settings and current_setting; the defaults fill in the rest.
	Settings map[string]string
}

// Relation is one system relation: its name, its columns as PostgreSQL
// has them, and how its rows follow from the catalog.
type Relation struct {
	Schema, Name string
	Columns      []types.Column
	build        func(env *Env, t *table)
}

// Rows builds the relation's rows for env.
func (r *Relation) Rows(env *Env) []types.Row {
	t := newTable(r.Columns)
	if r.build != nil {
		r.build(env, t)
	}
	return t.rows
}

var relations = map[string]*Relation{}

// builders says how each relation's rows are made; a relation without
// one is a catalog of things riffle does not have (triggers, policies, …)
// and has no rows.
var builders = map[string]func(*Env, *table){}

func init() {
	for qname, spec := range columnSpecs {
		schema, name, _ := strings.Cut(qname, ".")
		relations[qname] = &Relation{Schema: schema, Name: name, Columns: parseColumns(qname, spec)}
	}
	for qname, b := range builders {
		r, ok := relations[qname]
		if !ok {
			panic("pgcatalog: rows for a relation with no columns: " + qname)
		}
		r.build = b
	}
}

// Lookup finds a system relation. schema "" searches pg_catalog, which is
// first on every search path.
func Lookup(schema, name string) *Relation {
	schema, name = strings.ToLower(schema), strings.ToLower(name)
	if schema == "" {
		schema = "pg_catalog"
	}
	return relations[schema+"."+name]
}

// Names lists every system relation as schema.name, sorted.
func Names() []string {
	out := make([]string, 0, len(relations))
	for n := range relations {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// pgTypeNames maps the type names of columnSpecs to riffle types.
var pgTypeNames = map[string]types.Type{
	"boolean":                  types.TBoolean,
	"smallint":                 {ID: types.SmallInt},
	"integer":                  types.TInt,
	"bigint":                   types.TBigInt,
	"real":                     {ID: types.Float},
	"text":                     types.TString,
	"character varying":        {ID: types.Varchar, Length: 0, PG: "varchar"},
	"bytea":                    {ID: types.Varbinary},
	"timestamp with time zone": {ID: types.TimestampLTZ, Precision: 6},
	"anyarray":                 {ID: types.Varchar, PG: "text"},
}

func columnType(name string) types.Type {
	if elem, ok := strings.CutSuffix(name, "[]"); ok {
		e := columnType(elem)
		return types.Type{ID: types.Array, Elem: &e}
	}
	if t, ok := pgTypeNames[name]; ok {
		return t
	}
	if t, ok := types.PGType(name); ok {
		return t
	}
	panic("pgcatalog: unknown column type " + name)
}

func parseColumns(rel, spec string) []types.Column {
	var cols []types.Column
	for _, c := range strings.Split(spec, ",") {
		name, typ, ok := strings.Cut(strings.TrimSpace(c), " ")
		if !ok {
			panic(fmt.Sprintf("pgcatalog: bad column %q of %s", c, rel))
		}
		cols = append(cols, types.Column{Name: name, Type: columnType(typ), Nullable: true})
	}
	return cols
}

// table collects a relation's rows. Columns a row does not set take the
// value PostgreSQL's catalogs hold when a feature is unused: false, 0, the
// empty "char" or name, and NULL for text, arrays and expression trees.
type table struct {
	cols []types.Column
	idx  map[string]int
	rows []types.Row
}

func newTable(cols []types.Column) *table {
	idx := make(map[string]int, len(cols))
	for i, c := range cols {
		idx[c.Name] = i
	}
	return &table{cols: cols, idx: idx}
}

// add appends a row from name, value pairs. Values are Go values: string,
// int, int64, uint32, bool, float64, []int (int2vector, smallint[]),
// []uint32 (oid[]), []string (text[], "char"[]), nil for NULL, or a
// types.Value as is.
func (t *table) add(kv ...any) {
	row := make(types.Row, len(t.cols))
	for i, c := range t.cols {
		row[i] = zero(c.Type)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		name := kv[i].(string)
		j, ok := t.idx[name]
		if !ok {
			panic("pgcatalog: no column " + name)
		}
		row[j] = value(kv[i+1])
	}
	t.rows = append(t.rows, row)
}

func zero(t types.Type) types.Value {
	switch {
	case t.ID == types.Boolean:
		return types.NewBool(false)
	case t.IsInteger():
		return types.NewInt(0)
	case t.ID == types.Float:
		return types.NewFloat(0)
	case t.PG == "name", t.PG == "char":
		return types.NewString("")
	}
	return types.Value{}
}

func value(v any) types.Value {
	switch v := v.(type) {
	case nil:
		return types.Value{}
	case types.Value:
		return v
	case string:
		return types.NewString(v)
	case int:
		return types.NewInt(int64(v))
	case int64:
		return types.NewInt(v)
	case uint32:
		return types.NewInt(int64(v))
	case bool:
		return types.NewBool(v)
	case float64:
		return types.NewFloat(v)
	case []int:
		l := make([]types.Value, len(v))
		for i, x := range v {
			l[i] = types.NewInt(int64(x))
		}
		return types.Value{K: types.KArray, X: l}
	case []uint32:
		l := make([]types.Value, len(v))
		for i, x := range v {
			l[i] = types.NewInt(int64(x))
		}
		return types.Value{K: types.KArray, X: l}
	case []string:
		l := make([]types.Value, len(v))
		for i, x := range v {
			l[i] = types.NewString(x)
		}
		return types.Value{K: types.KArray, X: l}
	}
	panic(fmt.Sprintf("pgcatalog: no SQL value for %T", v))
}
