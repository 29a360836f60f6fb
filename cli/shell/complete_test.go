package shell

import (
	"reflect"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
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

// TestComplete checks what Tab offers where (testdata/shell/complete.test):
// relations after FROM and the like, columns after a relation's name or
// alias and a dot, keywords in the case being typed, and names in
// backslash commands.
func TestComplete(t *testing.T) {
	datadriven.RunTest(t, testdata+"complete.test", func(t *testing.T, td *datadriven.TestData) string {
		if td.Cmd != "complete" {
			td.Fatalf(t, "unknown command %s", td.Cmd)
		}
		before, after, ok := strings.Cut(td.Input, "|")
		if !ok {
			td.Fatalf(t, "no | marks the cursor")
		}
		start, got := complete(before, after, func() *names { return testNames })
		word := before[start:]
		for _, g := range got {
			if !strings.HasPrefix(strings.ToLower(strings.TrimPrefix(g, `"`)), strings.ToLower(strings.TrimPrefix(word, `"`))) {
				t.Errorf("%q: candidate %q does not extend the word %q", td.Input, g, word)
			}
		}
		if len(got) == 0 {
			return "(none)\n"
		}
		return strings.Join(got, "\n") + "\n"
	})
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
