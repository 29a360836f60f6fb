package operator

import (
	"unsafe"

	"riffle/sql/types"
)

// joinCache holds, for one side of a Join, the rows it keeps under recent
// join keys, decoded, so that a probe by a change of the other side reads
// memory rather than seeking in Pebble: Nexmark's bids probe the auction
// they bid on, a few hot auctions over and over, and each seek in Pebble
// cost more than the rest of the bid's work (q4, q9, q20). A key under
// which the side has no row is cached too, as an empty list: q7's bids
// probe the window maxima by price, which nearly never match.
//
// The cache is a copy of the side's state table, never the other way
// round: every write under a join key drops that key's entry (the Join
// does it in addRow), a range deletion empties the cache, and a restarted
// query starts with an empty one. It is bounded: past joinCacheBytes it
// forgets entries at random (Go's map order) down to three quarters of
// that, and a key with more rows than joinCacheRows is streamed from the
// table each time rather than cached.
type joinCache = boundedCache[[]joinEntry]

// joinEntry is one row entry of a side (see Join): its key in the side's
// table, multiplicity, match count, last update and row.
type joinEntry struct {
	key             []byte
	m, deg, touched int64
	row             types.Row
}

// newJoinCache returns an empty cache for one side.
func newJoinCache() joinCache { return newBoundedCache[[]joinEntry](joinCacheBytes) }

// rowsBytes estimates what a key's cached rows hold in memory.
func rowsBytes(rows []joinEntry) int64 {
	var n int64
	for i := range rows {
		n += rows[i].bytes()
	}
	return n
}

// joinCacheBytes bounds each side's cache; joinCacheRows is the most rows
// of one join key it holds. Variables, so that tests can make them small.
var (
	joinCacheBytes int64 = 16 << 20
	joinCacheRows        = 256
)

// bytes estimates what a cached row holds in memory.
func (e *joinEntry) bytes() int64 {
	n := int64(len(e.key)) + entryOverhead + int64(len(e.row))*int64(unsafe.Sizeof(types.Value{}))
	for _, v := range e.row {
		n += int64(len(v.S))
	}
	return n
}
