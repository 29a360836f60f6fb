package extest

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TableDDL declares a source table over a single-partition topic of the
// same name, with the Kafka encoding its kind asks for (see Records):
//
//   - append: 'connector' = 'kafka', JSON values;
//   - upsert: 'connector' = 'upsert-kafka' with PRIMARY KEY … NOT ENFORCED,
//     JSON keys and values;
//   - retract: 'connector' = 'kafka' with 'format' = 'debezium-json'.
//
// A table with event time declares WATERMARK FOR its column with the
// case's delay. Identifiers are quoted: cases name columns key, value,
// time and the like. Only append tables without event time are built
// today; the rest is what the next issues will be played with.
func TableDDL(t *SourceTable) string {
	defs := make([]string, 0, len(t.Columns)+2)
	for _, c := range t.Columns {
		defs = append(defs, quote(c[0])+" "+ddlType(c[1]))
	}
	if et := t.EventTime; et != nil && et.Source == "column" {
		defs = append(defs, fmt.Sprintf("WATERMARK FOR %s AS %s - %s", quote(et.Column), quote(et.Column), intervalMillis(et.WatermarkDelayMs)))
	}
	opts := []string{"'topic' = '" + t.Name + "'", "'topic.partitions' = '1'"}
	if et := t.EventTime; et != nil && et.LateRows == "dropped_at_source" {
		// The origin engine filtered rows behind the table's watermark.
		opts = append(opts, "'scan.watermark.drop-late' = 'true'")
	}
	switch t.Kind {
	case "upsert":
		keys := make([]string, len(t.Key))
		for i, k := range t.Key {
			keys[i] = quote(k)
		}
		defs = append(defs, "PRIMARY KEY ("+strings.Join(keys, ", ")+") NOT ENFORCED")
		opts = append([]string{"'connector' = 'upsert-kafka'"}, append(opts, "'key.format' = 'json'", "'value.format' = 'json'")...)
	case "retract":
		opts = append([]string{"'connector' = 'kafka'"}, append(opts, "'format' = 'debezium-json'")...)
	default:
		opts = append([]string{"'connector' = 'kafka'"}, append(opts, "'format' = 'json'")...)
	}
	return fmt.Sprintf("CREATE TABLE %s (%s) WITH (%s)", quote(t.Name), strings.Join(defs, ", "), strings.Join(opts, ", "))
}

func quote(name string) string { return "`" + strings.ReplaceAll(name, "`", "``") + "`" }

// intervalMillis writes a delay in Flink's interval syntax.
func intervalMillis(ms int64) string {
	if ms%1000 == 0 {
		return fmt.Sprintf("INTERVAL '%d' SECOND", ms/1000)
	}
	return fmt.Sprintf("INTERVAL '%d.%03d' SECOND", ms/1000, ms%1000)
}

// Records encodes a step's events as Kafka records, in order, following
// the format's mapping of table kinds onto encodings:
//
//   - append: a +I is the row as a JSON object; a null row is a record
//     with a null value (a bad record, not a delete);
//   - upsert: the key is a JSON object of the key columns; +I, +U and
//     upsert carry the row as the value, -D and delete a tombstone; -U is
//     dropped, since the +U that follows replaces the row;
//   - retract: Debezium JSON; a -U directly followed by a +U of the same
//     table is one update with before and after images.
//
// A record carries the event's ts as its timestamp when there is one.
func Records(c *Case, events []Event) ([]*kgo.Record, error) {
	var out []*kgo.Record
	for i := 0; i < len(events); i++ {
		e := &events[i]
		t := c.Table(e.Table)
		var (
			rec *kgo.Record
			err error
		)
		switch t.Kind {
		case "append":
			rec, err = appendRecord(t, e)
		case "upsert":
			rec, err = upsertRecord(t, e)
		case "retract":
			var next *Event
			if i+1 < len(events) {
				next = &events[i+1]
			}
			var paired bool
			rec, paired, err = retractRecord(t, e, next)
			if paired {
				i++
			}
		default:
			err = fmt.Errorf("table %s: unknown kind %q", t.Name, t.Kind)
		}
		if err != nil {
			return nil, err
		}
		if rec == nil {
			continue
		}
		rec.Topic = t.Name
		if e.Ts != nil {
			rec.Timestamp = time.UnixMilli(*e.Ts)
		}
		out = append(out, rec)
	}
	return out, nil
}

func appendRecord(t *SourceTable, e *Event) (*kgo.Record, error) {
	if e.Row == nil {
		return &kgo.Record{}, nil
	}
	if e.Op != "+I" {
		return nil, fmt.Errorf("event %s on the append table %s", e.Op, t.Name)
	}
	v, err := rowJSON(t, e.Row)
	return &kgo.Record{Value: v}, err
}

func upsertRecord(t *SourceTable, e *Event) (*kgo.Record, error) {
	key, err := keyJSON(t, e)
	if err != nil {
		return nil, err
	}
	switch e.Op {
	case "-U":
		return nil, nil
	case "-D", "delete":
		return &kgo.Record{Key: key}, nil
	case "+I", "+U", "upsert":
		if e.Row == nil {
			return nil, fmt.Errorf("%s event on %s without a row", e.Op, t.Name)
		}
		v, err := rowJSON(t, e.Row)
		return &kgo.Record{Key: key, Value: v}, err
	}
	return nil, fmt.Errorf("event %s on the upsert table %s", e.Op, t.Name)
}

