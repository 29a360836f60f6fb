package kafka

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// RecordWriter writes records and returns once they are acknowledged: a
// Writer (each record durable at once) or a TxnWriter (records visible to
// read_committed readers when the transaction commits).
type RecordWriter interface {
	Write(ctx context.Context, recs []Record) error
}

var (
	_ RecordWriter = (*Writer)(nil)
	_ RecordWriter = (*TxnWriter)(nil)
)

// TxnWriter is a transactional producer: the records of every Write
// between two Commits form one Kafka transaction, which read_committed
// readers see whole or not at all. It belongs to one goroutine (a query's):
// Write, Commit, Abort and Close must not be called concurrently.
//
// Its transactional id fences: opening a TxnWriter with the id of another,
// still running one (a zombie of a query that was restarted) makes every
// later write or commit of the old one fail, and aborts the transaction the
// old one had open, so exactly one instance of a query writes at a time.
type TxnWriter struct {
	cl  *kgo.Client
	id  string
	in  bool                // a transaction is open
	ids map[string][16]byte // topic ids, for CommitOffsets
}

// TxnError is an error of a transaction: the broker refused or lost a
// write or the commit. The transaction can only be aborted, and whether a
// failed commit took effect is unknown; a new TxnWriter of the same id
// settles it.
type TxnError struct{ Err error }

func (e *TxnError) Error() string { return e.Err.Error() }
func (e *TxnError) Unwrap() error { return e.Err }

// TxnTimeout is how long the broker waits before aborting a transaction
// whose producer went silent. A restarted query fences its old transaction
// at once; the timeout only matters for a query that never comes back.
const TxnTimeout = time.Minute

// NewTxnWriter opens a transactional producer with the given id and
// initializes it with the broker, which fences every earlier producer of
// the id and finishes the transaction it left open (committing it if its
// commit had begun, aborting it otherwise). When NewTxnWriter returns, the
// last stable offsets of the topics an earlier instance wrote are final.
func NewTxnWriter(ctx context.Context, c *Cluster, id string) (*TxnWriter, error) {
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(c.brokers...),
		kgo.RecordPartitioner(partitioner{}),
		kgo.UnknownTopicRetries(3),
		kgo.TransactionalID(id),
		kgo.TransactionTimeout(TxnTimeout),
	)
	if err != nil {
		return nil, fmt.Errorf("kafka: transactional producer %s: %w", id, err)
	}
	if _, _, err := cl.ProducerID(ctx); err != nil {
		cl.Close()
		return nil, fmt.Errorf("kafka: initialize transactional producer %s: %w", id, err)
	}
	return &TxnWriter{cl: cl, id: id}, nil
}

// Write produces recs in the open transaction (beginning one if none is)
// and waits for their acknowledgement, which fills in each record's
// Partition and Offset. After an error the transaction can only abort.
func (w *TxnWriter) Write(ctx context.Context, recs []Record) error {
	if len(recs) == 0 {
		return nil
	}
	if !w.in {
		if err := w.cl.BeginTransaction(); err != nil {
			return &TxnError{fmt.Errorf("kafka: begin transaction %s: %w", w.id, err)}
		}
		w.in = true
	}
	krs := make([]kgo.Record, len(recs))
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	wg.Add(len(recs))
	for i := range recs {
		if recs[i].Topic == "" {
			wg.Add(-(len(recs) - i))
			wg.Wait()
			return fmt.Errorf("kafka writer: record %d has no topic", i)
		}
		kr := &krs[i]
		toKgo(kr, &recs[i])
		r := &recs[i]
		w.cl.Produce(ctx, kr, func(kr *kgo.Record, err error) {
			if err != nil {
				mu.Lock()
				if first == nil {
					first = fmt.Errorf("write to topic %q partition %d in transaction %s: %w", kr.Topic, kr.Partition, w.id, err)
				}
				mu.Unlock()
			} else {
				r.Partition, r.Offset = kr.Partition, kr.Offset
			}
			wg.Done()
		})
	}
	wg.Wait()
	if first != nil {
		return &TxnError{first}
	}
	return nil
}

// InTxn reports whether a transaction is open.
func (w *TxnWriter) InTxn() bool { return w.in }

