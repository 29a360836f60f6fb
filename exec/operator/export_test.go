package operator

// SetJoinCache sets the bounds of the joins' caches, for tests that make
// them small, and returns the function that restores them.
func SetJoinCache(bytes int64, rows int) (restore func()) {
	b, r := joinCacheBytes, joinCacheRows
	joinCacheBytes, joinCacheRows = bytes, rows
	return func() { joinCacheBytes, joinCacheRows = b, r }
}

// SetCompleteRows sets how many writes a join side known whole takes
// before it stops being known whole, and returns the function that
// restores it.
func SetCompleteRows(n int) (restore func()) {
	c := completeRows
	completeRows = n
	return func() { completeRows = c }
}

// SetAggregateCaches sets the bounds of the aggregates' caches (groups'
// rows and DISTINCT values seen), for tests that make them small, and
// returns the function that restores them.
func SetAggregateCaches(bytes int64) (restore func()) {
	g, s := groupCacheBytes, seenCacheBytes
	groupCacheBytes, seenCacheBytes = bytes, bytes
	return func() { groupCacheBytes, seenCacheBytes = g, s }
}

// SetKeyFilters sets the sizes of the filters of present keys (the
// smallest, and the largest before they give up), for tests that make them
// grow and give up within a few rows, and returns the function that
// restores them.
func SetKeyFilters(minKeys, maxKeys int) (restore func()) {
	lo, hi := minFilterKeys, maxFilterKeys
	minFilterKeys, maxFilterKeys = minKeys, maxKeys
	return func() { minFilterKeys, maxFilterKeys = lo, hi }
}
