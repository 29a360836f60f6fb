package engine

import (
	"strconv"
	"strings"

	"riffle/sql/parse"
	"riffle/sql/sqlerr"
)

// miniBatchSetting is the most records a continuous query reads in one
// round, by Flink's name: every operator then handles them as one batch,
// touching each key's state once for all of them, so a larger round costs
// less per record and adds latency and memory. riffle always works in
// such rounds (Flink's 'table.exec.mini-batch.enabled' has no effect
// here); the default is runtime.DefaultBatch. A query keeps the size it
// was created with (catalog.Query.Settings).
const miniBatchSetting = "table.exec.mini-batch.size"

// maxMiniBatch bounds the setting: a round's records are held in memory.
const maxMiniBatch = 1 << 20

// checkMiniBatchSetting validates SET 'table.exec.mini-batch.size'.
func checkMiniBatchSetting(st *parse.Set) error {
	if _, ok := parseMiniBatch(st.Value); !ok {
		return st.Src.Errorf(0, sqlerr.InvalidParameter, "invalid value for %s: %q", miniBatchSetting, st.Value).
			WithHint("give a number of records from 1 to %d", maxMiniBatch)
	}
	return nil
}

func parseMiniBatch(v string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	return n, err == nil && n >= 1 && n <= maxMiniBatch
}

// miniBatchOf is the round size a query was created with (0: the default).
func miniBatchOf(settings map[string]string) int {
	n, _ := parseMiniBatch(settings[miniBatchSetting])
	return n
}