// Commit commits the open transaction (nothing to do without one). An
// error leaves the outcome unknown: the transaction may have committed. The
// caller must then not assume either, but restart from what the broker
// holds, opening a new TxnWriter (which settles the transaction first).
func (w *TxnWriter) Commit(ctx context.Context) error {
	if !w.in {
		return nil
	}
	w.in = false
	if err := w.cl.Flush(ctx); err != nil {
		return &TxnError{fmt.Errorf("kafka: flush transaction %s: %w", w.id, err)}
	}
	if err := w.cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
		return &TxnError{fmt.Errorf("kafka: commit transaction %s: %w", w.id, err)}
	}
	return nil
}

// Abort aborts the open transaction, if any: read_committed readers never
// see its records, and the topics' last stable offsets move past them.
func (w *TxnWriter) Abort(ctx context.Context) error {
	if !w.in {
		return nil
	}
	w.in = false
	err := w.cl.AbortBufferedRecords(ctx)
	if err2 := w.cl.EndTransaction(ctx, kgo.TryAbort); err == nil {
		err = err2
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("kafka: abort transaction %s: %w", w.id, err)
	}
	return err
}

// Close releases the producer. A transaction still open is left to the
// broker, which aborts it when the next producer of the id starts or when
// it times out; call Abort first to end it at once.
func (w *TxnWriter) Close() { w.cl.Close() }

// CommitOffsets commits offsets (the next offset to read, per topic and
// partition) for the consumer group in the open transaction, which must
// already hold a record: they take effect when it commits, with it, so
// Kafka's own tools show the group's lag. The group has no members; riffle
// keeps its own positions and reads them back from its changelog.
func (w *TxnWriter) CommitOffsets(ctx context.Context, group string, offsets Positions) error {
	if !w.in {
		return errors.New("kafka: commit offsets outside a transaction")
	}
	id, epoch, err := w.cl.ProducerID(ctx)
	if err != nil {
		return &TxnError{fmt.Errorf("kafka: commit offsets of group %s: %w", group, err)}
	}
	add := kmsg.NewPtrAddOffsetsToTxnRequest()
	add.TransactionalID, add.ProducerID, add.ProducerEpoch, add.Group = w.id, id, epoch, group
	addResp, err := add.RequestWith(ctx, w.cl)
	if err == nil {
		err = kerr.ErrorForCode(addResp.ErrorCode)
	}
	if err != nil {
		return &TxnError{fmt.Errorf("kafka: add offsets of group %s to transaction %s: %w", group, w.id, err)}
	}
	if err := w.topicIDs(ctx, offsets); err != nil {
		return &TxnError{err}
	}
	req := kmsg.NewPtrTxnOffsetCommitRequest()
	req.TransactionalID, req.Group, req.ProducerID, req.ProducerEpoch = w.id, group, id, epoch
	req.Generation, req.MemberID = -1, ""
	for _, topic := range slices.Sorted(maps.Keys(offsets)) {
		rt := kmsg.NewTxnOffsetCommitRequestTopic()
		rt.Topic, rt.TopicID = topic, w.ids[topic]
		for _, p := range slices.Sorted(maps.Keys(offsets[topic])) {
			rp := kmsg.NewTxnOffsetCommitRequestTopicPartition()
			rp.Partition, rp.Offset, rp.LeaderEpoch = p, offsets[topic][p], -1
			rt.Partitions = append(rt.Partitions, rp)
		}
		req.Topics = append(req.Topics, rt)
	}
	resp, err := req.RequestWith(ctx, w.cl)
	if err != nil {
		return &TxnError{fmt.Errorf("kafka: commit offsets of group %s: %w", group, err)}
	}
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				return &TxnError{fmt.Errorf("kafka: commit offset of group %s, topic %s partition %d: %w", group, t.Topic, p.Partition, err)}
			}
		}
	}
	return nil
}

// topicIDs learns the ids of the topics of offsets, which newer versions
// of TxnOffsetCommit name topics by.
func (w *TxnWriter) topicIDs(ctx context.Context, offsets Positions) error {
	var missing []string
	for t := range offsets {
		if _, ok := w.ids[t]; !ok {
			missing = append(missing, t)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	req := kmsg.NewPtrMetadataRequest()
	for _, t := range missing {
		rt := kmsg.NewMetadataRequestTopic()
		rt.Topic = kmsg.StringPtr(t)
		req.Topics = append(req.Topics, rt)
	}
	resp, err := req.RequestWith(ctx, w.cl)
	if err != nil {
		return fmt.Errorf("kafka: metadata of topics %v: %w", missing, err)
	}
	if w.ids == nil {
		w.ids = map[string][16]byte{}
	}
	for _, t := range resp.Topics {
		if t.Topic != nil {
			w.ids[*t.Topic] = t.TopicID
		}
	}
	return nil
}
