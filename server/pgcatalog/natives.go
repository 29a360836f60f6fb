package pgcatalog

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"riffle/catalog"
	"riffle/planner/scalar"
	"riffle/server/pgwire"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

var (
	tText = types.TString
	tName = types.Type{ID: types.Varchar, PG: "name"}
	tBool = types.TBoolean
)

// native is one catalog function: its result type and its evaluation.
// Arguments arrive as they are; a NULL argument gives NULL unless the
// function says otherwise (nullIn).
type native struct {
	ret    types.Type
	nullIn bool
	eval   func(env *Env, args []types.Value) (types.Value, error)
}

func constant(t types.Type, f func(env *Env) types.Value) native {
	return native{ret: t, nullIn: true, eval: func(env *Env, _ []types.Value) (types.Value, error) { return f(env), nil }}
}

func str(s string) types.Value { return types.NewString(s) }

var natives = map[string]native{
	"format_type": {ret: tText, nullIn: true, eval: func(env *Env, a []types.Value) (types.Value, error) {
		if a[0].IsNull() {
			return types.Null, nil
		}
		mod := int32(-1)
		if len(a) > 1 && !a[1].IsNull() {
			mod = int32(a[1].Int())
		}
		return str(env.formatType(uint32(a[0].Int()), mod)), nil
	}},
	"pg_table_is_visible":    constant(tBool, func(*Env) types.Value { return types.NewBool(true) }),
	"pg_type_is_visible":     constant(tBool, func(*Env) types.Value { return types.NewBool(true) }),
	"pg_function_is_visible": constant(tBool, func(*Env) types.Value { return types.NewBool(true) }),
	"pg_get_userbyid":        constant(tName, func(env *Env) types.Value { return str(env.User) }),
	"pg_get_expr": {ret: tText, eval: func(_ *Env, a []types.Value) (types.Value, error) {
		return str(a[0].S), nil
	}},
	"pg_get_constraintdef": {ret: tText, eval: func(env *Env, a []types.Value) (types.Value, error) {
		o := env.object(uint32(a[0].Int()), conOID)
		if o == nil {
			return types.Null, nil
		}
		return str("PRIMARY KEY (" + strings.Join(keyNames(o), ", ") + ")"), nil
	}},
	"pg_get_indexdef": {ret: tText, eval: func(env *Env, a []types.Value) (types.Value, error) {
		o := env.object(uint32(a[0].Int()), pkeyOID)
		if o == nil {
			return types.Null, nil
		}
		if len(a) > 1 && a[1].Int() > 0 {
			k := int(a[1].Int())
			if k > len(o.PrimaryKey) {
				return str(""), nil
			}
			return str(keyNames(o)[k-1]), nil
		}
		return str(fmt.Sprintf("CREATE UNIQUE INDEX %s ON public.%s USING btree (%s)",
			pkeyName(o), o.Name, strings.Join(keyNames(o), ", "))), nil
	}},
	"pg_get_viewdef": {ret: tText, eval: func(env *Env, a []types.Value) (types.Value, error) {
		var o *catalog.Object
		if a[0].K == types.KString {
			o = env.byName(a[0].S)
		} else {
			o = env.object(uint32(a[0].Int()), relOID)
		}
		if o == nil || o.Kind == catalog.Table {
			return types.Null, nil
		}
		return str(definition(o)), nil
	}},
	"pg_get_ruledef":                  constant(tText, func(*Env) types.Value { return types.Null }),
	"pg_get_triggerdef":               constant(tText, func(*Env) types.Value { return types.Null }),
	"pg_get_statisticsobjdef_columns": constant(tText, func(*Env) types.Value { return types.Null }),
	"pg_get_function_arguments":       constant(tText, func(*Env) types.Value { return types.Null }),
	"pg_get_function_result":          constant(tText, func(*Env) types.Value { return types.Null }),
	"pg_get_serial_sequence":          constant(tText, func(*Env) types.Value { return types.Null }),
	"obj_description":                 constant(tText, func(*Env) types.Value { return types.Null }),
	"col_description":                 constant(tText, func(*Env) types.Value { return types.Null }),
	"shobj_description":               constant(tText, func(*Env) types.Value { return types.Null }),
	"pg_relation_is_publishable":      constant(tBool, func(*Env) types.Value { return types.NewBool(false) }),
	"has_table_privilege":             constant(tBool, func(*Env) types.Value { return types.NewBool(true) }),
	"has_schema_privilege":            constant(tBool, func(*Env) types.Value { return types.NewBool(true) }),
	"has_database_privilege":          constant(tBool, func(*Env) types.Value { return types.NewBool(true) }),
	"has_any_column_privilege":        constant(tBool, func(*Env) types.Value { return types.NewBool(true) }),
	"has_column_privilege":            constant(tBool, func(*Env) types.Value { return types.NewBool(true) }),
	"pg_table_size":                   constant(types.TBigInt, func(*Env) types.Value { return types.NewInt(0) }),
	"pg_relation_size":                constant(types.TBigInt, func(*Env) types.Value { return types.NewInt(0) }),
	"pg_total_relation_size":          constant(types.TBigInt, func(*Env) types.Value { return types.NewInt(0) }),
	"pg_encoding_to_char":             constant(tName, func(*Env) types.Value { return str("UTF8") }),
	"version": constant(tText, func(*Env) types.Value {
		return str("PostgreSQL 15.0 (riffle) on " + runtime.GOARCH + "-" + runtime.GOOS + ", a streaming SQL engine")
	}),
	"current_database": constant(tName, func(env *Env) types.Value { return str(env.Database) }),
	"current_schema":   constant(tName, func(*Env) types.Value { return str("public") }),
	"current_user":     constant(tName, func(env *Env) types.Value { return str(env.User) }),
	"session_user":     constant(tName, func(env *Env) types.Value { return str(env.User) }),
	"user":             constant(tName, func(env *Env) types.Value { return str(env.User) }),
	"current_role":     constant(tName, func(env *Env) types.Value { return str(env.User) }),
	"pg_backend_pid":   constant(types.TInt, func(*Env) types.Value { return types.NewInt(int64(os.Getpid())) }),
	"current_schemas": {ret: types.Type{ID: types.Array, Elem: &tName}, eval: func(_ *Env, a []types.Value) (types.Value, error) {
		if a[0].Bool() {
			return value([]string{"pg_catalog", "public"}), nil
		}
		return value([]string{"public"}), nil
	}},
	"current_setting": {ret: tText, eval: func(env *Env, a []types.Value) (types.Value, error) {
		if v, ok := Setting(env, strings.ToLower(a[0].S)); ok {
			return str(v), nil
		}
		if len(a) > 1 && a[1].Bool() {
			return types.Null, nil
		}
		return types.Null, sqlerr.New(sqlerr.UndefinedObject, "unrecognized configuration parameter %q", a[0].S)
	}},
	"pg_size_pretty": {ret: tText, eval: func(_ *Env, a []types.Value) (types.Value, error) {
		return str(prettySize(a[0].Int())), nil
	}},
	"pg_sleep": {ret: types.Type{ID: types.Varchar, PG: "void"}, eval: func(_ *Env, a []types.Value) (types.Value, error) {
		secs := a[0].Float()
		if a[0].K == types.KInt {
			secs = float64(a[0].Int())
		}
		time.Sleep(time.Duration(secs * float64(time.Second)))
		return str(""), nil
	}},
	"::text": {ret: tText, eval: func(env *Env, a []types.Value) (types.Value, error) {
		return str(env.regName("regclass", uint32(a[0].Int()))), nil
	}},
}

