package operator

import (
	"context"
	"math/bits"
	"sync"
	"time"

	"riffle/sql/types"
)

// Blackhole is the sink of a 'blackhole' table (Flink's connector of the
// same name): it discards every change, counting them, and records how
// long after their epoch's source batch was read each change arrived, so a
// benchmark can report the latency of a query's output without the cost of
// any real sink. It keeps no state: a restart starts its counts afresh.
type Blackhole struct {
	mu    sync.Mutex
	rows  int64
	since time.Time // when the current epoch's source batch was read
	hist  LatencyHistogram
}

// NewBlackhole returns a blackhole sink.
func NewBlackhole() *Blackhole { return &Blackhole{since: time.Now()} }

func (s *Blackhole) Open(context.Context, *Env) error { return nil }

// EpochRead tells the sink when the epoch's source batch was in memory
// (just generated or fetched): the changes of this epoch count their
// latency from then.
func (s *Blackhole) EpochRead(t time.Time) {
	s.mu.Lock()
	s.since = t
	s.mu.Unlock()
}

// OnBatch counts the changes and records their latency, one sample per
// batch weighted by its changes (every change of a batch arrives at once).
func (s *Blackhole) OnBatch(_ context.Context, _ int, b types.Batch, _ Emitter) error {
	if len(b) == 0 {
		return nil
	}
	s.mu.Lock()
	s.rows += int64(len(b))
	s.hist.Add(time.Since(s.since), int64(len(b)))
	s.mu.Unlock()
	return nil
}

func (s *Blackhole) OnBarrier(context.Context) error { return nil }
func (s *Blackhole) Close() error                    { return nil }

// BlackholeStats are what a blackhole sink has seen since it started.
type BlackholeStats struct {
	Rows    int64 // changes received (and discarded)
	Latency LatencyHistogram
}

// Stats returns a copy of the sink's counts.
func (s *Blackhole) Stats() BlackholeStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return BlackholeStats{Rows: s.rows, Latency: s.hist}
}

// LatencyHistogram counts durations in buckets of a quarter of a binary
// order of magnitude (about 19% wide) from 1 µs, so its quantiles are
// within that of the truth at a fixed size whatever the count.
type LatencyHistogram struct {
	Counts [latencyBuckets]int64
	N      int64
	Max    time.Duration
}

const latencyBuckets = 4 * 40 // 1 µs · 2^40 ≈ 12 days

// latencyBucket is the bucket of d: 4·log2(d in µs), floored.
func latencyBucket(d time.Duration) int {
	us := uint64(max(d.Microseconds(), 1))
	exp := bits.Len64(us) - 1 // 2^exp ≤ us < 2^(exp+1)
	// The two bits below the leading one say which quarter.
	var quarter uint64
	if exp >= 2 {
		quarter = (us >> (exp - 2)) & 3
	} else {
		quarter = (us << (2 - exp)) & 3
	}
	return min(exp*4+int(quarter), latencyBuckets-1)
}

// latencyUpper is the upper bound of bucket i.
func latencyUpper(i int) time.Duration {
	exp, quarter := i/4, i%4
	us := float64(uint64(1)<<exp) * (1 + float64(quarter+1)/4)
	return time.Duration(us * float64(time.Microsecond))
}

// Add records n observations of d.
func (h *LatencyHistogram) Add(d time.Duration, n int64) {
	h.Counts[latencyBucket(d)] += n
	h.N += n
	h.Max = max(h.Max, d)
}

// Quantile is the duration q (0..1) of the observations are at most: the
// upper bound of the bucket it falls in, never above the largest seen. 0
// when there are none.
func (h *LatencyHistogram) Quantile(q float64) time.Duration {
	if h.N == 0 {
		return 0
	}
	rank := int64(q*float64(h.N) + 0.5)
	rank = min(max(rank, 1), h.N)
	var seen int64
	for i, c := range h.Counts {
		seen += c
		if seen >= rank {
			return min(latencyUpper(i), h.Max)
		}
	}
	return h.Max
}
