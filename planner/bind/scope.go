package bind

import (
	"strings"

	"riffle/sql/types"
)

// scope is the set of columns an expression can name: the output of the
// FROM clause, each column with the table (alias) it came from.
type scope struct {
	cols []scopeCol
}

type scopeCol struct {
	table string // alias or table name, "" for derived columns
	name  string
	typ   types.Type
	// hidden columns are found only by a qualified name: the right-hand
	// copy of a JOIN … USING column.
	hidden bool
}

func scopeOf(table string, s types.Schema) *scope {
	sc := &scope{}
	for _, c := range s.Columns {
		sc.cols = append(sc.cols, scopeCol{table: table, name: c.Name, typ: c.Type})
	}
	return sc
}

// lookup finds a column by (optional) table qualifier and name. It returns
// the index, or -1 when missing, or -2 when ambiguous.
func (s *scope) lookup(table, name string) int {
	found := -1
	for i, c := range s.cols {
		if !strings.EqualFold(c.name, name) {
			continue
		}
		if table != "" && !strings.EqualFold(c.table, table) {
			continue
		}
		if table == "" && c.hidden {
			continue
		}
		if found >= 0 {
			return -2
		}
		found = i
	}
	return found
}

func (s *scope) hasTable(table string) bool {
	for _, c := range s.cols {
		if strings.EqualFold(c.table, table) {
			return true
		}
	}
	return false
}

// concat is the scope of a join: the left columns, then the right ones.
func concat(l, r *scope) *scope {
	return &scope{cols: append(append([]scopeCol{}, l.cols...), r.cols...)}
}
