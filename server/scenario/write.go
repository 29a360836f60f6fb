package scenario

import (
	"context"
	"hash/fnv"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
)

// tableInfo is what producing to a table needs: its topic and the names of
// the columns a record carries (virtual metadata columns excluded).
type tableInfo struct {
	topic string
	cols  []string
}

// write writes a step's records in the configured way.
func (r *runner) write(recs []record) {
	if r.cfg.Kafka {
		r.produce(recs)
		return
	}
	r.insert(recs)
}

// insert writes records with INSERT INTO t VALUES, one statement per run of
// consecutive records of the same table. Raw lines cannot be written with
// SQL and are skipped; key, partition and ts are ignored.
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
		if rec.table != table {
			flush()
			table = rec.table
		}
		tuples = append(tuples, "("+strings.Join(rec.tuple, ", ")+")")
	}
	flush()
}

// produce writes records with a Kafka client, in order, and waits until the
// broker has acknowledged them all.
func (r *runner) produce(recs []record) {
	if len(recs) == 0 {
		return
	}
	if r.kafka == nil {
		cl, err := kgo.NewClient(kgo.SeedBrokers(r.srv.Brokers()...),
			kgo.RecordPartitioner(kgo.BasicConsistentPartitioner(r.partitioner)))
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
	if err := r.kafka.ProduceSync(ctx, krs...).FirstErr(); err != nil {
		r.fatalf("produce: %v", err)
	}
}

type partitionKey struct{}

func (r *runner) kafkaRecord(rec record) *kgo.Record {
	t := r.table(rec.table)
	kr := &kgo.Record{Topic: t.topic, Timestamp: rec.ts, Context: context.Background()}
	if rec.key != nil {
		kr.Key = []byte(*rec.key)
	}
	if rec.partition >= 0 {
		kr.Context = context.WithValue(kr.Context, partitionKey{}, rec.partition)
	}
	if rec.raw != nil {
		kr.Value = []byte(*rec.raw)
		return kr
	}
	v, err := jsonRecord(t.cols, rec.tuple)
	if err != nil {
		r.fatalf("input %q: %v", rec.line, err)
	}
	kr.Value = v
	return kr
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

// table looks up a table's topic and writable columns.
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
		if !strings.Contains(unquote(c[4]), "VIRTUAL") {
			t.cols = append(t.cols, unquote(c[0]))
		}
	}
	r.tables[lname] = t
	return t
}
