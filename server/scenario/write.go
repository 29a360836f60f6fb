package scenario

import (
	"context"
	enc "encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/twmb/franz-go/pkg/kgo"
)

// tableInfo is what producing to a table needs: its topic, the names of
// the columns a record carries (virtual metadata columns excluded), and for
// an upsert table its primary key and how the record key is written.
type tableInfo struct {
	topic string
	cols  []string
	// pk holds the indexes in cols of the primary key's columns; empty for
	// an append-only table.
	pk []int
	// rawKey: the record key is the (single) key column's bytes, not a JSON
	// object ('key.format' = 'raw'): a string's bytes, or an integer
	// big-endian in its type's width (rawWidth bytes), as Flink's raw format.
	rawKey   bool
	rawWidth int
	// exceptKey: the record value leaves out the key columns
	// ('value.fields-include' = 'EXCEPT_KEY').
	exceptKey bool
	// hasTS: the table has a writable METADATA FROM 'timestamp' column, at
	// index tsCol of cols; its value is the record's timestamp, not a field
	// of the value.
	hasTS bool
	tsCol int
	// hasKey: the table (append-only) has a writable METADATA FROM 'key'
	// column, at index keyCol of cols; its value is the record key, as
	// INSERT writes it, not a field of the value.
	hasKey bool
	keyCol int
}

// write writes a step's records in the configured way.
func (r *runner) write(recs []record) {
	r.feed(recs)
	if r.cfg.Kafka {
		r.produce(recs)
		return
	}
	r.insert(recs)
}

// insert writes records with INSERT INTO t VALUES, one statement per run of
// consecutive records of the same table, and a delete line with DELETE FROM
// t WHERE <key> = <values>. Raw lines cannot be written with SQL and are
// skipped; key, partition and ts are ignored.
func (r *runner) insert(recs []record) {
	var table string
	var tuples []string
	flush := func() {
		if len(tuples) > 0 {
			r.mustExec("INSERT INTO " + table + " VALUES " + strings.Join(tuples, ", "))
		}
		tuples = tuples[:0]
	}
	for _, rec := range recs {
		if rec.raw != nil {
			continue
		}
		if rec.del {
			flush()
			r.delete(rec)
			continue
		}
		if rec.table != table {
			flush()
			table = rec.table
		}
		tuples = append(tuples, "("+strings.Join(rec.tuple, ", ")+")")
	}
	flush()
}

// produce writes records with a Kafka client, in order, in one transaction,
// and waits until it has committed. The query reads read_committed, so it
// sees a step's records all at once, as the step means them: written one
// by one, a poll between two of them could take a later event of one topic
// before an earlier one of another, which event-time scheduling orders
// only within a poll (bank_overdraft's deposit before its withdrawal, on a
// loaded machine). The per-record configuration calls produce per record.
func (r *runner) produce(recs []record) {
	if len(recs) == 0 {
		return
	}
	if r.kafka == nil {
		cl, err := kgo.NewClient(kgo.SeedBrokers(r.srv.Brokers()...),
			kgo.RecordPartitioner(kgo.BasicConsistentPartitioner(r.partitioner)),
			kgo.TransactionalID(fmt.Sprintf("scenario-%d", time.Now().UnixNano())))
		if err != nil {
			r.fatalf("kafka client: %v", err)
		}
		r.kafka = cl
	}
	krs := make([]*kgo.Record, len(recs))
	for i, rec := range recs {
		krs[i] = r.kafkaRecord(rec)
	}
	ctx, cancel := context.WithTimeout(context.Background(), stmtTimeout)
	defer cancel()
	if err := r.kafka.BeginTransaction(); err != nil {
		r.fatalf("produce: begin a transaction: %v", err)
	}
	if err := r.kafka.ProduceSync(ctx, krs...).FirstErr(); err != nil {
		_ = r.kafka.EndTransaction(ctx, kgo.TryAbort)
		r.fatalf("produce: %v", err)
	}
	if err := r.kafka.EndTransaction(ctx, kgo.TryCommit); err != nil {
		r.fatalf("produce: commit: %v", err)
	}
}

type partitionKey struct{}

