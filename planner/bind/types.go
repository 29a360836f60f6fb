package bind

import (
	"strings"

	"riffle/sql/parse"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// resolveType replaces the named types in t (parse.NamedType) with what
// they name: a user-defined enum from the catalog, or one of the
// PostgreSQL types riffle holds as canonical text (point, int4range).
// pos is where the type was written, for the error.
func (b *Binder) resolveType(t types.Type, pos int) (types.Type, error) {
	switch {
	case parse.NamedType(t):
		if pt, ok := types.PGType(t.PG); ok && pt.IsCanonicalText() {
			return pt, nil
		} else if ok {
			return t, b.Src.Errorf(pos, sqlerr.FeatureNotSupported, "type %s is not supported here", t.PG)
		}
		if b.Cat != nil {
			if ut := b.Cat.Type(t.PG); ut != nil {
				return ut.Type(), nil
			}
		}
		return t, b.Src.Errorf(pos, sqlerr.UndefinedObject, "type \"%s\" does not exist", t.PG)
	case t.Elem != nil || t.Key != nil || len(t.Fields) > 0:
		out := t
		if t.Elem != nil {
			e, err := b.resolveType(*t.Elem, pos)
			if err != nil {
				return t, err
			}
			out.Elem = &e
		}
		if t.Key != nil {
			k, err := b.resolveType(*t.Key, pos)
			if err != nil {
				return t, err
			}
			out.Key = &k
		}
		if len(t.Fields) > 0 {
			out.Fields = make([]types.Field, len(t.Fields))
			for i, f := range t.Fields {
				ft, err := b.resolveType(f.Type, pos)
				if err != nil {
					return t, err
				}
				out.Fields[i] = types.Field{Name: f.Name, Type: ft}
			}
		}
		return out, nil
	}
	return t, nil
}

// castType is the type a cast to a name the parser did not know means
// (parse.CastExt.Name): point, int4range, a user-defined enum, or an array
// of one ("mood[]"). ok is false for any other name.
func (b *Binder) castType(name string) (types.Type, bool) {
	base := strings.TrimRight(name, "[]")
	var t types.Type
	if pt, ok := types.PGType(base); ok && pt.IsCanonicalText() {
		t = pt
	} else if ut := b.catType(base); ut != nil {
		t = *ut
	} else {
		return t, false
	}
	for range strings.Count(name, "[]") {
		elem := t
		t = types.Type{ID: types.Array, Elem: &elem}
	}
	return t, true
}

func (b *Binder) catType(name string) *types.Type {
	if b.Cat == nil {
		return nil
	}
	if ut := b.Cat.Type(name); ut != nil {
		t := ut.Type()
		return &t
	}
	return nil
}
