package datagen

import (
	"slices"
	"strings"

	"riffle/connectors/gen"
	"riffle/sql/types"
)

// props are the per-field options, 'fields.<path>.<prop>'.
var props = []string{"kind", "min", "max", "max-past", "length", "var-len", "start", "end", "null-rate"}

// spec is one column, or one field of a ROW column, with the options that
// name it.
type spec struct {
	path    string // "col" or "col.field", as the options spell it
	name    string // as declared, for errors
	t       types.Type
	notNull bool
	opts    map[string]string // prop → value
	keys    map[string]string // prop → the option's key, for errors
	fields  []*spec           // a ROW's fields
}

func newSpec(path, name string, t types.Type, notNull bool) *spec {
	s := &spec{path: path, name: name, t: t, notNull: notNull, opts: map[string]string{}, keys: map[string]string{}}
	if t.ID == types.RowType {
		for _, f := range t.Fields {
			s.fields = append(s.fields, newSpec(path+"."+strings.ToLower(f.Name), name+"."+f.Name, f.Type, false))
		}
	}
	return s
}

// find resolves a lower-case path ("col", "col.field") among specs.
func find(specs []*spec, path string) *spec {
	for _, s := range specs {
		if s.path == path {
			return s
		}
		if strings.HasPrefix(path, s.path+".") {
			if f := find(s.fields, path); f != nil {
				return f
			}
		}
	}
	return nil
}

// fieldOptions assigns every 'fields.…' option to the field it names.
func fieldOptions(o *gen.Options, opts map[string]string, specs []*spec) error {
	keys := make([]string, 0, len(opts))
	for k := range opts {
		if strings.HasPrefix(k, "fields.") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		rest := strings.TrimPrefix(k, "fields.")
		i := strings.LastIndexByte(rest, '.')
		if i < 0 || !slices.Contains(props, rest[i+1:]) {
			continue // left for Unknown, which suggests the closest
		}
		path, prop := rest[:i], rest[i+1:]
		s := find(specs, path)
		if s == nil {
			return gen.Bad(k, "option %q names no column %q of the table", k, path).
				WithHint("'fields.<column>.%s' takes a column the generator fills (not a computed one); a ROW's field is 'fields.<column>.<field>.%s'", prop, prop)
		}
		s.opts[prop], s.keys[prop] = o.String(k, ""), k
	}
	return nil
}

// known lists every option a table of these columns could take, for
// suggestions.
func known(specs []*spec) []string {
	out := append([]string{"connector", "rows-per-second", "number-of-rows"}, gen.CommonOptions...)
	var walk func(*spec)
	walk = func(s *spec) {
		for _, p := range props {
			out = append(out, "fields."+s.path+"."+p)
		}
		for _, f := range s.fields {
			walk(f)
		}
	}
	for _, s := range specs {
		walk(s)
	}
	return out
}
