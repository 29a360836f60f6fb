package runtime

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"riffle/exec/expr"
	"riffle/planner/logical"
	"riffle/sql/types"
)

// sourceWatermark generates a scan's watermark (semantics.md, rule 1): per
// partition, the largest value of the table's watermark expression over the
// records read so far; for the scan, the minimum over its partitions, those
// idle for longer than the table's idle timeout left out. It only moves
// forward. Each record is stamped with the watermark before it (Change.Wm),
// so lateness does not depend on how records were batched.
type sourceWatermark struct {
	expr    expr.Func
	parts   map[int32]*partitionWatermark
	current int64 // µs; 0: none yet
	idle    time.Duration
	now     func() time.Time
	// last is the partition of the last record observed, lastP its
	// number: records come in runs of one partition, and a map lookup per
	// record would cost more than the rest of observe.
	last  *partitionWatermark
	lastP int32
}

type partitionWatermark struct {
	wm       int64     // µs; 0: no record yet
	lastSeen time.Time // wall clock of its last record, for the idle timeout
}

// newSourceWatermark compiles a scan's watermark expression; nil when its
// table has none.
func newSourceWatermark(s *logical.Scan) (*sourceWatermark, error) {
	if s.Watermark == nil {
		return nil, nil
	}
	f, err := expr.Compile(s.Watermark)
	if err != nil {
		return nil, err
	}
	w := &sourceWatermark{expr: f, parts: map[int32]*partitionWatermark{}, now: time.Now}
	if v, ok := s.Object.Options["scan.watermark.idle-timeout"]; ok {
		var valid bool
		if w.idle, valid = types.ParseDuration(v); !valid {
			return nil, fmt.Errorf("table %q: bad 'scan.watermark.idle-timeout' %q", s.Object.Name, v)
		}
	}
	return w, nil
}

// partitions registers the topic's partitions: each holds the watermark
// back until it has a record or goes idle.
func (w *sourceWatermark) partitions(ps map[int32]int64) {
	now := w.now()
	for p := range ps {
		if w.parts[p] == nil {
			w.parts[p] = &partitionWatermark{lastSeen: now}
		}
	}
}

// splits registers the splits of a generated table, its partitions.
func (w *sourceWatermark) splits(n int) {
	ps := make(map[int32]int64, n)
	for s := range n {
		ps[int32(s)] = 0
	}
	w.partitions(ps)
}

// observe takes a record of partition p whose row is row; it returns the
// watermark the record was read under.
func (w *sourceWatermark) observe(p int32, row types.Row) (int64, error) {
	before := w.current
	v, err := w.expr(row)
	if err != nil {
		return 0, err
	}
	part := w.last
	if part == nil || w.lastP != p {
		if part = w.parts[p]; part == nil {
			part = &partitionWatermark{}
			w.parts[p] = part
		}
		w.last, w.lastP = part, p
	}
	if w.idle > 0 {
		// Only the idle timeout reads it; the clock per record is not free.
		part.lastSeen = w.now()
	}
	if !v.IsNull() && v.I > part.wm {
		part.wm = v.I
		if len(w.parts) == 1 {
			// One partition, which has just had a record so is not idle:
			// the minimum is its own.
			w.current = max(w.current, part.wm)
		} else {
			w.recompute()
		}
	}
	return before, nil
}

// recompute moves the scan's watermark to the minimum over its active
// partitions, if that is later. With an idle timeout, a partition that has
// had no record for that long is left out; when every partition is idle,
// nothing new is coming from any of them, and the watermark moves to the
// latest of theirs (a partition that wakes up with older records makes
// them late: the price of not waiting, TW-16).
func (w *sourceWatermark) recompute() {
	var low, high int64
	found := false
	now := w.now()
	for _, p := range w.parts {
		high = max(high, p.wm)
		if w.idle > 0 && now.Sub(p.lastSeen) > w.idle {
			continue
		}
		if !found || p.wm < low {
			low, found = p.wm, true
		}
	}
	if !found && w.idle > 0 {
		low = high
	}
	if low > w.current {
		w.current = low
	}
}

// allIdle reports whether the table has an idle timeout and every
// partition has been idle for longer.
func (w *sourceWatermark) allIdle() bool {
	if w.idle <= 0 || len(w.parts) == 0 {
		return false
	}
	now := w.now()
	for _, p := range w.parts {
		if now.Sub(p.lastSeen) <= w.idle {
			return false
		}
	}
	return true
}

// save and restore keep the per-partition watermarks with the query's
// committed position, so a restarted query judges lateness as before.
func (w *sourceWatermark) save() map[string]int64 {
	m := map[string]int64{}
	for p, pw := range w.parts {
		m[strconv.Itoa(int(p))] = pw.wm
	}
	m["current"] = w.current
	return m
}

