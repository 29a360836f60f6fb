package engine

import (
	"strings"

	"riffle/catalog"
	"riffle/server/pgwire"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// maxLabel is PostgreSQL's limit on an enum label (NAMEDATALEN - 1 bytes).
const maxLabel = 63

// createType runs CREATE TYPE name AS ENUM (…): a user-defined enum type,
// usable as a column type and in casts, listed in pg_type and pg_enum.
func (s *Session) createType(st *parse.CreateType) (*pgwire.Result, error) {
	s.e.ddl.Lock()
	defer s.e.ddl.Unlock()
	if t := s.e.cat.Type(st.Name.Name); t != nil {
		return nil, st.Src.Errorf(st.Name.Pos, sqlerr.DuplicateObject, "type %q already exists", t.Name)
	}
	if o := s.e.cat.Get(st.Name.Name); o != nil {
		return nil, st.Src.Errorf(st.Name.Pos, sqlerr.DuplicateObject, "type %q already exists", o.Name).
			WithHint("the %s %q has a row type of that name", strings.ToLower(string(o.Kind)), o.Name)
	}
	if _, ok := types.PGType(st.Name.Name); ok {
		return nil, st.Src.Errorf(st.Name.Pos, sqlerr.DuplicateObject, "type %q already exists", st.Name.Name)
	}
	seen := map[string]bool{}
	for i, l := range st.Labels {
		switch {
		case l == "" || len(l) > maxLabel:
			return nil, st.Src.Errorf(st.LabelPos[i], sqlerr.InvalidName, "invalid enum label %q", l).
				WithHint("Labels must be 1 to %d bytes long.", maxLabel)
		case seen[l]:
			return nil, st.Src.Errorf(st.LabelPos[i], sqlerr.DuplicateObject, "enum label %q used more than once", l)
		}
		seen[l] = true
	}
	t := &catalog.UserType{Name: st.Name.Name, SQL: st.Src.Text, Labels: st.Labels, Origin: s.settings[originSetting]}
	if err := s.e.cat.CreateType(t); err != nil {
		return nil, err
	}
	return &pgwire.Result{Tag: "CREATE TYPE"}, nil
}

// dropType runs DROP TYPE [IF EXISTS] name, refused (2BP01) while a
// column of a table or view holds values of the type.
func (s *Session) dropType(st *parse.Drop) (*pgwire.Result, error) {
	t := s.e.cat.Type(st.Name.Name)
	if t == nil {
		if st.IfExists {
			return &pgwire.Result{Tag: "DROP TYPE", Notices: []string{"type \"" + st.Name.Name + "\" does not exist, skipping"}}, nil
		}
		return nil, st.Src.Errorf(st.Name.Pos, sqlerr.UndefinedObject, "type %q does not exist", st.Name.Name)
	}
	for _, o := range s.e.cat.Objects() {
		for _, c := range o.Schema.Columns {
			if usesType(c.Type, t.OID()) {
				return nil, st.Src.Errorf(st.Name.Pos, sqlerr.DependentObjects,
					"cannot drop type %s because column %s of %s %s depends on it",
					t.Name, c.Name, strings.ToLower(string(o.Kind)), o.Name).
					WithHint("drop the %s first", strings.ToLower(string(o.Kind)))
			}
		}
	}
	return &pgwire.Result{Tag: "DROP TYPE"}, s.e.cat.DropType(t.Name)
}

// usesType reports whether values of t hold values of the enum type oid.
func usesType(t types.Type, oid uint32) bool {
	switch {
	case t.OID == oid:
		return true
	case t.Elem != nil && usesType(*t.Elem, oid), t.Key != nil && usesType(*t.Key, oid):
		return true
	}
	for _, f := range t.Fields {
		if usesType(f.Type, oid) {
			return true
		}
	}
	return false
}