func (r *runner) kafkaRecord(rec record) *kgo.Record {
	t := r.table(rec.table)
	kr := &kgo.Record{Topic: t.topic, Timestamp: rec.ts, Context: context.Background()}
	if rec.partition >= 0 {
		kr.Context = context.WithValue(kr.Context, partitionKey{}, rec.partition)
	}
	if rec.raw != nil {
		kr.Value = []byte(*rec.raw)
		if rec.key != nil {
			kr.Key = []byte(*rec.key)
		}
		return kr
	}
	if t.hasTS && !rec.del && t.tsCol < len(rec.tuple) {
		ts, err := timestampLiteral(rec.tuple[t.tsCol])
		if err != nil {
			r.fatalf("input %q: %v", rec.line, err)
		}
		kr.Timestamp = time.UnixMilli(ts).UTC()
	}
	if t.hasKey && rec.key == nil && !rec.del && t.keyCol < len(rec.tuple) {
		if lit := rec.tuple[t.keyCol]; !strings.EqualFold(lit, "NULL") {
			k, rest, err := quoted(lit)
			if err != nil || strings.TrimSpace(rest) != "" {
				r.fatalf("input %q: record key %s: want a quoted string", rec.line, lit)
			}
			kr.Key = []byte(k)
		}
	}
	key, value, err := t.encode(rec)
	if err != nil {
		r.fatalf("input %q: %v", rec.line, err)
	}
	kr.Key, kr.Value = key, value
	return kr
}

// encode builds a record's key and value. The key is key= when given, else
// for an upsert table its primary key's values (a JSON object, or the raw
// value); a delete line's value is nil, a tombstone.
func (t *tableInfo) encode(rec record) (key, value []byte, err error) {
	var keyVals []string
	switch {
	case rec.del && len(t.pk) == 0:
		return nil, nil, fmt.Errorf("delete needs a table with a primary key")
	case rec.del:
		if len(rec.tuple) != len(t.pk) {
			return nil, nil, fmt.Errorf("delete wants %d key values (%s)", len(t.pk), strings.Join(t.pkNames(), ", "))
		}
		keyVals = rec.tuple
	case len(t.pk) > 0:
		if len(rec.tuple) != len(t.cols) {
			return nil, nil, fmt.Errorf("%d values for %d columns (%s)", len(rec.tuple), len(t.cols), strings.Join(t.cols, ", "))
		}
		for _, i := range t.pk {
			keyVals = append(keyVals, rec.tuple[i])
		}
	}
	if rec.key != nil {
		key = []byte(*rec.key)
	} else if keyVals != nil {
		if key, err = t.encodeKey(keyVals); err != nil {
			return nil, nil, err
		}
	}
	if rec.del {
		return key, nil, nil
	}
	cols, vals := t.cols, rec.tuple
	if (t.exceptKey || t.hasTS || t.hasKey) && len(vals) == len(cols) {
		cols, vals = nil, nil
		for i, c := range t.cols {
			if !(t.exceptKey && slices.Contains(t.pk, i)) && !(t.hasTS && i == t.tsCol) && !(t.hasKey && i == t.keyCol) {
				cols, vals = append(cols, c), append(vals, rec.tuple[i])
			}
		}
	}
	value, err = jsonRecord(cols, vals)
	return key, value, err
}

// encodeKey renders the primary key's values as the record key.
func (t *tableInfo) encodeKey(vals []string) ([]byte, error) {
	if !t.rawKey {
		return jsonRecord(t.pkNames(), vals)
	}
	if len(vals) != 1 || strings.EqualFold(vals[0], "NULL") {
		return nil, fmt.Errorf("a raw key is one non-NULL value")
	}
	if t.rawWidth > 0 {
		n, err := strconv.ParseInt(vals[0], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("raw integer key %s: %v", vals[0], err)
		}
		b := enc.BigEndian.AppendUint64(nil, uint64(n))
		return b[8-t.rawWidth:], nil
	}
	if s, rest, err := quoted(vals[0]); err == nil && strings.TrimSpace(rest) == "" {
		return []byte(s), nil
	}
	return []byte(vals[0]), nil
}

