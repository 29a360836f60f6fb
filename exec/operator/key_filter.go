package operator

import (
	"hash/maphash"

	"riffle/exec/state"
)

// keyFilter answers "is this key surely absent from the table?" without a
// read: a Bloom filter of every key the table holds, kept in memory beside
// the table. Most point reads of Nexmark q16 ask for a (group, bidder) or
// (group, auction) entry that does not exist yet (a group is a channel and
// a day), and
// each such miss walked Pebble's memtables and levels (a quarter of q16's
// CPU). A filter answers a miss in a few nanoseconds; a key it says may be
// present is read as before, so a false positive costs only that read.
//
// The filter is a copy of the table's key set, never the other way round
// (design.md): its owner fills it by scanning the table when the operator
// opens, adds every key it writes, and never removes one (a deleted key
// stays a false positive until the next fill). Writes of an epoch that
// aborts stay in it too: a filter that holds more keys than the table is
// still right, one that holds fewer is not. When the keys outgrow it, the
// owner fills a larger one from the table; past maxFilterKeys it gives up
// and every key may be present.
//
// It is a split-block Bloom filter (Putze, Sanders and Singler; the layout
// of Parquet's and Impala's): a key's hash picks one 256-bit block and
// sets one bit in each of its eight 32-bit words, so an add or a test
// touches one cache line. At 16 bits a key it answers about one absent key
// in 300 with "may be present".
type keyFilter struct {
	blocks [][8]uint32
	seed   maphash.Seed
	n, max int  // keys added, and how many it is sized for
	off    bool // outgrown: every key may be present
}

// filterBitsPerKey sizes a filter: 16 bits (two bytes) per key.
const filterBitsPerKey = 16

// maxFilterKeys is the most keys a filter holds (32 MiB of filter) before
// its owner stops filtering, and minFilterKeys the size of a new one (128
// KiB). Variables, for tests.
var (
	maxFilterKeys = 16 << 20
	minFilterKeys = 1 << 16
)

// salts are the odd constants that spread a key's hash over the eight
// words of its block (those of Parquet's split-block filter).
var salts = [8]uint32{0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d, 0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31}

// newKeyFilter returns an empty filter sized for keys keys, or one that is
// off when that is more than maxFilterKeys.
func newKeyFilter(keys int) *keyFilter {
	f := &keyFilter{seed: maphash.MakeSeed()}
	if keys > maxFilterKeys {
		f.off = true
		return f
	}
	f.max = max(minFilterKeys, keys)
	f.blocks = make([][8]uint32, (f.max*filterBitsPerKey+255)/256)
	return f
}

// full reports whether the filter holds more keys than it is sized for:
// its owner should fill a larger one (fillKeyFilter).
func (f *keyFilter) full() bool { return f != nil && !f.off && f.n > f.max }

// filterGrowth is how much larger than the keys it holds a filter is
// made when they outgrow it: a fill scans the table, so they had better be
// few (q16's million keys take two).
const filterGrowth = 8

// add records key as present.
func (f *keyFilter) add(key []byte) {
	if f == nil || f.off {
		return
	}
	b, h := f.block(key)
	for i, s := range salts {
		b[i] |= 1 << ((h * s) >> 27)
	}
	f.n++
}

// mayHave reports whether key may be in the table: false only when it
// surely is not. A nil filter (none kept) may have every key.
func (f *keyFilter) mayHave(key []byte) bool {
	if f == nil || f.off {
		return true
	}
	b, h := f.block(key)
	for i, s := range salts {
		if b[i]&(1<<((h*s)>>27)) == 0 {
			return false
		}
	}
	return true
}

// block returns key's block and the hash bits that pick its bits.
func (f *keyFilter) block(key []byte) (*[8]uint32, uint32) {
	h := maphash.Bytes(f.seed, key)
	// The high half of the hash, scaled to the blocks (Lemire's
	// multiply-shift, no division).
	i := (h >> 32) * uint64(len(f.blocks)) >> 32
	return &f.blocks[i], uint32(h)
}

// fillKeyFilter returns a filter of the keys of table t, sized for keys
// keys or, when the table holds more, for filterGrowth times as many as it
// holds. A fill that outgrows its filter counts the rest of the table's
// keys and fills a filter of the size they need, so that a large state is
// scanned twice at most.
func fillKeyFilter(t *state.Table, keys int) (*keyFilter, error) {
	f := newKeyFilter(keys)
	for !f.off {
		it, err := t.Scan(nil)
		if err != nil {
			return nil, err
		}
		count := 0 // keys past a full filter
		for ok := it.First(); ok; ok = it.Next() {
			if f.full() {
				count++
			} else {
				f.add(it.Key())
			}
		}
		if err := it.Close(); err != nil {
			return nil, err
		}
		if !f.full() {
			return f, nil
		}
		f = newKeyFilter((f.n + count) * filterGrowth)
	}
	return f, nil
}
