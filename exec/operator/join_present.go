package operator

import (
	"fmt"

	"riffle/exec/state"
)

// A side's filter of present join keys. A probe of a join key the cache
// does not hold, on a side not known whole (join_complete.go), seeks in
// Pebble, and most such probes find nothing: each of Nexmark's auctions
// probes the bids by its id before any bid on it has come. So each side of
// an ordinary join keeps a Bloom filter of the join keys it has rows under
// (key_filter.go), filled from its table when the operator opens and added
// to by every write (wrote), and a probe of a key the filter does not hold
// reads nothing. A window join's and a NOT IN join's sides keep none: their
// keys are laid out differently.

// openPresent fills each side's filter of present join keys.
func (j *Join) openPresent() error {
	for s := range j.sides {
		side := &j.sides[s]
		side.present = nil
		if j.window || j.node.NullAware {
			continue
		}
		f, err := fillKeyFilter(side.table, minFilterKeys, side.joinKeyOf())
		if err != nil {
			return err
		}
		side.present = f
	}
	return nil
}

// joinKeyOf returns the function that maps a key of side's table to the
// join key of the row stored under it, nil for other keys (per-key totals,
// the side's own records).
func (side *joinSide) joinKeyOf() func(stored []byte) ([]byte, error) {
	return func(key []byte) ([]byte, error) {
		if len(key) > 0 && key[0] == 0xFF {
			return nil, nil // a side's own records (seqKey, firedKey)
		}
		// Only the key's length is wanted: decoding the values is the
		// price of reusing the one decoder of tuple keys.
		_, rest, err := state.DecodeTupleKey(key, len(side.keys), nil)
		if err != nil {
			return nil, fmt.Errorf("join: %w", err)
		}
		if len(rest) == 0 || rest[0] != tagRow {
			return nil, nil // a per-key total
		}
		return key[:len(key)-len(rest)], nil
	}
}

// notePresent adds join key jk, about to be written, to side's filter,
// filling a larger filter from the table when the keys outgrow it.
func (side *joinSide) notePresent(jk []byte) error {
	if side.present.add(jk); !side.present.full() {
		return nil
	}
	f, err := fillKeyFilter(side.table, side.present.n*filterGrowth, side.joinKeyOf())
	if err != nil {
		return err
	}
	f.add(jk) // written after the scan
	side.present = f
	return nil
}
