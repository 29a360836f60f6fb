package runtime

import (
	"time"

	"riffle/exec/operator"
)

// epochRead tells a blackhole sink that the epoch's source batches have
// just been read, the moment its changes' latency counts from.
func (q *Query) epochRead() {
	if s, ok := q.sink().(*operator.Blackhole); ok {
		s.EpochRead(time.Now())
	}
}

// sink is the query's sink operator, in its root fragment's task.
func (q *Query) sink() operator.Operator { return q.frags[0].tasks[0].sink }

// Blackhole returns what the query's blackhole sink has seen, and false
// when the query writes elsewhere.
func (q *Query) Blackhole() (operator.BlackholeStats, bool) {
	if s, ok := q.sink().(*operator.Blackhole); ok {
		return s.Stats(), true
	}
	return operator.BlackholeStats{}, false
}
