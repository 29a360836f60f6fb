package kafka

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Reader reads fixed sets of partitions of one or more topics from given
// offsets, in one client: a query reads all its inputs through one Reader.
// It belongs to one goroutine: Poll, Position and Close must not be called
// concurrently.
//
// It reads with read_committed isolation and counts transaction markers
// (which it does not return) in its position, so Position is always the
// offset to resume from, even where offsets have gaps.
type Reader struct {
	cl  *kgo.Client
	pos Positions
	// hold keeps back the records at or past these offsets (see Hold);
	// held are those fetched meanwhile, in fetch order.
	hold Positions
	held []*kgo.Record
	// Max bounds the records one Poll returns (0: MaxPollRecords).
	Max int
}

// MaxPollRecords bounds the records one Poll returns unless Reader.Max
// says otherwise: a query's epoch ends between polls, so a poll of
// everything a backlog holds would make one epoch (and one transaction) of
// it.
const MaxPollRecords = 4096

// Positions are offsets per topic and partition: the offset of the next
// record wanted.
type Positions map[string]map[int32]int64

// Clone returns a deep copy.
func (p Positions) Clone() Positions {
	out := make(Positions, len(p))
	for t, ps := range p {
		out[t] = maps.Clone(ps)
	}
	return out
}

// NewReader starts reading topic's partitions from the given offsets, the
// offset of the next record wanted in each partition (0 for the beginning).
// An offset below the partition's log start (records removed by retention)
// resumes at the log start. The topic is expected to exist; check it with
// TopicPartitions first, as Poll waits for a missing topic to appear.
func NewReader(c *Cluster, topic string, from map[int32]int64) (*Reader, error) {
	return NewTopicsReader(c, Positions{topic: from})
}

// NewTopicsReader starts reading every topic of from at its offsets.
func NewTopicsReader(c *Cluster, from Positions) (*Reader, error) {
	offs := make(map[string]map[int32]kgo.Offset, len(from))
	for topic, ps := range from {
		if len(ps) == 0 {
			return nil, fmt.Errorf("read topic %q: no partitions given", topic)
		}
		offs[topic] = make(map[int32]kgo.Offset, len(ps))
		for p, o := range ps {
			if p < 0 || o < 0 {
				return nil, fmt.Errorf("read topic %q: invalid start offset %d for partition %d", topic, o, p)
			}
			offs[topic][p] = kgo.NewOffset().At(o)
		}
	}
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(c.brokers...),
		kgo.ConsumePartitions(offs),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		// Control records (transaction markers) are kept so that the
		// position moves past them; Poll drops them.
		kgo.KeepControlRecords(),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
	)
	if err != nil {
		return nil, fmt.Errorf("read topics %v: %w", slices.Sorted(maps.Keys(from)), err)
	}
	return &Reader{cl: cl, pos: from.Clone()}, nil
}

// Poll blocks until at least one record is available, or the position has
// moved past records that are not data (transaction markers), or ctx is
// done. It returns the records fetched, in offset order within each
// partition, possibly none: a caller that commits Position after each Poll
// must see a position that moved, or it would wait forever for offsets that
// hold only markers. The returned slice is fresh; see Record for what it
// shares with the fetch.
func (r *Reader) Poll(ctx context.Context) ([]Record, error) {
	for {
		if r.hold != nil && r.Reached() {
			// Nothing more is to come before Release: wait for ctx.
			<-ctx.Done()
			return nil, ctx.Err()
		}
		moved := false
		out, err := r.pollOnce(ctx, &moved)
		if err != nil || len(out) > 0 || moved {
			return out, err
		}
	}
}

// pollOnce waits for one fetch and returns its data records, which may be
// none when the fetch held only transaction markers.
func (r *Reader) pollOnce(ctx context.Context, moved *bool) ([]Record, error) {
	if r.hold == nil && len(r.held) > 0 {
		// Released: what was held back comes first, in its order.
		held := r.held
		r.held = nil
		out := make([]Record, 0, len(held))
		for _, kr := range held {
			r.take(kr, &out, moved)
		}
		return out, nil
	}
	limit := MaxPollRecords
	if r.Max > 0 {
		limit = r.Max
	}
	fs := r.cl.PollRecords(ctx, limit)
	if err := r.fetchErr(fs); err != nil {
		return nil, err
	}
	// The client has handed these records over and will not return them
	// again, so they are taken even if ctx ended meanwhile: a deadline
	// that passes between the hand-over and a check of ctx (a query's
	// 1 ms poll at the end of an epoch, on a loaded machine) would
	// otherwise drop a whole poll, and the next one would move the
	// position past it. ctx's end counts only for a poll that got nothing.
	out := make([]Record, 0, fs.NumRecords())
	fs.EachRecord(func(kr *kgo.Record) {
		if r.hold != nil {
			if at, ok := r.hold[kr.Topic][kr.Partition]; ok && kr.Offset >= at {
				r.held = append(r.held, kr)
				r.pause(kr.Topic, kr.Partition)
				return
			}
		}
		r.take(kr, &out, moved)
	})
	if len(out) == 0 && !*moved {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if errs := fs.Errors(); len(errs) > 0 {
			return nil, errs[0].Err // ctx's own error, as the client saw it
		}
	}
	return out, nil
}

// take moves the position past kr and appends it to out unless it is a
// transaction marker.
func (r *Reader) take(kr *kgo.Record, out *[]Record, moved *bool) {
	r.pos[kr.Topic][kr.Partition] = kr.Offset + 1
	*moved = true
	if !kr.Attrs.IsControl() {
		*out = append(*out, fromKgo(kr))
	}
}

