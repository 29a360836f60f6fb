package operator

import (
	"riffle/exec/expr"
	"riffle/exec/state"
	"riffle/sql/types"
)

// joinRows builds the output rows of the joins: pairs and rows padded with
// NULLs for the missing side, carved from one slab that the operator
// renews for each batch it emits (emitted rows are never reused), and a
// scratch pair for evaluating a condition.
type joinRows struct {
	width [2]int // the left and right inputs' widths
	slab  []types.Value
	pair  types.Row
}

// renew starts a fresh slab: the rows of the last one were emitted.
func (r *joinRows) renew() { r.slab = make([]types.Value, 0, cap(r.slab)) }

// pairRow is the output row of row (from side s) joined with orow.
func (r *joinRows) pairRow(s int, row, orow types.Row) types.Row {
	at := len(r.slab)
	if s == 0 {
		r.slab = append(append(r.slab, row...), orow...)
	} else {
		r.slab = append(append(r.slab, orow...), row...)
	}
	return r.slab[at:len(r.slab):len(r.slab)]
}

// unpair gives back the place of pair, the last row pairRow made, which is
// not emitted.
func (r *joinRows) unpair(pair types.Row) { r.slab = r.slab[:len(r.slab)-len(pair)] }

// padded is row (from side s) with NULLs for the other side's columns.
func (r *joinRows) padded(s int, row types.Row) types.Row {
	at := len(r.slab)
	if s == 1 {
		r.slab = appendNulls(r.slab, r.width[0])
	}
	r.slab = append(r.slab, row...)
	if s == 0 {
		r.slab = appendNulls(r.slab, r.width[1])
	}
	return r.slab[at:len(r.slab):len(r.slab)]
}

// copyRow is row itself, copied into the slab.
func (r *joinRows) copyRow(row types.Row) types.Row {
	at := len(r.slab)
	r.slab = append(r.slab, row...)
	return r.slab[at:len(r.slab):len(r.slab)]
}

// scratchPair is left ++ right for a condition to read, valid until the
// next call.
func (r *joinRows) scratchPair(s int, row, orow types.Row) types.Row {
	if s == 0 {
		r.pair = append(append(r.pair[:0], row...), orow...)
	} else {
		r.pair = append(append(r.pair[:0], orow...), row...)
	}
	return r.pair
}

func appendNulls(dst []types.Value, n int) []types.Value {
	for range n {
		dst = append(dst, types.Null)
	}
	return dst
}

// appendJoinKey appends the order-preserving encoding of row's join key
// (keys evaluated over it) to dst, and reports whether the key holds a
// NULL that cannot match (a key under IS NOT DISTINCT FROM, nullSafe[i],
// matches NULL; nullSafe may be nil).
func appendJoinKey(dst []byte, keys []expr.Func, nullSafe []bool, row types.Row) ([]byte, bool, error) {
	null := false
	for i, f := range keys {
		v, err := f(row)
		if err != nil {
			return dst, false, err
		}
		if v.IsNull() && (nullSafe == nil || !nullSafe[i]) {
			null = true
		}
		dst = state.AppendKey(dst, v)
	}
	return dst, null, nil
}
