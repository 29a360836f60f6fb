package runtime

import (
	"fmt"
	"strings"
	"testing"

	"riffle/connectors/kafka"
	"riffle/sql/types"
)

// TestSchedulerMerge feeds the scheduler one poll of two tables, each with
// records on two partitions in fetch order, and checks what reaches the
// operators: oldest event time first across partitions and tables, ties to
// the table first in poll order, a partition's own records in offset order
// even where their times go back (TW-03), and consecutive changes of one
// table in one batch.
func TestSchedulerMerge(t *testing.T) {
	// Each record is "partition:time"; the row holds its label.
	polls := []struct {
		name string
		a, b []string // the two tables' records, in fetch order
		want string
	}{
		{"one stream goes through", []string{"0:5", "0:1"}, nil, "a[a0@5 a0@1]"},
		{"two partitions of one table", []string{"0:1", "0:4", "1:2", "1:3"}, nil, "a[a0@1 a1@2 a1@3 a0@4]"},
		{"two tables", []string{"0:1", "0:3"}, []string{"0:2", "0:4"}, "a[a0@1] b[b0@2] a[a0@3] b[b0@4]"},
		{"whole runs", []string{"0:1", "0:2", "0:3"}, []string{"0:4", "0:5"}, "a[a0@1 a0@2 a0@3] b[b0@4 b0@5]"},
		{"ties go to the first table", []string{"0:2"}, []string{"0:2", "0:1"}, "a[a0@2] b[b0@2 b0@1]"},
		{"offset order within a partition", []string{"0:1", "0:9", "0:2", "1:5"}, []string{"0:3"},
			"a[a0@1] b[b0@3] a[a1@5 a0@9 a0@2]"},
		{"a partition's runs interleave in the fetch", []string{"0:1", "1:2", "0:3", "1:4"}, nil, "a[a0@1 a1@2 a0@3 a1@4]"},
	}
	var s scheduler
	for _, p := range polls {
		t.Run(p.name, func(t *testing.T) {
			ra := &route{scan: &scan{}, order: newOrderMarks(nil, nil)}
			rb := &route{scan: &scan{}, order: newOrderMarks(nil, nil)}
			batches := map[*route]types.Batch{ra: mark(ra, "a", p.a), rb: mark(rb, "b", p.b)}
			var got []string
			err := s.release([]*route{ra, rb}, batches, func(r *route, b types.Batch) error {
				name := "a"
				if r == rb {
					name = "b"
				}
				var rows []string
				for _, c := range b {
					rows = append(rows, c.Row[0].Str())
				}
				got = append(got, name+"["+strings.Join(rows, " ")+"]")
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if g := strings.Join(got, " "); g != p.want {
				t.Errorf("got  %s\nwant %s", g, p.want)
			}
		})
	}
}

// mark decodes records "partition:time" of a table as decode does: one
// change per record, marked with its partition and timestamp.
func mark(r *route, name string, recs []string) types.Batch {
	r.order.reset()
	var b types.Batch
	for _, s := range recs {
		var p int32
		var ts int64
		fmt.Sscanf(s, "%d:%d", &p, &ts)
		from := len(b)
		b = append(b, types.Change{Row: types.Row{types.NewString(fmt.Sprintf("%s%d@%d", name, p, ts))}, Diff: 1})
		r.order.mark(b, from, &kafka.Record{Partition: p, Timestamp: ts})
	}
	return b
}
