package engine

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"

	"riffle/catalog"
	"riffle/exec/runtime"
)

// WriteMetrics writes every continuous query's counters in the Prometheus
// text format, the figures SHOW QUERIES shows: records read, changes
// written, bad and late rows, lag, and the output's watermark, each
// labelled with the query's id and what it maintains.
func (e *Engine) WriteMetrics(ctx context.Context, w io.Writer) error {
	type metric struct {
		name, kind, help string
		value            func(s stats) (float64, bool)
	}
	metrics := []metric{
		{"riffle_query_running", "gauge", "1 while the query runs, 0 when it is stopped, failed or finished.",
			func(s stats) (float64, bool) { return b2f(s.state == catalog.Running), true }},
		{"riffle_query_records_in_total", "counter", "Records read from the query's sources since it started.",
			func(s stats) (float64, bool) { return float64(s.RecordsIn), s.live }},
		{"riffle_query_records_out_total", "counter", "Changes the query emitted since it started.",
			func(s stats) (float64, bool) { return float64(s.RecordsOut), s.live }},
		{"riffle_query_bad_records_total", "counter", "Records the query could not read (skipped or dead-lettered).",
			func(s stats) (float64, bool) { return float64(s.BadRecords), s.live }},
		{"riffle_query_dead_letters_total", "counter", "Bad records written to dead-letter topics.",
			func(s stats) (float64, bool) { return float64(s.DeadLetters), s.live }},
		{"riffle_query_late_rows_total", "counter", "Rows dropped as late (kept across restarts).",
			func(s stats) (float64, bool) { return float64(s.LateRows), s.live }},
		{"riffle_query_lag_records", "gauge", "Records in the sources not yet committed.",
			func(s stats) (float64, bool) { return float64(s.Lag), s.live }},
		{"riffle_query_tasks", "gauge", "Tasks running the query: in each part of its plan between exchanges, the tasks that run it (SET 'parallelism.default').",
			func(s stats) (float64, bool) {
				n := 0
				for _, t := range s.Tasks {
					n += t
				}
				return float64(n), s.live
			}},
		{"riffle_query_watermark_seconds", "gauge", "Event time up to which the query's output is complete.",
			func(s stats) (float64, bool) {
				return float64(s.Watermark) / 1e6, s.live && s.Watermark > 0 && s.Watermark < math.MaxInt64
			}},
	}
	var all []stats
	for _, q := range e.cat.Queries() {
		s := stats{id: q.ID, target: q.Target, state: q.State}
		if rq := e.query(q.ID); rq != nil {
			end, _ := e.endOffsets(ctx, rq)
			s.Stats, s.live = rq.Stats(end), true
			if rq.Finished() {
				s.state = catalog.Finished
			}
		}
		all = append(all, s)
	}
	var b strings.Builder
	for _, m := range metrics {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", m.name, m.help, m.name, m.kind)
		for _, s := range all {
			if v, ok := m.value(s); ok {
				fmt.Fprintf(&b, "%s{query=%q,target=%q} %g\n", m.name, s.id, s.target, v)
			}
		}
	}
	// Bad records per table, for a query that reads several.
	const perTable = "riffle_table_bad_records_total"
	fmt.Fprintf(&b, "# HELP %s Records of the table the query could not read.\n# TYPE %s counter\n", perTable, perTable)
	for _, s := range all {
		for _, t := range slices.Sorted(maps.Keys(s.BadByTable)) {
			fmt.Fprintf(&b, "%s{query=%q,target=%q,table=%q} %d\n", perTable, s.id, s.target, t, s.BadByTable[t])
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// stats is one query's figures for WriteMetrics.
type stats struct {
	id, target string
	state      catalog.QueryState
	live       bool // running here: the counters are known
	runtime.Stats
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
