package embedded

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// settleTimeout bounds the scan settleCrashedTxns makes at start.
const settleTimeout = 2 * time.Minute

// settleCrashedTxns writes the abort markers of the transactions a crash
// left open. kfake, reloading a log whose last records of a producer are
// transactional with no marker after them (the process hosting it was
// killed mid-transaction), counts that transaction as aborted but writes no
// marker. A read_committed reader told of the aborted transaction (franz-go,
// as the Java client) skips the producer's batches from its first offset
// until it meets an abort marker of that producer: with none, it drops every
// later transaction of the same transactional id too (the same producer id
// at a new epoch), committed or not, until that id aborts one. So a query's
// output and changelog committed after the restart went unseen. A real
// broker's coordinator writes the marker when it settles the transaction;
// here we do, before any client connects: the log is read through from the
// start (read_uncommitted, control records kept) to find each partition's
// open transactions, and each gets an abort marker (WriteTxnMarkers), which
// adds no aborted range of its own.
func settleCrashedTxns(addr string) error {
	ctx, cancel := context.WithTimeout(context.Background(), settleTimeout)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		return err
	}
	defer cl.Close()
	meta, err := kmsg.NewPtrMetadataRequest().RequestWith(ctx, cl)
	if err != nil {
		return fmt.Errorf("list topics: %w", err)
	}
	type txn struct {
		topic     string
		partition int32
		pid       int64
	}
	open := map[txn]int16{} // transactions without a marker yet, and their epoch
	for _, t := range meta.Topics {
		if t.Topic == nil || len(t.Partitions) == 0 {
			continue
		}
		hw, err := highWatermarks(ctx, cl, *t.Topic, len(t.Partitions))
		if err != nil {
			return err
		}
		for p, end := range hw {
			err := scanBatches(ctx, cl, *t.Topic, t.TopicID, p, end, func(b *kmsg.RecordBatch) {
				k := txn{*t.Topic, p, b.ProducerID}
				switch {
				case b.Attributes&0x20 != 0: // a control batch: the marker
					delete(open, k)
				case b.Attributes&0x10 != 0: // transactional
					open[k] = b.ProducerEpoch
				}
			})
			if err != nil {
				return err
			}
		}
	}
	if len(open) == 0 {
		return nil
	}
	req := kmsg.NewPtrWriteTxnMarkersRequest()
	for k, epoch := range open {
		m := kmsg.NewWriteTxnMarkersRequestMarker()
		m.ProducerID, m.ProducerEpoch, m.Committed = k.pid, epoch, false
		mt := kmsg.NewWriteTxnMarkersRequestMarkerTopic()
		mt.Topic, mt.Partitions = k.topic, []int32{k.partition}
		m.Topics = append(m.Topics, mt)
		req.Markers = append(req.Markers, m)
	}
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return fmt.Errorf("write abort markers: %w", err)
	}
	for _, m := range resp.Markers {
		for _, t := range m.Topics {
			for _, p := range t.Partitions {
				if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
					return fmt.Errorf("write abort marker of producer %d to %s[%d]: %w", m.ProducerID, t.Topic, p.Partition, err)
				}
			}
		}
	}
	return nil
}

// scanBatches reads a partition's batch headers from its start up to end
// (read_uncommitted, the records left undecoded): the transactions a crash
// left open are at its end, but an open one may have begun anywhere.
func scanBatches(ctx context.Context, cl *kgo.Client, topic string, id [16]byte, partition int32, end int64, each func(*kmsg.RecordBatch)) error {
	for next := int64(0); next < end; {
		req := kmsg.NewPtrFetchRequest()
		req.MaxWaitMillis, req.MinBytes, req.MaxBytes = 0, 1, 16<<20
		req.IsolationLevel = 0 // read_uncommitted
		rt := kmsg.NewFetchRequestTopic()
		rt.Topic, rt.TopicID = topic, id // the id from version 13 on
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition, rp.FetchOffset, rp.PartitionMaxBytes, rp.LogStartOffset = partition, next, 16<<20, -1
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			return fmt.Errorf("read %s[%d]: %w", topic, partition, err)
		}
		if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
			return fmt.Errorf("read %s[%d]: unexpected fetch response", topic, partition)
		}
		fp := resp.Topics[0].Partitions[0]
		if err := kerr.ErrorForCode(fp.ErrorCode); err != nil {
			if errors.Is(err, kerr.OffsetOutOfRange) && next == 0 && fp.LogStartOffset > 0 {
				next = fp.LogStartOffset // records deleted from the start
				continue
			}
			return fmt.Errorf("read %s[%d] at %d: %w", topic, partition, next, err)
		}
		from := next
		raw := fp.RecordBatches
		for len(raw) >= 12 {
			n := 12 + int(int32(binary.BigEndian.Uint32(raw[8:12])))
			if n > len(raw) {
				break // a batch cut off by the size limit: fetched next
			}
			var b kmsg.RecordBatch
			if err := b.ReadFrom(raw[:n]); err != nil {
				return fmt.Errorf("read %s[%d] at %d: %w", topic, partition, next, err)
			}
			raw = raw[n:]
			if last := b.FirstOffset + int64(b.LastOffsetDelta); last >= next {
				each(&b)
				next = last + 1
			}
		}
		if next == from {
			return nil // nothing more to read (compaction left a gap at the end)
		}
	}
	return nil
}

// highWatermarks are the end offsets of a topic's partitions.
func highWatermarks(ctx context.Context, cl *kgo.Client, topic string, partitions int) (map[int32]int64, error) {
	req := kmsg.NewPtrListOffsetsRequest()
	rt := kmsg.NewListOffsetsRequestTopic()
	rt.Topic = topic
	for p := range int32(partitions) {
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Partition, rp.Timestamp = p, -1 // -1: the end
		rt.Partitions = append(rt.Partitions, rp)
	}
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return nil, fmt.Errorf("end offsets of %s: %w", topic, err)
	}
	hw := map[int32]int64{}
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				return nil, fmt.Errorf("end offset of %s[%d]: %w", topic, p.Partition, err)
			}
			hw[p.Partition] = p.Offset
		}
	}
	return hw, nil
}
