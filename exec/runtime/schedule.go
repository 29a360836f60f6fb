package runtime

import (
	"math"

	"riffle/connectors/kafka"
	"riffle/exec/expr"
	"riffle/sql/types"
)

// Event-time scheduling (book requirement TW-04, docs/sql.md): a query that
// reads several partitions, or several tables (both inputs of a join, the
// branches of a UNION ALL), hands a poll's records to its operators oldest
// event time first, as Kafka Streams does for the partitions of a task, so
// that what the operators see follows the order the events happened in
// rather than the order the broker returned them. A deposit and a later
// withdrawal on two topics reach a running balance in that order, whichever
// topic a fetch returned first.
//
// Records of one partition are never reordered (TW-03): the scheduler merges
// per-partition sequences by the event time of their heads, so a partition
// whose own records are out of order keeps them so. The event time is the
// table's event-time column when it declares a watermark, the Kafka record
// timestamp otherwise (and for a row whose column is NULL, a tombstone's
// key-only row among them).
//
// It schedules within what one poll has fetched and does not wait for an
// empty partition (Kafka Streams' max.task.idle.ms = 0 without its wait for
// fetches known to be pending): a record that arrives in a later poll goes
// after everything of this one. A table leaves itself out with
// 'scan.event-time-order' = 'false': its records go in fetch order, ahead
// of the scheduled ones.
//
// The merge is batch-oriented: it moves whole runs, the longest prefix of
// the head partition that is no newer than every other head, copying each
// change once into a buffer reused across polls, and pushes one batch per
// run of consecutive changes of one table. A poll with a single partition
// of a single table, the common case of a one-partition source, goes
// through untouched.

// orderMarks are the event times and partitions of a route's changes in
// one poll, gathered while decoding (decode), for the scheduler.
type orderMarks struct {
	// time evaluates the table's event-time column; nil: the table has no
	// watermark and its records are ordered by their timestamp.
	time  expr.Func
	times []int64 // times[i]: event time of change i of the poll's batch (µs)
	runs  []run   // the batch as runs of one partition, in batch order
}

// run is a stretch [start, end) of a route's batch from one partition.
type run struct {
	part       int32
	start, end int
}

// newOrderMarks returns the marks of a table's route; nil when the table
// opts out of scheduling.
func newOrderMarks(options map[string]string, eventTime expr.Func) *orderMarks {
	if options["scan.event-time-order"] == "false" {
		return nil
	}
	return &orderMarks{time: eventTime}
}

// trimOrder drops a task's marks when it reads a single partition of a
// single table through a single scan: there is nothing to merge, and the
// event time need not be read per record. from are the partitions the
// query reads; each task reads those its routes own.
func (q *Query) trimOrder(from kafka.Positions) {
	for _, t := range q.tasks {
		n := 0
		for _, r := range t.routes {
			if r.order == nil {
				continue
			}
			for p := range from[r.topic] {
				if r.owns == nil || r.owns(p) {
					n++
				}
			}
		}
		if n > 1 {
			continue
		}
		for _, r := range t.routes {
			r.order = nil
		}
	}
}

func (m *orderMarks) reset() {
	m.times, m.runs = m.times[:0], m.runs[:0]
}

// mark records that b[from:] are the changes of rec. b is the route's
// whole batch for the poll, so times stays indexed like it.
func (m *orderMarks) mark(b types.Batch, from int, rec *kafka.Record) {
	if from == len(b) {
		return
	}
	ts := rec.Timestamp * 1000 // ms → µs, the unit of TIMESTAMP values
	for i := from; i < len(b); i++ {
		t := ts
		if m.time != nil {
			if v, err := m.time(b[i].Row); err == nil && !v.IsNull() {
				t = v.I
			}
		}
		m.times = append(m.times, t)
	}
	if n := len(m.runs); n > 0 && m.runs[n-1].part == rec.Partition && m.runs[n-1].end == from {
		m.runs[n-1].end = len(b)
		return
	}
	m.runs = append(m.runs, run{part: rec.Partition, start: from, end: len(b)})
}

// scheduler merges a poll's batches by event time. It is the query's own,
// reused from poll to poll.
type scheduler struct {
	cur []cursor
	buf types.Batch
}