func (w *sourceWatermark) restore(m map[string]int64) {
	now := w.now()
	w.last = nil // the partitions are replaced
	for k, v := range m {
		if k == "current" {
			w.current = v
			continue
		}
		p, err := strconv.Atoi(k)
		if err != nil {
			continue
		}
		w.parts[int32(p)] = &partitionWatermark{wm: v, lastSeen: now}
	}
}

// watermarkKey is where a query's source watermarks live, committed with
// its position.
func watermarkKey(id string) string { return "runtime/watermark/" + id }

// lateKey is where a query's count of late rows lives: committed with its
// position, so a restart neither loses nor repeats a count.
func lateKey(id string) string { return "runtime/late/" + id }

// saveWatermarks records every scan's watermarks in the epoch's commit,
// and the count of late rows.
func (q *Query) saveWatermarks() {
	if n := q.late.Load(); n > 0 {
		q.txn.PutMeta(lateKey(q.ID), []byte(strconv.FormatInt(n, 10)))
	}
	m := map[string]map[string]int64{}
	for _, sc := range q.scans {
		if sc.wm != nil {
			m[strconv.Itoa(sc.id)] = sc.wm.save()
		}
	}
	if len(m) == 0 {
		return
	}
	b, _ := json.Marshal(m)
	q.txn.PutMeta(watermarkKey(q.ID), b)
}

// restoreWatermarks reads the watermarks and the late count of the last
// commit.
func (q *Query) restoreWatermarks() error {
	if b, ok, err := q.deps.Store.GetMeta(lateKey(q.ID)); err != nil {
		return err
	} else if ok {
		n, _ := strconv.ParseInt(string(b), 10, 64)
		q.late.Store(n)
	}
	b, ok, err := q.deps.Store.GetMeta(watermarkKey(q.ID))
	if err != nil || !ok {
		return err
	}
	m := map[string]map[string]int64{}
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("query %s: corrupt watermarks: %w", q.ID, err)
	}
	for _, sc := range q.scans {
		if sc.wm != nil {
			sc.wm.restore(m[strconv.Itoa(sc.id)])
		}
	}
	return nil
}

// Watermarks of a parallel query. Each task reading a scan keeps a copy
// of the scan's watermark over all its partitions, and moves only those
// it owns as it reads them: a row is stamped with the minimum over the
// task's partitions as read so far and the other tasks' as of the round's
// start, which is the watermark one task reading every partition would
// have stamped it with had it read the task's records first. After every
// read the query merges the tasks' partitions into the scan's watermark
// (mergeWatermarks), recomputes it as one task would have at the end of
// the poll, sends it to the tasks to carry down, and shares the merged
// partitions back (shareWatermarks).

// mergeWatermarks merges every task's partitions into its scans'
// watermarks and returns each scan's watermark for the round, by scan id:
// +∞ for a bounded scan that has ended, 0 for a scan without one.
func (q *Query) mergeWatermarks() []int64 {
	for _, t := range q.tasks {
		for _, r := range t.routes {
			if r.wm == nil {
				continue
			}
			master := r.scan.wm
			master.last = nil // its partitions are replaced
			for p, pw := range r.wm.parts {
				if r.owns == nil || r.owns(p) {
					c := *pw
					master.parts[p] = &c
				}
			}
			master.current = max(master.current, r.wm.current)
		}
	}
	wms := make([]int64, len(q.scans))
	for i, sc := range q.scans {
		if sc.wm != nil {
			sc.wm.recompute()
			wms[i] = sc.wm.current
		}
		if sc.done {
			wms[i] = math.MaxInt64
		}
	}
	q.followActive(wms)
	q.shareWatermarks()
	return wms
}

// followActive takes a scan whose every partition has gone idle out of
// the watermark's minimum, as Flink marks an idle source: it carries the
// lowest watermark of the scans still active (when that is ahead of its
// own), so that a table with an idle timeout that has no records (or none
// lately) does not hold back a join or a union with a table that has.
// Records it reads later may then be late, as in Flink. Its own
// partitions' watermarks are untouched: this is only what it sends.
func (q *Query) followActive(wms []int64) {
	low, found := int64(0), false
	for i, sc := range q.scans {
		if sc.wm != nil && !sc.done && !sc.wm.allIdle() {
			if !found || wms[i] < low {
				low, found = wms[i], true
			}
		}
	}
	if !found {
		return
	}
	for i, sc := range q.scans {
		if sc.wm != nil && !sc.done && sc.wm.allIdle() && low > wms[i] {
			wms[i] = low
		}
	}
}

// shareWatermarks gives every task's copy of a scan's watermark the
// partitions it does not own, and the scan's watermark so far.
func (q *Query) shareWatermarks() {
	for _, t := range q.tasks {
		for _, r := range t.routes {
			if r.wm == nil {
				continue
			}
			master := r.scan.wm
			for p, pw := range master.parts {
				if mine := r.wm.parts[p]; mine == nil || (r.owns != nil && !r.owns(p)) {
					c := *pw
					r.wm.parts[p] = &c
				}
			}
			r.wm.current = max(r.wm.current, master.current)
		}
	}
}