// keyJSON is the event's key columns as a JSON object: from its key when
// it gives one, else from its row.
func keyJSON(t *SourceTable, e *Event) ([]byte, error) {
	if len(t.Key) == 0 {
		return nil, fmt.Errorf("upsert table %s declares no key", t.Name)
	}
	obj := make(map[string]any, len(t.Key))
	for i, k := range t.Key {
		switch {
		case len(e.Key) == len(t.Key):
			obj[k] = e.Key[i]
		case e.Row != nil:
			j := columnIndex(t, k)
			if j < 0 {
				return nil, fmt.Errorf("table %s: key column %q is not a column", t.Name, k)
			}
			obj[k] = e.Row[j]
		default:
			return nil, fmt.Errorf("%s event on %s has neither a key nor a row", e.Op, t.Name)
		}
	}
	return json.Marshal(obj)
}

func retractRecord(t *SourceTable, e, next *Event) (rec *kgo.Record, paired bool, err error) {
	if e.Row == nil {
		return nil, false, fmt.Errorf("%s event on %s without a row", e.Op, t.Name)
	}
	row, err := rowObject(t, e.Row)
	if err != nil {
		return nil, false, err
	}
	var msg map[string]any
	switch e.Op {
	case "+I", "+U":
		msg = map[string]any{"before": nil, "after": row, "op": "c"}
	case "-D":
		msg = map[string]any{"before": row, "after": nil, "op": "d"}
	case "-U":
		msg = map[string]any{"before": row, "after": nil, "op": "d"}
		if next != nil && next.Table == e.Table && next.Op == "+U" && next.Row != nil {
			after, err := rowObject(t, next.Row)
			if err != nil {
				return nil, false, err
			}
			msg = map[string]any{"before": row, "after": after, "op": "u"}
			paired = true
		}
	default:
		return nil, false, fmt.Errorf("event %s on the retract table %s", e.Op, t.Name)
	}
	v, err := json.Marshal(msg)
	return &kgo.Record{Value: v}, paired, err
}

func rowJSON(t *SourceTable, row []any) ([]byte, error) {
	obj, err := rowObject(t, row)
	if err != nil {
		return nil, err
	}
	return json.Marshal(obj)
}

// rowObject maps a row onto its table's column names. Values keep their
// YAML types: numbers stay numbers and timestamps stay strings, which is
// what riffle's JSON format reads. The one exception: a boolean column's
// 1 or 0, as some cases write the row a delete removes (PostgreSQL's
// boolean input takes them), is true or false.
func rowObject(t *SourceTable, row []any) (map[string]any, error) {
	if len(row) != len(t.Columns) {
		return nil, fmt.Errorf("table %s: row %v has %d values for %d columns", t.Name, row, len(row), len(t.Columns))
	}
	obj := make(map[string]any, len(row))
	for i, v := range row {
		if canonicalType(t.Columns[i][1]) == "interval" && v != nil {
			ms, err := intervalMillisOf(v)
			if err != nil {
				return nil, fmt.Errorf("table %s, column %s: %w", t.Name, t.Columns[i][0], err)
			}
			v = ms
		}
		if strings.EqualFold(t.Columns[i][1], "boolean") {
			switch v {
			case 1:
				v = true
			case 0:
				v = false
			}
		}
		obj[t.Columns[i][0]] = v
	}
	return obj, nil
}

func columnIndex(t *SourceTable, name string) int {
	for i, c := range t.Columns {
		if c[0] == name {
			return i
		}
	}
	return -1
}

// intervalUnits are the units of the cases' interval values, in
// milliseconds.
var intervalUnits = map[string]int64{
	"d": 86400e3, "day": 86400e3, "days": 86400e3,
	"h": 3600e3, "hour": 3600e3, "hours": 3600e3,
	"m": 60e3, "min": 60e3, "mins": 60e3, "minute": 60e3, "minutes": 60e3,
	"s": 1e3, "sec": 1e3, "secs": 1e3, "second": 1e3, "seconds": 1e3,
	"ms": 1, "millisecond": 1, "milliseconds": 1,
}

// intervalMillisOf reads a case's interval value, "INTERVAL 24 h" or
// "1 day 2 hours" (number and unit pairs, the word INTERVAL optional), as
// the milliseconds riffle's JSON format reads for an INTERVAL DAY TO
// SECOND. Months and years have no fixed length and are refused.
func intervalMillisOf(v any) (int64, error) {
	s, ok := v.(string)
	if !ok {
		return 0, fmt.Errorf("interval %v: want text such as 'INTERVAL 24 h'", v)
	}
	f := strings.Fields(s)
	if len(f) > 0 && strings.EqualFold(f[0], "interval") {
		f = f[1:]
	}
	if len(f) == 0 || len(f)%2 != 0 {
		return 0, fmt.Errorf("interval %q: want number and unit pairs", s)
	}
	var ms int64
	for i := 0; i < len(f); i += 2 {
		n, err := strconv.ParseFloat(f[i], 64)
		unit, known := intervalUnits[strings.ToLower(f[i+1])]
		if err != nil || !known {
			return 0, fmt.Errorf("interval %q: cannot read %q %q", s, f[i], f[i+1])
		}
		ms += int64(math.Round(n * float64(unit)))
	}
	return ms, nil
}
