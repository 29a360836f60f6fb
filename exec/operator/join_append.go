package operator

import (
	"encoding/binary"
	"fmt"
	"math/bits"

	"riffle/exec/state"
	"riffle/planner/logical"
	"riffle/sql/types"
)

// An append-only side. A side whose input only inserts, whose rows do not
// track their matches and that no state TTL expires (expiry retracts) never
// sees one of its rows retracted, so it need not keep a multiplicity per
// distinct row: it stores each insert as an entry of its own under a
// short id, written without reading anything first,
//
//	joinKey 0x01 0x00 id → multiplicity (of the change), row
//
// where id is the side's next number (rowIDs), rather than under the row's
// whole encoding with the multiplicity read and added to (Nexmark's bids
// held their url and extra twice, and each bid cost a point read: q7, q9,
// q20). The 0x00 after the row tag is never the first byte of a tuple
// encoding (see state's key encoding), so a reader tells an entry's layout
// from its key alone; only a query planned at version 3 or later writes
// such entries (see logical.StampLayout).
//
// The next id is kept in the side's table under seqKey, written with the
// epoch's rows. After a crash the state, the ids and the rows that used
// them roll back together to the last commit, so an id is reused only
// when the rows that had it were lost. Each task of a parallel query
// writes its own part of the table (state.Txn.Part), with its own seqKey.

// seqKey holds an append-only side's next row id. Like firedKey (0xFF) it
// sorts after every join key, so a window join's range deletion of closed
// windows leaves it.
var seqKey = []byte{0xFF, 0x01}

// rowIDMark follows the row tag of an append-only side's entry.
const rowIDMark = 0x00

// appendsRows reports whether side s of join n, planned at its Layout,
// stores its rows as an append-only side (the TTL is checked at Open).
func appendsRows(n *logical.Join, s int, tracks bool) bool {
	if n.Layout != 0 && n.Layout < 3 {
		return false
	}
	in := n.Left
	if s == 1 {
		in = n.Right
	}
	return !tracks && !n.NullAware && in.Props().Changelog == logical.AppendOnly
}

// openRowIDs reads the next row id of every append-only side.
func (j *Join) openRowIDs() error {
	for s := range j.sides {
		side := &j.sides[s]
		side.appends = side.appendable && j.exp.ttl <= 0
		side.nextID, side.idsMoved = 0, false
		if !side.appends {
			continue
		}
		v, ok, err := side.table.Get(seqKey)
		if err != nil {
			return fmt.Errorf("join: read the next row id: %w", err)
		}
		if ok {
			id, w := binary.Uvarint(v)
			if w <= 0 {
				return fmt.Errorf("join: corrupt next row id")
			}
			side.nextID = id
		}
	}
	return nil
}

// saveRowIDs writes the next row id of each side that took ids in the
// batch, into the epoch that holds the rows.
func (j *Join) saveRowIDs() {
	for s := range j.sides {
		side := &j.sides[s]
		if side.idsMoved {
			j.vbuf = binary.AppendUvarint(j.vbuf[:0], side.nextID)
			side.table.Put(seqKey, j.vbuf)
			side.idsMoved = false
		}
	}
}

// appendRow stores an insert (d copies of row) of an append-only side
// under a new id (j.kbuf holds its join key).
func (j *Join) appendRow(side *joinSide, row types.Row, d int64) error {
	if d < 0 {
		return fmt.Errorf("join: a retraction (%d) of an input planned as append-only", d)
	}
	side.cache.drop(j.kbuf)
	side.wrote(j.kbuf)
	j.kbuf = appendRowID(append(j.kbuf, tagRow, rowIDMark), side.nextID)
	side.nextID++
	side.idsMoved = true
	j.entry = binary.AppendVarint(j.entry[:0], d)
	j.entry = state.AppendRow(j.entry, row)
	side.table.Put(j.kbuf, j.entry)
	return nil
}

// appendRowID appends id as its length in bytes then its big-endian bytes:
// short (a million rows take 4 bytes), and in insertion order.
func appendRowID(dst []byte, id uint64) []byte {
	n := (bits.Len64(id) + 7) / 8
	dst = append(dst, byte(n))
	for i := n - 1; i >= 0; i-- {
		dst = append(dst, byte(id>>(8*i)))
	}
	return dst
}

// appended reports whether the entry whose key continues with rowKey after
// its row tag is an append-only side's.
func appended(rowKey []byte) bool {
	return len(rowKey) > 0 && rowKey[0] == rowIDMark
}
