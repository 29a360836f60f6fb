package operator

import (
	"encoding/binary"
	"errors"
	"fmt"

	"riffle/catalog"
	"riffle/exec/state"
	"riffle/sql/types"
)

// A materialized view's query publishes its changes to an internal topic
// (exec/runtime changes.go), which the continuous queries reading the view
// read as a changelog. A record's value holds a run of changes, each
//
//	varint diff · uvarint length · the row (state.AppendRow)
//
// so that values come back exactly as the view holds them (a decimal's
// scale, a timestamp's precision), which no user format promises, and an
// epoch of many small changes is a few records rather than one each.

// AppendViewChange appends one change to a record value.
func AppendViewChange(dst []byte, c types.Change, scratch []byte) ([]byte, []byte) {
	scratch = state.AppendRow(scratch[:0], c.Row)
	dst = binary.AppendVarint(dst, int64(c.Diff))
	dst = binary.AppendUvarint(dst, uint64(len(scratch)))
	return append(dst, scratch...), scratch
}

// viewChanges decodes the values AppendViewChange writes.
type viewChanges struct {
	width int
	row   types.Row
}

var errViewChange = errors.New("corrupt run of changes")

func (v *viewChanges) DecodeChanges(data []byte, emit func(types.Row, int64)) error {
	for len(data) > 0 {
		diff, n := binary.Varint(data)
		if n <= 0 {
			return errViewChange
		}
		data = data[n:]
		size, n := binary.Uvarint(data)
		if n <= 0 || size > uint64(len(data)-n) {
			return errViewChange
		}
		var err error
		v.row, err = state.DecodeRow(data[n:n+int(size)], v.row)
		if err != nil {
			return fmt.Errorf("%w: %v", errViewChange, err)
		}
		if len(v.row) != v.width {
			return fmt.Errorf("%w: a row of %d columns, not %d", errViewChange, len(v.row), v.width)
		}
		data = data[n+int(size):]
		emit(v.row, diff)
	}
	return nil
}

// NewViewChangesDecoder returns the decoder of the records a materialized
// view's query publishes: each carries changes to rows of all the view's
// columns. A record that does not decode is not a bad record of a user's
// table but a fault of riffle's own topic: its error stops the reader.
func NewViewChangesDecoder(view *catalog.Object) *RecordDecoder {
	l := recordLayout{meta: map[int]string{}}
	for i := range view.Schema.Columns {
		l.value = append(l.value, i)
	}
	return &RecordDecoder{l: l, changes: &viewChanges{width: len(l.value)}, text: map[int]bool{},
		scratch: make(types.Row, len(l.value))}
}