// intWidths are the raw format's widths of integer key columns.
var intWidths = map[string]int{"TINYINT": 1, "SMALLINT": 2, "INT": 4, "BIGINT": 8}

func (t *tableInfo) pkNames() []string {
	names := make([]string, len(t.pk))
	for i, c := range t.pk {
		names[i] = t.cols[c]
	}
	return names
}

// partitioner sends a record to its partition= (modulo the partition
// count), else by a hash of its key, else round robin, so that runs are
// repeatable.
func (r *runner) partitioner(string) func(*kgo.Record, int) int {
	return func(kr *kgo.Record, n int) int {
		if p, ok := kr.Context.Value(partitionKey{}).(int32); ok {
			return int(p) % n
		}
		if kr.Key != nil {
			h := fnv.New32a()
			h.Write(kr.Key)
			return int(h.Sum32() % uint32(n))
		}
		return int(r.next.Add(1) % int64(n))
	}
}

var (
	rawKeyOpt    = regexp.MustCompile(`(?i)'key\.format'\s*=\s*'raw'`)
	exceptKeyOpt = regexp.MustCompile(`(?i)'value\.fields-include'\s*=\s*'EXCEPT_KEY'`)
)

// table looks up a table's topic, writable columns, primary key (DESCRIBE)
// and key and value layout (SHOW CREATE TABLE).
func (r *runner) table(name string) *tableInfo {
	lname := strings.ToLower(name)
	if t, ok := r.tables[lname]; ok {
		return t
	}
	t := &tableInfo{}
	for _, row := range r.rows("SHOW TABLES") {
		if strings.EqualFold(unquote(row[0]), name) {
			t.topic = unquote(row[1])
		}
	}
	if t.topic == "" {
		r.fatalf("table %q does not exist", name)
	}
	for _, c := range r.rows("DESCRIBE " + name) {
		if strings.Contains(unquote(c[4]), "VIRTUAL") || strings.HasPrefix(unquote(c[4]), "AS ") {
			continue
		}
		if strings.Contains(unquote(c[4]), "METADATA FROM 'timestamp'") {
			t.hasTS, t.tsCol = true, len(t.cols)
		}
		if strings.Contains(unquote(c[4]), "METADATA FROM 'key'") {
			t.hasKey, t.keyCol = true, len(t.cols)
		}
		if unquote(c[3]) == "PRI" {
			t.pk = append(t.pk, len(t.cols))
			t.rawWidth = intWidths[strings.ToUpper(unquote(c[1]))]
		}
		t.cols = append(t.cols, unquote(c[0]))
	}
	if len(t.pk) > 0 {
		create := unquote(r.rows("SHOW CREATE TABLE " + name)[0][0])
		t.rawKey = rawKeyOpt.MatchString(create)
		t.exceptKey = exceptKeyOpt.MatchString(create)
	}
	r.tables[lname] = t
	return t
}

// delete writes a delete line with DELETE FROM … WHERE <key> = <values>.
// Until riffle has DELETE (it answers 0A000), the configuration is skipped:
// a tombstone cannot be written with SQL otherwise.
func (r *runner) delete(rec record) {
	t := r.table(rec.table)
	if len(t.pk) == 0 || len(rec.tuple) != len(t.pk) {
		r.fatalf("input %q: delete wants the %d values of the primary key of %s", rec.line, len(t.pk), rec.table)
	}
	var conds []string
	for i, c := range t.pkNames() {
		conds = append(conds, quoteIdent(c)+" = "+rec.tuple[i])
	}
	sql := "DELETE FROM " + rec.table + " WHERE " + strings.Join(conds, " AND ")
	err := r.exec(sql)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "0A000" {
		r.t.Skipf("%s: [%s] %s: riffle has no DELETE yet (%s), so a delete line cannot be written "+
			"in this configuration; the Kafka configurations write it as a tombstone", r.pos, r.cfg.Name, sql, pe.Message)
	}
	if err != nil {
		r.fatalf("%s: %v", sql, err)
	}
}

// quoteIdent quotes an identifier when it is not a plain lower-case name.
func quoteIdent(s string) string {
	if plainIdent.MatchString(s) {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

var plainIdent = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)
