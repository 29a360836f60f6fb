package operator

// boundedCache is a map from byte-string keys to values that holds at most
// about limit bytes (as its callers estimate the entries' sizes): past the
// limit it forgets entries at random, Go's map order, down to three
// quarters of it. Operators keep copies of their state in such caches,
// never the other way round: a cache must be rebuildable from the state
// tables (design.md), so each cache says what drops its entries.
type boundedCache[V any] struct {
	m     map[string]sized[V]
	size  int64
	limit int64
	// evictions counts the entries put forgot to stay within the limit.
	evictions int
}

type sized[V any] struct {
	v    V
	size int64
}

func newBoundedCache[V any](limit int64) boundedCache[V] {
	return boundedCache[V]{limit: limit}
}

// get returns the value cached under k.
func (c *boundedCache[V]) get(k []byte) (V, bool) {
	e, ok := c.m[string(k)]
	return e.v, ok
}

// put caches v under k, size being what it holds in memory.
func (c *boundedCache[V]) put(k []byte, v V, size int64) {
	if c.m == nil {
		c.m = map[string]sized[V]{}
	}
	c.drop(k)
	size += int64(len(k)) + entryOverhead
	c.m[string(k)] = sized[V]{v, size}
	c.size += size
	if c.size > c.limit {
		for k, e := range c.m {
			if c.size <= c.limit*3/4 {
				break
			}
			delete(c.m, k)
			c.size -= e.size
			c.evictions++
		}
	}
}

// drop forgets k.
func (c *boundedCache[V]) drop(k []byte) {
	if e, ok := c.m[string(k)]; ok {
		delete(c.m, string(k))
		c.size -= e.size
	}
}

// clear forgets every key. Clearing an empty cache costs nothing (clearing
// a Go map costs as much as its capacity, however empty).
func (c *boundedCache[V]) clear() {
	if len(c.m) == 0 {
		return
	}
	clear(c.m)
	c.size = 0
}

// entryOverhead is a rough count of the bytes a cached entry costs beyond
// its contents: map slot, slice headers, a few integers.
const entryOverhead = 64
