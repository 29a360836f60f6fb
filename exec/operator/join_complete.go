package operator

import (
	"bytes"
	"fmt"

	"riffle/exec/state"
	"riffle/sql/types"
)

// A side known whole. A probe of a join key the probe cache does not hold
// seeks in Pebble, and most probes of a side with few rows find nothing:
// Nexmark q7's bids probe the window maxima by price, a million prices
// against a handful of rows, and the seeks (and the empty lists cached for
// each price, pushing each other out) were a third of q7's profile. So a
// side whose state holds few rows keeps all of them in its probe cache, and
// is marked complete: while it is, a join key the cache does not hold has
// no row, and a probe of it reads nothing.
//
// The cache stays a copy of the table (design.md): it is filled from the
// table when the operator opens, and a write under a join key marks that
// key stale (its cached rows were dropped), so that the next probe of it
// reads the table and caches what it finds. The side stops being complete,
// for as long as the operator runs, when it has been written more than
// completeRows times, when the cache forgets an entry to stay in its
// bound, when a key has more rows than the cache keeps for one key, and in
// a window join, whose closed windows are deleted by range (nor is a NOT IN
// join's side).

// completeRows is the most writes a complete side takes (each may add a
// row) before it stops being complete. A variable, for tests.
var completeRows = 4096

// openComplete fills the probe cache of each side of an ordinary join whose
// table holds at most completeRows rows, and marks it complete.
func (j *Join) openComplete() error {
	for s := range j.sides {
		side := &j.sides[s]
		side.complete, side.writes, side.stale = false, 0, nil
		if j.window || j.node.NullAware {
			continue // NOT IN keeps totals under keys of its own, and walks its rows itself
		}
		keys, ok, err := j.readWhole(side)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		before := side.cache.evictions
		for jk, rows := range keys {
			side.cache.put([]byte(jk), rows, rowsBytes(rows))
		}
		if side.cache.evictions == before {
			side.complete, side.writes, side.stale = true, 0, map[string]struct{}{}
		} else {
			side.cache.clear()
		}
	}
	return nil
}

// readWhole reads side's rows by join key, or reports false when it holds
// more than completeRows, or a key more than the cache keeps for one key.
func (j *Join) readWhole(side *joinSide) (map[string][]joinEntry, bool, error) {
	it, err := side.table.Scan(nil)
	if err != nil {
		return nil, false, err
	}
	defer it.Close()
	out := map[string][]joinEntry{}
	var scratch types.Row
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		key := it.Key()
		if len(key) > 0 && key[0] == 0xFF {
			continue // a side's own records (seqKey, firedKey)
		}
		_, rest, err := state.DecodeTupleKey(key, len(side.keys), scratch[:0])
		if err != nil {
			return nil, false, fmt.Errorf("join: %w", err)
		}
		if len(rest) == 0 || rest[0] != tagRow {
			continue // a per-key total
		}
		if n++; n > completeRows {
			return nil, false, nil
		}
		m, deg, touched, row, err := j.decodeEntry(rest[1:], it.Value())
		if err != nil {
			return nil, false, fmt.Errorf("join: %w", err)
		}
		e := joinEntry{m: m, deg: deg, touched: touched, row: row.Clone()}
		if side.tracks {
			e.key = bytes.Clone(key) // visit writes its match count back
		}
		jk := string(key[:len(key)-len(rest)])
		if out[jk] = append(out[jk], e); len(out[jk]) > joinCacheRows {
			return nil, false, nil
		}
	}
	return out, true, it.Error()
}

// wrote notes a write under join key jk of a side, whose cached rows were
// just dropped.
func (side *joinSide) wrote(jk []byte) {
	if !side.complete {
		return
	}
	if side.writes++; side.writes > completeRows {
		side.incomplete()
		return
	}
	side.stale[string(jk)] = struct{}{}
}

// knownEmpty reports whether a complete side has no row under jk, which
// its cache does not hold.
func (side *joinSide) knownEmpty(jk []byte) bool {
	if !side.complete {
		return false
	}
	_, stale := side.stale[string(jk)]
	return !stale
}

// cached notes that a probe read jk's rows from the table: put them in the
// cache (rows is nil when they were too many to cache).
func (side *joinSide) cached(jk []byte, rows []joinEntry, cacheable bool) {
	if !cacheable {
		side.incomplete()
		return
	}
	before := side.cache.evictions
	side.cache.put(jk, rows, rowsBytes(rows))
	if side.complete {
		delete(side.stale, string(jk))
		if side.cache.evictions != before {
			side.incomplete()
		}
	}
}

// incomplete ends the side's being complete.
func (side *joinSide) incomplete() { side.complete, side.stale = false, nil }
