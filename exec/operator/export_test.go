package operator

// SetJoinCache sets the bounds of the joins' caches, for tests that make
// them small, and returns the function that restores them.
func SetJoinCache(bytes int64, rows int) (restore func()) {
	b, r := joinCacheBytes, joinCacheRows
	joinCacheBytes, joinCacheRows = bytes, rows
	return func() { joinCacheBytes, joinCacheRows = b, r }
}
