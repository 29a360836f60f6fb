package shell

import (
	"reflect"
	"strings"
	"testing"
)

// testNames is a catalog as loadNames would return it.
var testNames = &names{
	relations: []relation{{"orders", 'r'}, {"order_lines", 'r'}, {"per_city", 'm'}, {"users", 'r'}, {"big_orders", 'v'}, {"Weird Name", 'r'}},
	columns: map[string][]string{
		"orders": {"id", "customer", "amount"}, "order_lines": {"order_id", "sku"},
		"per_city": {"city", "n"}, "users": {"id", "name", "city"}, "big_orders": {"id", "customer", "amount"},
		"Weird Name": {"Total"},
	},
}

// TestComplete checks what Tab offers where: relations after FROM and the
// like, columns after a relation's name or alias and a dot, keywords in the
// case being typed, and names in backslash commands. | marks the cursor.
func TestComplete(t *testing.T) {
	for _, c := range []struct {
		line string
		want []string
	}{
		{"SELECT * FROM ord|", []string{"order_lines", "orders"}},
		{"SELECT * FROM orders JOIN u|", []string{"users"}},
		{"select * from orders where cu|", []string{"cumulate", "cursor", "customer"}},
		{"SELECT CU| FROM orders", []string{"CUMULATE", "CURSOR", "customer"}},
		{"SELECT orders.a|", []string{"orders.amount"}},
		{"SELECT o.| FROM orders AS o", []string{"o.amount", "o.customer", "o.id"}},
		{"SELECT u.ci| FROM users u JOIN orders o ON o.customer = u.name", []string{"u.city"}},
		{"sel|", []string{"select"}},
		{"SEL|", []string{"SELECT"}},
		{"SELECT sk|", []string{"sku"}},
		{"SUBSCRIBE |", []string{`"Weird Name"`, "TO", "big_orders", "order_lines", "orders", "per_city", "users"}},
		{"SUBSCRIBE TO p|", []string{"per_city"}},
		{"INSERT INTO u|", []string{"users"}},
		{`\d|`, []string{`\d`, `\dm`, `\dt`, `\dv`}},
		{`\dm |`, []string{"per_city"}},
		{`\dt o|`, []string{"order_lines", "orders"}},
		{`\pset f|`, []string{"format"}},
		{"SELECT 'it''s' FROM orders WHERE i|", []string{"id", "if", "in", "inner", "insert", "int", "interval", "into", "is"}},
		{"SELECT * FROM nosuch WHERE zz|", nil},
		{"SELECT 'ord|", nil},
		{"SELECT 'it', \"ord|", []string{"order_id", "order_lines", "orders"}},
		{"SELECT * FROM we|", []string{`"Weird Name"`}},
		{"SELECT * FROM \"We|", []string{`"Weird Name"`}},
		{"SELECT w.| FROM \"Weird Name\" w", []string{`w."Total"`}},
		{"SELECT 1 -- ord|", nil},
		{"SELECT '--' AS x FROM ord|", []string{"order_lines", "orders"}},
		{"show ta|", []string{"tables"}},
		{"SHOW M|", []string{"MATERIALIZED"}},
	} {
		before, after, _ := strings.Cut(c.line, "|")
		start, got := complete(before, after, func() *names { return testNames })
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: got %q, want %q", c.line, got, c.want)
		}
		word := before[start:]
		for _, g := range got {
			if !strings.HasPrefix(strings.ToLower(strings.TrimPrefix(g, `"`)), strings.ToLower(strings.TrimPrefix(word, `"`))) {
				t.Errorf("%q: candidate %q does not extend the word %q", c.line, g, word)
			}
		}
	}
}

func TestCommonPrefix(t *testing.T) {
	if p := commonPrefix([]string{"order_lines", "orders"}); p != "order" {
		t.Errorf("commonPrefix = %q", p)
	}
	if p := commonPrefix([]string{"ab", "AC"}); p != "a" {
		t.Errorf("commonPrefix = %q", p)
	}
}

// TestIsStreaming checks which statements the shell shows live.
func TestIsStreaming(t *testing.T) {
	for stmt, want := range map[string]bool{
		"SUBSCRIBE per_city;":                                          true,
		"subscribe (SELECT * FROM t) WITH (PROGRESS)":                  true,
		"SELECT city, COUNT(*) FROM users GROUP BY city EMIT CHANGES;": true,
		"SELECT * FROM t emit changes":                                 true,
		"SELECT 'SUBSCRIBE' AS s;":                                     false,
		"SELECT * FROM t -- EMIT CHANGES":                              false,
		"/* SUBSCRIBE */ SELECT 1;":                                    false,
		"DECLARE c CURSOR FOR SUBSCRIBE v;":                            false,
	} {
		if got := isStreaming(stmt); got != want {
			t.Errorf("isStreaming(%q) = %v, want %v", stmt, got, want)
		}
	}
}

// TestHistoryEntries checks how typed lines become history entries.
func TestHistoryEntries(t *testing.T) {
	for _, c := range []struct {
		typed, want []string
	}{
		{[]string{"SELECT 1;\n"}, []string{"SELECT 1;"}},
		{[]string{"SELECT a,\n", "   b\n", "\n", "FROM t;\n"}, []string{"SELECT a, b FROM t;"}},
		{[]string{"SELECT a, -- the key\n", "b FROM t;\n"}, []string{"SELECT a, -- the key", "b FROM t;"}},
		{[]string{"  \n"}, nil},
	} {
		if got := historyEntries(c.typed); !reflect.DeepEqual(got, c.want) {
			t.Errorf("historyEntries(%q) = %q, want %q", c.typed, got, c.want)
		}
	}
}
