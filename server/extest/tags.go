package extest

import (
	"regexp"
	"sort"
	"strings"
)

// Built maps each feature tag riffle supports today to what supports it.
// A tag belongs here only when the whole pipeline runs it: parser, binder,
// a continuous query, the snapshot read. Move a tag here from NotBuilt in
// the commit that lands its feature; the cases it unblocks then run, and
// must pass (or be listed in knownFailures with the bug).
var Built = map[string]string{
	"source:append":               "append-only Kafka tables in JSON",
	"subquery":                    "FROM (SELECT …) over one table",
	"coalesce":                    "scalar COALESCE",
	"aggregate":                   "GROUP BY aggregation with retraction (COUNT, SUM, AVG, MIN, MAX)",
	"group_by":                    "GROUP BY columns and expressions",
	"global_agg":                  "aggregates without GROUP BY: one row, even over empty input",
	"count_distinct":              "COUNT(DISTINCT …)",
	"distinct_agg":                "aggregates over DISTINCT values",
	"select_distinct":             "SELECT DISTINCT",
	"filter_clause":               "aggregate FILTER (WHERE …)",
	"top_n":                       "ROW_NUMBER() Top-N per partition",
	"row_number":                  "ROW_NUMBER() filtered by rank (Top-N, deduplication)",
	"union":                       "UNION ALL and UNION",
	"source:upsert":               "upsert-kafka tables with JSON keys and tombstones",
	"source:retract":              "debezium-json changelog tables (inserts, updates and deletes of whole rows)",
	"interval_arith":              "INTERVAL literals and timestamp arithmetic",
	"inner_join":                  "regular joins with retraction (exec/operator/join.go)",
	"left_join":                   "LEFT JOIN: padded rows come and go as matches do",
	"right_join":                  "RIGHT JOIN",
	"full_join":                   "FULL OUTER JOIN",
	"cross_join":                  "joins without an equality (every pair)",
	"intersect_except":            "INTERSECT and EXCEPT as semi and anti joins",
	"tumble":                      "TUMBLE windows over event time, fired by the watermark",
	"interval_join_condition":     "interval joins: state dropped as the watermark passes, outer rows padded then",
	"temporal_join":               "FOR SYSTEM_TIME AS OF joins, at event time and at processing time",
	"late_rows:dropped_at_source": "'scan.watermark.drop-late': a table that drops rows behind its watermark",
	"hop":                         "HOP windows",
	"watermark":                   "WATERMARK FOR, per-partition watermarks",
	"eowc":                        "window results emitted once, when the watermark closes the window",
	"event_time":                  "tables with an event-time column and a watermark; the end of input ends them (ALTER TABLE … bounded)",
	"over_window":                 "OVER windows: in event time (Flink's OVER aggregation) and updating (RisingWave's general over window)",
	"lag_lead":                    "LAG and LEAD over windows (LEAD in event time waits for the rows after)",
	"rank":                        "RANK and DENSE_RANK: over windows and Top-N with ties",
	"grouping_sets":               "GROUPING SETS, ROLLUP, CUBE with GROUPING()",
	"mv_on_mv":                    "continuous queries over materialized views, through the view's changes topic",
	"proctime":                    "PROCTIME(): processing-time temporal joins; the runner feeds such a case one event at a time",
	// A PostgreSQL construct riffle reads as written: a case whose
	// translation could not carry it plays its original SQL.
	"distinct_on": "SELECT DISTINCT ON (…) … ORDER BY …: a Top-1 per key, kept up to date",

	// Column types the runner maps onto riffle DDL (see ddlType).
	"type:int":       "INT",
	"type:smallint":  "SMALLINT",
	"type:bigint":    "BIGINT",
	"type:real":      "FLOAT",
	"type:double":    "DOUBLE",
	"type:string":    "STRING",
	"type:boolean":   "BOOLEAN",
	"type:timestamp": "TIMESTAMP(3)",
	// JSON strings with an offset decode, and values print with +00 as
	// PostgreSQL's timestamptz does in UTC.
	"type:timestamptz": "TIMESTAMP_LTZ(3)",
	"type:date":        "DATE",
	"type:time":        "TIME(6)",
	"type:decimal":     "DECIMAL",
	// Written as JSON milliseconds, which riffle's JSON format reads for
	// an INTERVAL DAY TO SECOND (see intervalMillisOf).
	"type:interval": "INTERVAL DAY TO SECOND(3)",
}

// Reasons a tag is not built: the piece of work it arrives with. The
// totals line counts skipped cases by these.
const (
	reasonAggregation = "incremental aggregation"
	reasonOver        = "OVER windows"
	reasonJoins       = "joins"
	reasonTime        = "event time and windows"
	reasonSetOps      = "set operations"
	reasonTypes       = "column types the runner does not map yet"
	reasonUntrans     = "untranslated (no Flink equivalent)"
	reasonUnknown     = "unclassified feature tag"
)

// NotBuilt maps each tag riffle does not support yet to the work it
// arrives with.
var NotBuilt = map[string]string{
	// JSON documents have no column mapping in the runner yet.
	"type:jsonb": reasonTypes,
}

// Decision says whether riffle can run a case, and if not, why.
type Decision struct {
	// Blocked lists "tag: reason" for every unbuilt tag, sorted.
	Blocked []string
	// Reasons are the distinct reasons, sorted.
	Reasons []string
}

