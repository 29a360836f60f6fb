package operator

// SetJoinCache sets the bounds of the joins' caches, for tests that make
// them small, and returns the function that restores them.
func SetJoinCache(bytes int64, rows int) (restore func()) {
	b, r := joinCacheBytes, joinCacheRows
	joinCacheBytes, joinCacheRows = bytes, rows
	return func() { joinCacheBytes, joinCacheRows = b, r }
}

// SetAggregateCaches sets the bounds of the aggregates' caches (groups'
// rows and DISTINCT values seen), for tests that make them small, and
// returns the function that restores them.
func SetAggregateCaches(bytes int64) (restore func()) {
	g, s := groupCacheBytes, seenCacheBytes
	groupCacheBytes, seenCacheBytes = bytes, bytes
	return func() { groupCacheBytes, seenCacheBytes = g, s }
}