// cursor walks one partition of one route through the poll's batch.
type cursor struct {
	r     *route
	b     types.Batch
	times []int64
	part  int32
	runs  []run // the partition's runs, in offset order
	ri    int   // the run being read
	at    int   // the next change to hand out (index into b)
}

func (c *cursor) done() bool { return c.ri == len(c.runs) }

func (c *cursor) head() int64 { return c.times[c.at] }

// release pushes batches (a poll's changes, by route) into the operators,
// routes in order: those that opt out of scheduling, and generated tables,
// as they are; the others merged by event time.
func (s *scheduler) release(order []*route, batches map[*route]types.Batch, push func(*route, types.Batch) error) error {
	s.cur = s.cur[:0]
	var later []*route // generated tables: after the topics, as before
	for _, r := range order {
		b := batches[r]
		switch {
		case len(b) == 0:
		case r.gen != nil && !r.gen.eager:
			later = append(later, r)
		case r.gen != nil:
			// An eager table (a side table a processing-time join looks
			// up) goes first: the rows of the poll that probe it see all
			// of it.
			if err := push(r, b); err != nil {
				return err
			}
		case r.order == nil || len(r.order.times) != len(b):
			if err := push(r, b); err != nil {
				return err
			}
		default:
			s.add(r, b)
		}
	}
	if err := s.merge(push); err != nil {
		return err
	}
	for _, r := range later {
		if err := push(r, batches[r]); err != nil {
			return err
		}
	}
	return nil
}

// add makes cursors of a route's batch, one per partition, in the order
// the partitions first appear.
func (s *scheduler) add(r *route, b types.Batch) {
	first := len(s.cur)
	for _, ru := range r.order.runs {
		i := first
		for i < len(s.cur) && s.cur[i].part != ru.part {
			i++
		}
		if i == len(s.cur) {
			if len(s.cur) < cap(s.cur) {
				s.cur = s.cur[:i+1] // reuse the cursor's runs slice
				runs := s.cur[i].runs[:0]
				s.cur[i] = cursor{r: r, b: b, times: r.order.times, part: ru.part, runs: runs, at: ru.start}
			} else {
				s.cur = append(s.cur, cursor{r: r, b: b, times: r.order.times, part: ru.part, at: ru.start})
			}
		}
		s.cur[i].runs = append(s.cur[i].runs, ru)
	}
}

// merge hands out the cursors' changes oldest head first, ties to the
// cursor added first (the route first in poll order, then the partition
// first fetched), each time the longest prefix of the head cursor that is
// no newer than the next head.
func (s *scheduler) merge(push func(*route, types.Batch) error) error {
	if len(s.cur) == 1 {
		c := &s.cur[0]
		return push(c.r, c.b)
	}
	var stage *route
	flush := func() error {
		if len(s.buf) == 0 {
			return nil
		}
		err := push(stage, s.buf)
		s.buf = s.buf[:0]
		return err
	}
	for {
		best, next := -1, -1
		for i := range s.cur {
			c := &s.cur[i]
			if c.done() {
				continue
			}
			switch {
			case best < 0 || c.head() < s.cur[best].head():
				best, next = i, best
			case next < 0 || c.head() < s.cur[next].head():
				next = i
			}
		}
		if best < 0 {
			break
		}
		c := &s.cur[best]
		if c.r != stage {
			if err := flush(); err != nil {
				return err
			}
			stage = c.r
		}
		limit, orEqual := int64(math.MaxInt64), true
		if next >= 0 {
			// On a tie the cursor added first goes first.
			limit, orEqual = s.cur[next].head(), best < next
		}
		s.take(c, limit, orEqual)
	}
	return flush()
}

// take appends c's changes to the buffer while they are older than limit
// (or as old, when orEqual), moving on through its runs.
func (s *scheduler) take(c *cursor, limit int64, orEqual bool) {
	for !c.done() {
		end := c.runs[c.ri].end
		j := c.at
		for j < end && (c.times[j] < limit || (orEqual && c.times[j] == limit)) {
			j++
		}
		s.buf = append(s.buf, c.b[c.at:j]...)
		if j < end {
			c.at = j
			return
		}
		c.ri++
		if !c.done() {
			c.at = c.runs[c.ri].start
		}
	}
}
