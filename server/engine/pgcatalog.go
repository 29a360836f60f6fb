package engine

import (
	"riffle/planner/scalar"
	"riffle/server/pgcatalog"
	"riffle/sql/types"
)

// system gives the binder the pg_catalog and information_schema relations,
// built from the catalog as this session sees it now.
func (s *Session) system(schema, name string) (types.Schema, []types.Row, bool) {
	r := pgcatalog.Lookup(schema, name)
	if r == nil {
		return types.Schema{}, nil, false
	}
	return types.Schema{Columns: r.Columns}, r.Rows(s.catalogEnv()), true
}

func (s *Session) catalogEnv() *pgcatalog.Env {
	return &pgcatalog.Env{Objects: s.e.cat.Objects(), Types: s.e.cat.Types(), Database: s.database(), User: s.user(), Settings: s.settings}
}

// database is the database the client asked for; riffle has one, and
// answers to any name.
func (s *Session) database() string {
	if d := s.params["database"]; d != "" {
		return d
	}
	return "riffle"
}

func (s *Session) user() string {
	if u := s.params["user"]; u != "" {
		return u
	}
	return "riffle"
}

// native gives the binder PostgreSQL's catalog functions, answering from
// the catalog as this session sees it now.
func (s *Session) native(fn string, args []scalar.Expr) (scalar.Expr, bool, error) {
	return pgcatalog.Native(s.catalogEnv(), fn, args)
}