// Run reports whether every feature of the case is built.
func (d Decision) Run() bool { return len(d.Reasons) == 0 }

// PlaysOriginal reports whether the case runs from its original
// (PostgreSQL or RisingWave) SQL rather than its Flink translation: it is
// untranslated because of PostgreSQL constructs, and riffle reads every
// one of them (each is a Built tag).
func (c *Case) PlaysOriginal() bool {
	if c.Fidelity != "untranslated" || len(c.PgIsms) == 0 {
		return false
	}
	for _, p := range c.PgIsms {
		if _, ok := Built[p]; !ok {
			return false
		}
	}
	return true
}

// Decide classifies a case by its tags (see Tags) and fidelity.
func Decide(c *Case) Decision {
	var d Decision
	reasons := map[string]bool{}
	if c.Fidelity == "untranslated" && !c.PlaysOriginal() {
		d.Blocked = append(d.Blocked, "fidelity untranslated: "+reasonUntrans)
		reasons[reasonUntrans] = true
	}
	for _, tag := range Tags(c) {
		if _, ok := Built[tag]; ok {
			continue
		}
		r, ok := NotBuilt[tag]
		if !ok {
			r = reasonUnknown
		}
		d.Blocked = append(d.Blocked, tag+": "+r)
		reasons[r] = true
	}
	for r := range reasons {
		d.Reasons = append(d.Reasons, r)
	}
	sort.Strings(d.Blocked)
	sort.Strings(d.Reasons)
	return d
}

// Tags are the case's own feature tags plus those the runner derives from
// the rest of the file, because the converter's tags do not cover them:
// the table kinds, the column types, event time, and views over
// materialized views. Sorted, without duplicates.
func Tags(c *Case) []string {
	set := map[string]bool{}
	for _, f := range c.Features {
		set[f] = true
	}
	for _, t := range c.SourceTables {
		set["source:"+t.Kind] = true
		for _, col := range t.Columns {
			set["type:"+canonicalType(col[1])] = true
		}
		if t.EventTime != nil {
			set["event_time"] = true
			if t.EventTime.LateRows == "dropped_at_source" {
				set["late_rows:dropped_at_source"] = true
			}
		}
	}
	if readsMaterializedView(c) {
		set["mv_on_mv"] = true
	}
	out := make([]string, 0, len(set))
	for t := range set {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// readsMaterializedView reports whether a view reads an earlier
// materialized view of the case. Plain views are expanded where they are
// used, so reading one is no different from reading its tables.
func readsMaterializedView(c *Case) bool {
	for i, v := range c.Views {
		for _, w := range c.Views[:i] {
			if !w.Materialized {
				continue
			}
			re := regexp.MustCompile(`(?i)\b(from|join)\s+` + regexp.QuoteMeta(w.Name) + `\b`)
			if re.MatchString(v.SQLFlink) {
				return true
			}
		}
	}
	return false
}

// canonicalType names a column type of the case (in its original
// dialect's spelling) without parameters, so that the tag tables list each
// type once: "VARCHAR(10)" is string, "double precision" is double.
func canonicalType(t string) string {
	t = strings.ToLower(strings.TrimSpace(t))
	if i := strings.IndexByte(t, '('); i >= 0 {
		t = strings.TrimSpace(t[:i])
	}
	switch t {
	case "int", "integer", "int4":
		return "int"
	case "smallint", "int2":
		return "smallint"
	case "bigint", "int8":
		return "bigint"
	case "real", "float4":
		return "real"
	// In PostgreSQL and RisingWave, whose spelling the cases keep, a bare
	// FLOAT is double precision.
	case "float", "float8", "double", "double precision":
		return "double"
	case "varchar", "character varying", "text", "string", "char", "character":
		return "string"
	case "boolean", "bool":
		return "boolean"
	case "timestamp", "timestamp without time zone":
		return "timestamp"
	case "timestamptz", "timestamp with time zone", "timestamp_ltz":
		return "timestamptz"
	case "time", "time without time zone":
		return "time"
	case "decimal", "numeric":
		return "decimal"
	case "interval":
		return "interval"
	}
	return t
}

// ddlType is the riffle DDL type for a case's column type. Only the types
// whose tags are in Built are asked for.
func ddlType(t string) string {
	switch canon := canonicalType(t); canon {
	case "int":
		return "INT"
	case "smallint":
		return "SMALLINT"
	case "bigint":
		return "BIGINT"
	case "real":
		return "FLOAT"
	case "double":
		return "DOUBLE"
	case "string":
		return "STRING"
	case "boolean":
		return "BOOLEAN"
	case "timestamp":
		return "TIMESTAMP(3)"
	case "timestamptz":
		return "TIMESTAMP_LTZ(3)"
	case "date":
		return "DATE"
	case "time":
		return "TIME(6)"
	case "interval":
		return "INTERVAL DAY TO SECOND(3)"
	case "decimal":
		// Keep the declared precision and scale; a bare NUMERIC in
		// PostgreSQL is unconstrained, so give it room.
		if i := strings.IndexByte(t, '('); i >= 0 {
			return "DECIMAL" + t[i:]
		}
		return "DECIMAL(38, 10)"
	default:
		return strings.ToUpper(canon)
	}
}
