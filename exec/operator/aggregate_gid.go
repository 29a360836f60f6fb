package operator

import (
	"encoding/binary"
	"fmt"

	"riffle/sql/types"
)

// Group ids (state layout 4). Every entry of a DISTINCT set is keyed by its
// group, and a group's key is its values encoded: Nexmark q16's channel and
// day strings, some 25 bytes, in front of each bidder and auction a channel
// saw in a day, and in the cache of values seen. At layout 4 an aggregate
// with DISTINCT sets gives each group a short id when it is created, kept
// in the last slot of its accumulators (so in its state row and its cached
// row), and keys the sets' entries by the id: 0xFF 0x00, the id (as a join
// side's row ids: its length, then its big-endian bytes), the set's prefix
// and the value. The entries are half as long; q16 ran about 10% faster.
// 0xFF starts no group key (no key tag is 0xFF), so the ids' entries stay
// apart from those the other calls keep under the group's key (MIN, MAX,
// string_agg), and from gidSeqKey.
//
// The ids are per task, counted from 1: the next is stored in table 1
// under gidSeqKey, in the epoch of the groups that took ids, so a crash
// rolls it back with them. An epoch that aborts leaves a gap, never a
// reused id.

// gidSeqKey is where table 1 keeps the next group id.
var gidSeqKey = []byte{0xFF, 0x01}

// gidMark follows 0xFF in the key of an entry under a group id.
const gidMark = 0x00

// openGIDs reads the next group id.
func (a *Aggregate) openGIDs() error {
	a.nextGID, a.gidsMoved = 1, false
	if !a.gids {
		return nil
	}
	v, ok, err := a.values.Get(gidSeqKey)
	if err != nil {
		return fmt.Errorf("aggregate: read the next group id: %w", err)
	}
	if ok {
		id, w := binary.Uvarint(v)
		if w <= 0 || id == 0 {
			return fmt.Errorf("aggregate: corrupt next group id")
		}
		a.nextGID = id
	}
	return nil
}

// newGID gives a group created in this batch, whose accumulators are acc,
// the next id.
func (a *Aggregate) newGID(acc types.Row) {
	acc[len(acc)-1] = types.NewInt(int64(a.nextGID))
	a.nextGID++
	a.gidsMoved = true
}

// saveGIDs writes the next group id, if the batch took ids, into the epoch
// that holds their groups.
func (a *Aggregate) saveGIDs() {
	if a.gidsMoved {
		a.dbuf = binary.AppendUvarint(a.dbuf[:0], a.nextGID)
		a.values.Put(gidSeqKey, a.dbuf)
		a.gidsMoved = false
	}
}

// gidPrefix appends the prefix of the entries under the id of the group
// whose accumulators are acc.
func gidPrefix(dst []byte, acc types.Row) []byte {
	return appendRowID(append(dst, 0xFF, gidMark), uint64(acc[len(acc)-1].I))
}

// setKey appends the key prefix of set prefix's entries in group g: under
// its id at layout 4, under its key before.
func (a *Aggregate) setKey(dst []byte, g *group, prefix byte) []byte {
	if !a.gids {
		return valueKey(dst, g.key, int(prefix))
	}
	return append(gidPrefix(dst, g.acc), prefix)
}