// Hold keeps back every record at or past the given offsets (per topic and
// partition): Poll returns only those before them, and Position stops
// there, until Release. A query reprocessing with its output muted reads
// up to where it unmutes, and no further, before it commits.
func (r *Reader) Hold(at Positions) { r.hold = at.Clone() }

// Release ends Hold: the next Poll returns the records held back, then
// reading goes on.
func (r *Reader) Release() {
	if r.hold == nil {
		return
	}
	r.hold = nil
	r.cl.ResumeFetchPartitions(r.cl.PauseFetchPartitions(nil))
}

// Reached reports whether the position has reached the offsets given to
// Hold in every partition (true without a Hold).
func (r *Reader) Reached() bool {
	for t, ps := range r.hold {
		for p, o := range ps {
			if _, read := r.pos[t][p]; read && r.pos[t][p] < o {
				return false
			}
		}
	}
	return true
}

// fetchErr is the error that ends the reader: the client closed, or a
// fetch error on any partition, because skipping a partition would lose
// its records. The end of the poll's ctx is not one (see pollOnce).
func (r *Reader) fetchErr(fs kgo.Fetches) error {
	if fs.IsClientClosed() {
		return fmt.Errorf("read topics: reader closed")
	}
	for _, fe := range fs.Errors() {
		if errors.Is(fe.Err, context.Canceled) || errors.Is(fe.Err, context.DeadlineExceeded) {
			continue
		}
		return fmt.Errorf("read topic %q partition %d: %w", fe.Topic, fe.Partition, fe.Err)
	}
	return nil
}

func fromKgo(kr *kgo.Record) Record {
	return Record{
		Topic:     kr.Topic,
		Partition: kr.Partition,
		Offset:    kr.Offset,
		Key:       kr.Key,
		Value:     kr.Value,
		Timestamp: kr.Timestamp.UnixMilli(),
		Headers:   kr.Headers,
		// kgo's TimestampType: 0 create time, 1 log-append time.
		LogAppendTime: kr.Attrs.TimestampType() == 1,
	}
}

// Position returns, per topic and partition, the offset of the next record
// to read: where a new Reader would resume after the records returned so
// far.
func (r *Reader) Position() Positions { return r.pos.Clone() }

// pause stops fetching the given partitions of topic.
func (r *Reader) pause(topic string, ps ...int32) {
	r.cl.PauseFetchPartitions(map[string][]int32{topic: ps})
}

// Close stops reading and releases the reader's connections.
func (r *Reader) Close() { r.cl.Close() }

// ReadRange reads the records of topic at offsets [from[p], to[p]) of each
// partition p in to, typically with to from EndOffsets for a snapshot of the
// topic. A partition missing from from starts at 0. Records come grouped by
// partition, in partition order, each partition's in offset order.
//
// It stops on positions, not on counts, so gaps in the offsets (compacted
// records, transaction markers, aborted records) are fine as long as to
// comes from the broker: Kafka never compacts the active segment, so the
// record or marker just below an end offset is always readable. An offset
// in to beyond the partition's end makes ReadRange wait for ctx.
func ReadRange(ctx context.Context, c *Cluster, topic string, from, to map[int32]int64) ([]Record, error) {
	start := make(map[int32]int64, len(to))
	for p, end := range to {
		if f := from[p]; f < end {
			start[p] = f
		}
	}
	if len(start) == 0 {
		return nil, nil
	}
	r, err := NewReader(c, topic, start)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	byPart := make(map[int32][]Record, len(start))
	for remaining := len(start); remaining > 0; {
		recs, err := r.pollOnce(ctx, new(bool))
		if err != nil {
			return nil, fmt.Errorf("read topic %q up to %v: %w", topic, to, err)
		}
		for _, rec := range recs {
			if rec.Offset < to[rec.Partition] {
				byPart[rec.Partition] = append(byPart[rec.Partition], rec)
			}
		}
		remaining = r.pauseDone(topic, start, to)
	}
	var out []Record
	for _, p := range slices.Sorted(maps.Keys(byPart)) {
		out = append(out, byPart[p]...)
	}
	return out, nil
}

// pauseDone pauses the partitions of want that reached their end, so that
// the reader stops fetching data past it, and returns how many have not.
func (r *Reader) pauseDone(topic string, want, to map[int32]int64) int {
	remaining := 0
	var done []int32
	for p := range want {
		if r.pos[topic][p] >= to[p] {
			done = append(done, p)
		} else {
			remaining++
		}
	}
	if len(done) > 0 {
		r.pause(topic, done...)
	}
	return remaining
}

// ReadRangeEach is ReadRange for ranges too large to hold: it hands the
// records to fn a fetch at a time, each partition's in offset order (the
// partitions of one topic interleave). It stops at fn's first error.
func ReadRangeEach(ctx context.Context, c *Cluster, topic string, from, to map[int32]int64, fn func([]Record) error) error {
	start := make(map[int32]int64, len(to))
	for p, end := range to {
		if f := from[p]; f < end {
			start[p] = f
		}
	}
	if len(start) == 0 {
		return nil
	}
	r, err := NewReader(c, topic, start)
	if err != nil {
		return err
	}
	defer r.Close()
	for remaining := len(start); remaining > 0; {
		recs, err := r.pollOnce(ctx, new(bool))
		if err != nil {
			return fmt.Errorf("read topic %q up to %v: %w", topic, to, err)
		}
		keep := recs[:0]
		for _, rec := range recs {
			if rec.Offset < to[rec.Partition] {
				keep = append(keep, rec)
			}
		}
		if len(keep) > 0 {
			if err := fn(keep); err != nil {
				return err
			}
		}
		remaining = r.pauseDone(topic, start, to)
	}
	return nil
}
