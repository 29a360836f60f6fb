package runtime

import (
	"context"
	"strings"

	"riffle/catalog"
	"riffle/connectors/format"
	"riffle/exec/operator"
	"riffle/sql/types"
)

// lateRows sends the rows a query's operators drop as late to the query's
// late-rows table, when it has one (the session's 'riffle.late-rows.table'
// when the query was created): so dropping is a choice the user can see
// and act on, not a silent loss. Each late row becomes one record of that
// table; its columns are filled by name:
//
//	query       the query's id
//	reason      why the row was late
//	row         the dropped row, as a JSON object of the operator's input columns
//	event_time  the row's event time
//	watermark   the watermark it was judged by
//
// Other columns are NULL. The records are written with the epoch, before
// its commit, like a Kafka sink's.
type lateRows struct {
	sink    *operator.KafkaSink
	fill    []string // per writable column of the table: what fills it ("" NULL)
	pending types.Batch
}

// lateColumns are the columns lateRows fills, by name.
var lateColumns = []string{"query", "reason", "row", "event_time", "watermark"}

func newLateRows(q *Query, t *catalog.Object) *lateRows {
	// A sink whose codecs cannot be built fails each write with why.
	sink, _ := operator.NewKafkaSinkWith(q.writer(), t, q.deps.Registries)
	l := &lateRows{sink: sink}
	for i, c := range t.Schema.Columns {
		if t.Columns != nil && t.Columns[i].Virtual {
			continue
		}
		fill := ""
		for _, name := range lateColumns {
			if strings.EqualFold(c.Name, name) {
				fill = name
			}
		}
		l.fill = append(l.fill, fill)
	}
	return l
}

// reporter is the Late callback of the operator whose input has schema
// in: it counts each late row and, with a late-rows table, queues it. Each
// task's operators have their own; the queue is the query's.
func (q *Query) reporter(in types.Schema) func(operator.LateRow) {
	enc := format.NewJSONEncoder(in)
	return func(lr operator.LateRow) {
		q.late.Add(int64(lr.Diff))
		if q.lateRows == nil {
			return
		}
		row := make(types.Row, len(q.lateRows.fill))
		for i, f := range q.lateRows.fill {
			switch f {
			case "query":
				row[i] = types.NewString(q.ID)
			case "reason":
				row[i] = types.NewString(lr.Reason)
			case "row":
				b, err := enc.Encode(nil, lr.Row)
				if err == nil {
					row[i] = types.NewString(string(b))
				}
			case "event_time":
				if lr.Time != 0 {
					row[i] = types.NewTimestamp(lr.Time)
				}
			case "watermark":
				if lr.Wm != 0 {
					row[i] = types.NewTimestamp(lr.Wm)
				}
			}
		}
		q.lateMu.Lock()
		defer q.lateMu.Unlock()
		for range max(lr.Diff, 1) {
			q.lateRows.pending = append(q.lateRows.pending, types.Change{Row: row, Diff: 1})
		}
	}
}

// flush writes the epoch's late rows, before the epoch commits.
func (l *lateRows) flush(ctx context.Context) error {
	if len(l.pending) == 0 {
		return nil
	}
	if err := l.sink.OnBatch(ctx, 0, l.pending, nil); err != nil {
		return err
	}
	l.pending = l.pending[:0]
	return l.sink.OnBarrier(ctx)
}