// Native resolves fn, one of PostgreSQL's catalog functions or a cast to
// one of its catalog types ("::regclass"), for the binder. ok is false for
// a name it does not know.
func Native(env *Env, fn string, args []scalar.Expr) (scalar.Expr, bool, error) {
	if pg, ok := strings.CutPrefix(fn, "::"); ok && pg != "text" {
		return regIn(env, pg, args[0])
	}
	n, ok := natives[fn]
	if !ok {
		return nil, false, nil
	}
	ret := n.ret
	eval := n.eval
	if fn == "::text" {
		pg := args[0].Type().PG
		eval = func(env *Env, a []types.Value) (types.Value, error) {
			return str(env.regName(pg, uint32(a[0].Int()))), nil
		}
	}
	return &scalar.Native{Name: fn, Args: args, T: ret, Eval: func(a []types.Value) (types.Value, error) {
		if !n.nullIn {
			for _, v := range a {
				if v.IsNull() {
					return types.Null, nil
				}
			}
		}
		return eval(env, a)
	}}, true, nil
}

// regIn casts a name to a reg* type: the OID of what it names, looked up
// now (a constant, as PostgreSQL folds it). Numbers cast as numbers: the
// binder's ordinary cast does that.
func regIn(env *Env, pg string, arg scalar.Expr) (scalar.Expr, bool, error) {
	t, ok := types.PGType(pg)
	if !ok || !t.IsReg() || (!arg.Type().IsString() && arg.Type().ID != types.Unknown) {
		return nil, false, nil
	}
	return &scalar.Native{Name: "::" + pg, Args: []scalar.Expr{arg}, T: t, Eval: func(a []types.Value) (types.Value, error) {
		if a[0].IsNull() {
			return types.Null, nil
		}
		oid, err := env.regOID(pg, a[0].S)
		if err != nil {
			return types.Null, err
		}
		return types.NewInt(int64(oid)), nil
	}}, true, nil
}

