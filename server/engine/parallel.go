package engine

import (
	"context"
	goruntime "runtime"
	"strconv"
	"strings"
	"time"

	"riffle/catalog"
	"riffle/connectors/gen"
	"riffle/planner/bind"
	"riffle/planner/logical"
	"riffle/planner/physical"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
)

// parallelismSetting is the session setting that says how many tasks run
// a new continuous query (Flink's name): each scan is read by that many
// tasks, each owning some of its partitions, and each keyed operator runs
// in that many tasks, each owning some of its keys (physical.Parallelize).
// Unset, a query gets the server's default: the number of cores
// (Config.Parallelism), but no more than its sources split into, since a
// task with no partition to read would idle. A query keeps the
// parallelism it was created with (catalog.Query.Settings).
const parallelismSetting = "parallelism.default"

// checkParallelismSetting validates SET 'parallelism.default'.
func checkParallelismSetting(st *parse.Set) error {
	if _, ok := parseParallelism(st.Value); !ok {
		return st.Src.Errorf(0, sqlerr.InvalidParameter, "invalid value for %s: %q", parallelismSetting, st.Value).
			WithHint("give a number of tasks from 1 to %d", physical.MaxParallelism)
	}
	return nil
}

func parseParallelism(v string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	return n, err == nil && n >= 1 && n <= physical.MaxParallelism
}

// queryParallelism is the parallelism a stored query runs with: the one
// it was created with, or 1 for a query from before queries had one.
func queryParallelism(settings map[string]string) int {
	if n, ok := parseParallelism(settings[parallelismSetting]); ok {
		return n
	}
	return 1
}

// parallelism is how many tasks the session gives a new continuous query
// with plan: the session's setting, or the server's default capped by
// what the plan's sources split into.
func (s *Session) parallelism(plan *physical.Plan) int {
	if readsFiles(plan.Root) {
		// A file table is read whole in the first poll, ahead of the
		// other sources, so that every probe of a processing-time join
		// sees all of it; across tasks, an exchange could deliver another
		// task's probes first.
		return 1
	}
	if n, ok := parseParallelism(s.settings[parallelismSetting]); ok {
		return n
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n := s.e.cfg.Parallelism
	if n <= 0 {
		n = goruntime.GOMAXPROCS(0)
	}
	return max(1, min(n, s.e.sourceSplits(ctx, plan.Root), physical.MaxParallelism))
}

// readsFiles reports whether the tree scans a 'filesystem' table.
func readsFiles(n logical.Node) bool {
	if s, ok := n.(*logical.Scan); ok {
		return bind.IsFilesystem(s.Object)
	}
	for _, c := range n.Inputs() {
		if readsFiles(c) {
			return true
		}
	}
	return false
}

// sourceSplits is the most partitions any scan of the tree reads: a
// topic's partitions, a generated table's splits (any number, unless it
// fixes them with 'scan.parallelism').
func (e *Engine) sourceSplits(ctx context.Context, n logical.Node) int {
	if s, ok := n.(*logical.Scan); ok {
		return e.splitsOf(ctx, s.Object)
	}
	most := 0
	for _, c := range n.Inputs() {
		most = max(most, e.sourceSplits(ctx, c))
	}
	return most
}

func (e *Engine) splitsOf(ctx context.Context, t *catalog.Object) int {
	if t.Kind == catalog.MaterializedView {
		return 1 // its changes topic has one partition
	}
	if bind.IsGenerated(t) {
		if v, ok := t.Options["scan.parallelism"]; ok {
			if n, err := strconv.Atoi(v); err == nil {
				return n
			}
		}
		return gen.MaxSplits
	}
	n, err := e.kafka.TopicPartitions(ctx, t.Options["topic"])
	if err != nil {
		return 1 // the query will say what is wrong with the topic
	}
	return int(n)
}

// withParallelism returns settings with the query's parallelism recorded.
func withParallelism(settings map[string]string, n int) map[string]string {
	if settings == nil {
		settings = map[string]string{}
	}
	settings[parallelismSetting] = strconv.Itoa(n)
	return settings
}
