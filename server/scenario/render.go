package scenario

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// row is one result row, each value already rendered: strings quoted,
// NULL, numbers and booleans bare.
type row []string

func (r row) String() string { return "(" + strings.Join(r, ", ") + ")" }

// Postgres type OIDs whose text form is written bare.
var bareOIDs = map[uint32]bool{
	16: true,                               // bool (rendered true/false)
	20: true, 21: true, 23: true, 26: true, // int8, int2, int4, oid
	700: true, 701: true, 1700: true, // float4, float8, numeric
}

// readRows renders every row of a result read with the simple protocol, so
// each value arrives in PostgreSQL's text form.
func readRows(rs pgx.Rows) ([]row, error) {
	defer rs.Close()
	var out []row
	for rs.Next() {
		fields := rs.FieldDescriptions()
		raw := rs.RawValues()
		r := make(row, len(raw))
		for i, v := range raw {
			r[i] = renderValue(v, fields[i].DataTypeOID)
		}
		out = append(out, r)
	}
	return out, rs.Err()
}

func renderValue(v []byte, oid uint32) string {
	switch {
	case v == nil:
		return "NULL"
	case oid == 16 && string(v) == "t":
		return "true"
	case oid == 16 && string(v) == "f":
		return "false"
	case bareOIDs[oid]:
		return string(v)
	}
	return "'" + strings.ReplaceAll(string(v), "'", "''") + "'"
}

// multiset counts rows by their rendering.
type multiset map[string]int

func newMultiset(rows []row) (multiset, map[string]row) {
	m := multiset{}
	byText := map[string]row{}
	for _, r := range rows {
		s := r.String()
		m[s]++
		byText[s] = r
	}
	return m, byText
}

// sortedRows renders rows one per line, sorted.
func sortedRows(rows []row) []string {
	rows = slices.Clone(rows)
	slices.SortFunc(rows, compareRows)
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.String()
	}
	return out
}

// compareRows orders rows value by value, numbers by value (so 9 comes
// before 10) and anything else by its rendering.
func compareRows(a, b row) int {
	for i := range min(len(a), len(b)) {
		if c := compareValues(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

func compareValues(a, b string) int {
	x, errA := strconv.ParseFloat(a, 64)
	y, errB := strconv.ParseFloat(b, 64)
	if errA == nil && errB == nil && x != y {
		return cmp.Compare(x, y)
	}
	return strings.Compare(a, b)
}

// change is one line of a changelog.
type change struct {
	op   string // +I, -D, -U, +U
	row  row
	sort row // the key (keyed outputs) or the row: lines sort by it
}

// opRank orders the changes of one key: retraction before insertion.
var opRank = map[string]int{"-D": 0, "-U": 1, "+U": 2, "+I": 3}

// changelog is the difference between two contents of an output: -D for
// each row that lost an occurrence, +I for each that gained one. With key
// columns, a key that lost exactly one row and gained exactly one is an
// update, rendered -U (old) then +U (new).
func changelog(before, after []row, key []int) []change {
	mb, rb := newMultiset(before)
	ma, ra := newMultiset(after)
	var out []change
	for s, n := range ma {
		for range n - mb[s] {
			out = append(out, change{op: "+I", row: ra[s]})
		}
	}
	for s, n := range mb {
		for range n - ma[s] {
			out = append(out, change{op: "-D", row: rb[s]})
		}
	}
	for i := range out {
		out[i].sort = out[i].row
		if key != nil {
			out[i].sort = keyRow(out[i].row, key)
		}
	}
	if key != nil {
		pairUpdates(out)
	}
	slices.SortFunc(out, func(a, b change) int {
		if c := compareRows(a.sort, b.sort); c != 0 {
			return c
		}
		if c := cmp.Compare(opRank[a.op], opRank[b.op]); c != 0 {
			return c
		}
		return compareRows(a.row, b.row)
	})
	return out
}

// pairUpdates turns a -D and a +I of the same key into -U and +U.
func pairUpdates(cs []change) {
	byKey := map[string][]int{}
	for i, c := range cs {
		byKey[c.sort.String()] = append(byKey[c.sort.String()], i)
	}
	for _, idx := range byKey {
		if len(idx) != 2 || cs[idx[0]].op == cs[idx[1]].op {
			continue
		}
		for _, i := range idx {
			cs[i].op = map[string]string{"-D": "-U", "+I": "+U"}[cs[i].op]
		}
	}
}

func keyRow(r row, key []int) row {
	k := make(row, len(key))
	for i, c := range key {
		k[i] = r[c]
	}
	return k
}

// duplicateKeys reports the keys that more than one row of rows holds.
func duplicateKeys(rows []row, key []int) []string {
	seen := map[string]int{}
	for _, r := range rows {
		seen[keyRow(r, key).String()]++
	}
	var dups []string
	for k, n := range seen {
		if n > 1 {
			dups = append(dups, fmt.Sprintf("%s (%d rows)", k, n))
		}
	}
	sort.Strings(dups)
	return dups
}