// object finds the object one of whose OIDs (by which: relOID, pkeyOID, …)
// is oid.
func (env *Env) object(oid uint32, which func(*catalog.Object) uint32) *catalog.Object {
	for _, o := range env.Objects {
		if which(o) == oid {
			return o
		}
	}
	return nil
}

func (env *Env) byName(name string) *catalog.Object {
	name = strings.TrimPrefix(unquote(name), "public.")
	for _, o := range env.Objects {
		if strings.EqualFold(o.Name, name) {
			return o
		}
	}
	return nil
}

// regOID is the OID a reg* input names: 'orders'::regclass, 'int4'::regtype.
// A number is taken as the OID itself.
func (env *Env) regOID(pg, name string) (uint32, error) {
	var n uint32
	if _, err := fmt.Sscan(name, &n); err == nil {
		return n, nil
	}
	lname := strings.ToLower(unquote(name))
	switch pg {
	case "regclass":
		if o := env.byName(name); o != nil {
			return relOID(o), nil
		}
		schema, rel, ok := strings.Cut(lname, ".")
		if !ok {
			schema, rel = "", lname
		}
		if r := Lookup(schema, rel); r != nil {
			return systemOIDs[r.Schema+"."+r.Name], nil
		}
		for _, o := range env.Objects {
			if len(o.PrimaryKey) > 0 && strings.EqualFold(pkeyName(o), lname) {
				return pkeyOID(o), nil
			}
		}
		return 0, sqlerr.New(sqlerr.UndefinedTable, "relation %q does not exist", name)
	case "regtype":
		lname = strings.TrimPrefix(lname, "pg_catalog.")
		if oid := env.userTypeOID(lname); oid != 0 {
			return oid, nil
		}
		for _, ti := range pgwire.Types() {
			if ti.Name == lname || FormatType(ti.OID, -1) == lname {
				return ti.OID, nil
			}
		}
		return 0, sqlerr.New(sqlerr.UndefinedObject, "type %q does not exist", name)
	case "regnamespace":
		for _, ns := range namespaces {
			if ns.name == lname {
				return ns.oid, nil
			}
		}
		return 0, sqlerr.New("3F000", "schema %q does not exist", name)
	case "regrole":
		return oidRole, nil
	case "regproc", "regprocedure":
		if strings.TrimPrefix(lname, "pg_catalog.") == "array_in" {
			return oidArrayIn, nil
		}
		return 0, sqlerr.New(sqlerr.UndefinedFunction, "function %q does not exist", name)
	}
	return 0, sqlerr.New(sqlerr.FeatureNotSupported, "casts to %s are not supported", pg)
}

// regName is the text of a reg* value: the name of what its OID
// identifies, or the number when nothing has it (as in PostgreSQL).
func (env *Env) regName(pg string, oid uint32) string {
	switch pg {
	case "regclass":
		for _, o := range env.Objects {
			switch oid {
			case relOID(o):
				return o.Name
			case pkeyOID(o):
				return pkeyName(o)
			}
		}
		for name, o := range systemOIDs {
			if o == oid {
				return name[strings.IndexByte(name, '.')+1:]
			}
		}
	case "regtype":
		if ut, _ := env.userType(oid); ut != nil {
			return env.formatType(oid, -1)
		}
		if _, ok := pgwire.LookupOID(oid); ok {
			return FormatType(oid, -1)
		}
	case "regnamespace":
		for _, ns := range namespaces {
			if ns.oid == oid {
				return ns.name
			}
		}
	case "regrole":
		if oid == oidRole {
			return env.User
		}
	case "regproc", "regprocedure":
		if oid == oidArrayIn {
			return "array_in"
		}
		if oid == 0 {
			return "-"
		}
	}
	return fmt.Sprint(oid)
}

func keyNames(o *catalog.Object) []string {
	out := make([]string, len(o.PrimaryKey))
	for i, k := range o.PrimaryKey {
		out[i] = o.Schema.Columns[k].Name
	}
	return out
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
	}
	return s
}

func prettySize(n int64) string {
	units := []string{"bytes", "kB", "MB", "GB", "TB"}
	i := 0
	for n >= 10*1024 && i < len(units)-1 {
		n = (n + 512) / 1024
		i++
	}
	return fmt.Sprintf("%d %s", n, units[i])
}
