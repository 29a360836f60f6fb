package operator

import (
	"context"
	"fmt"
	"sort"
	"time"

	"riffle/catalog"
	"riffle/connectors/kafka"
	"riffle/exec/state"
	"riffle/sql/types"
)

// KafkaSink writes a query's changes as records to a table's topic. It
// buffers the records of a barrier and writes them at the barrier, waiting
// for every acknowledgement, so the runtime commits source positions only
// after the output is written: nothing is lost. Through a transactional
// writer (the default, 'sink.delivery-guarantee' = 'exactly-once') the
// records join the query's epoch transaction, which commits with its state
// changelog; through a plain writer ('at-least-once') a crash between the
// write and the runtime's commit re-sends the epoch.
//
// On an append-only table every change must be an insert (the planner
// checks). On an upsert table the epoch's changes are consolidated per
// primary key: a key whose last live row is r gets r as its value; a key
// whose rows were all retracted gets a tombstone; a key whose changes cancel
// out gets nothing. The only memory that grows is that of the epoch's keys.
type KafkaSink struct {
	writer kafka.RecordWriter
	topic  string
	enc    *RecordEncoder
	upsert bool
	// changelog: the table's records carry changes (a CDC format), so
	// every change is a record, retractions as deletes.
	changelog bool
	recs      []kafka.Record
	// keyed holds an upsert table's changes of the epoch, by encoded key.
	keyed map[string][]types.Change
	kbuf  []byte
	krow  types.Row
	// timeCol is the written column holding a row's event time (-1: none):
	// it becomes the record's timestamp, so readers downstream see when the
	// event happened, not when riffle wrote it (TW-17).
	timeCol int
}

var _ Operator = (*KafkaSink)(nil)

// NewKafkaSink returns a sink writing rows of table's writable columns to
// its topic.
func NewKafkaSink(w kafka.RecordWriter, table *catalog.Object) *KafkaSink {
	s, _ := NewKafkaSinkWith(w, table, nil)
	return s
}

// NewKafkaSinkWith is NewKafkaSink for a table whose avro-confluent codecs
// use regs (nil: only a table naming its registry can be written).
func NewKafkaSinkWith(w kafka.RecordWriter, table *catalog.Object, regs *Registries) (*KafkaSink, error) {
	enc, err := NewRecordEncoderWith(table, regs)
	return &KafkaSink{writer: w, topic: table.Options["topic"], enc: enc, changelog: table.Changelog(),
		upsert: len(table.PrimaryKey) > 0 && !table.Changelog(), keyed: map[string][]types.Change{}, timeCol: -1}, err
}

// SetEventTime makes written column col (a timestamp) each record's
// timestamp.
func (s *KafkaSink) SetEventTime(col int) { s.timeCol = col }

// stamp is the timestamp (ms) of row's record: its event time, or now.
func (s *KafkaSink) stamp(row types.Row, now int64) int64 {
	if s.timeCol >= 0 && s.timeCol < len(row) && !row[s.timeCol].IsNull() {
		return time.UnixMicro(row[s.timeCol].I).UnixMilli()
	}
	return now
}

func (s *KafkaSink) Open(context.Context, *Env) error { return nil }

func (s *KafkaSink) OnBatch(_ context.Context, _ int, b types.Batch, _ Emitter) error {
	now := time.Now().UnixMilli()
	for _, c := range b {
		if s.upsert {
			s.krow = s.enc.KeyOf(c.Row, s.krow)
			s.kbuf = state.AppendTupleKey(s.kbuf[:0], s.krow)
			s.keyed[string(s.kbuf)] = append(s.keyed[string(s.kbuf)], types.Change{Row: c.Row.Clone(), Diff: c.Diff})
			continue
		}
		if c.Diff < 0 && !s.changelog {
			return fmt.Errorf("kafka sink %s: a retraction reached an append-only topic", s.topic)
		}
		for range max(c.Diff, -c.Diff) {
			// On a CDC table a retraction is a delete record.
			r, err := s.enc.Encode(c.Row, s.stamp(c.Row, now), c.Diff < 0)
			if err != nil {
				return fmt.Errorf("encode record for topic %s: %w", s.topic, err)
			}
			s.recs = append(s.recs, r)
		}
	}
	return nil
}

// upsertRecords turns the epoch's changes per key into one record per key
// that changed, in key order (so the output does not depend on map order).
func (s *KafkaSink) upsertRecords() error {
	keys := make([]string, 0, len(s.keyed))
	for k := range s.keyed {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	now := time.Now().UnixMilli()
	for _, k := range keys {
		changes := s.keyed[k]
		var live, gone types.Row
		net := map[int]int64{}
		for i, c := range changes {
			net[first(changes, i)] += int64(c.Diff)
		}
		for i, n := range net {
			switch {
			case n > 0:
				live = changes[i].Row
			case n < 0:
				gone = changes[i].Row
			}
		}
		var r kafka.Record
		var err error
		switch {
		case live != nil:
			r, err = s.enc.Encode(live, s.stamp(live, now), false)
		case gone != nil:
			r, err = s.enc.Encode(gone, s.stamp(gone, now), true)
		default:
			continue
		}
		if err != nil {
			return fmt.Errorf("encode record for topic %s: %w", s.topic, err)
		}
		s.recs = append(s.recs, r)
	}
	clear(s.keyed)
	return nil
}

// first returns the index of the first change whose row equals change i's.
func first(cs []types.Change, i int) int {
	for j := range i {
		if types.CompareRows(cs[j].Row, cs[i].Row) == 0 {
			return j
		}
	}
	return i
}

func (s *KafkaSink) OnBarrier(ctx context.Context) error {
	if s.upsert {
		if err := s.upsertRecords(); err != nil {
			return err
		}
	}
	if len(s.recs) == 0 {
		return nil
	}
	if err := s.writer.Write(ctx, s.recs); err != nil {
		return fmt.Errorf("write to topic %s: %w", s.topic, err)
	}
	s.recs = s.recs[:0]
	return nil
}

func (s *KafkaSink) Close() error { return nil }
