package state

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"riffle/sql/types"
)

// Row encoding, for the values of state tables. Unlike keys it need not
// sort, so it is as small and quick as it can be: a uvarint count, then per
// value one code byte and a body (zigzag varints for integers and temporal
// values, 8 little-endian bytes for floats, length-prefixed strings, counted
// lists). The codes below are part of the on-disk format: never renumber
// them, only add.
const (
	rcNull      = 0
	rcFalse     = 1
	rcTrue      = 2
	rcInt       = 3
	rcFloat     = 4
	rcDecPos    = 5 // zigzag scale, uvarint length, big-endian magnitude
	rcDecNeg    = 6
	rcString    = 7
	rcBytes     = 8
	rcDate      = 9
	rcTime      = 10
	rcTimestamp = 11
	rcInterval  = 12
	rcArray     = 13
	rcMap       = 14
	rcRow       = 15
	rcJSON      = 16
)

const maxRowDepth = 64 // nesting limit when decoding untrusted bytes

var errRowTruncated = errors.New("state: truncated row")

// intCodes maps the integer-bodied kinds to their codes; codeKinds is the
// inverse for every code.
var intCodes = [...]byte{
	types.KInt: rcInt, types.KDate: rcDate, types.KTime: rcTime,
	types.KTimestamp: rcTimestamp, types.KInterval: rcInterval,
}

var codeKinds = [...]types.Kind{
	rcNull: types.KNull, rcFalse: types.KBool, rcTrue: types.KBool,
	rcInt: types.KInt, rcFloat: types.KFloat, rcDecPos: types.KDecimal,
	rcDecNeg: types.KDecimal, rcString: types.KString, rcBytes: types.KBytes,
	rcDate: types.KDate, rcTime: types.KTime, rcTimestamp: types.KTimestamp,
	rcInterval: types.KInterval, rcArray: types.KArray, rcMap: types.KMap,
	rcRow: types.KRow, rcJSON: types.KJSON,
}

// AppendRow appends the value encoding of r to dst. The encoding keeps every
// Value exactly (decimal scale, -0.0, NaN payloads) and does not sort.
func AppendRow(dst []byte, r types.Row) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(r)))
	for _, v := range r {
		dst = appendValue(dst, v)
	}
	return dst
}

func appendValue(dst []byte, v types.Value) []byte {
	switch v.K {
	case types.KNull:
		return append(dst, rcNull)
	case types.KBool:
		if v.I != 0 {
			return append(dst, rcTrue)
		}
		return append(dst, rcFalse)
	case types.KInt, types.KDate, types.KTime, types.KTimestamp, types.KInterval:
		return binary.AppendVarint(append(dst, intCodes[v.K]), v.I)
	case types.KFloat:
		return binary.LittleEndian.AppendUint64(append(dst, rcFloat), uint64(v.I))
	case types.KDecimal:
		d := v.Dec()
		code := byte(rcDecPos)
		if d.Unscaled.Sign() < 0 {
			code = rcDecNeg
		}
		dst = binary.AppendVarint(append(dst, code), int64(d.Scale))
		mag := d.Unscaled.Bytes()
		dst = binary.AppendUvarint(dst, uint64(len(mag)))
		return append(dst, mag...)
	case types.KString:
		return appendStr(append(dst, rcString), v.S)
	case types.KBytes:
		return appendStr(append(dst, rcBytes), v.S)
	case types.KJSON:
		return appendStr(append(dst, rcJSON), v.S)
	case types.KArray, types.KMap, types.KRow:
		code := byte(rcArray)
		if v.K == types.KMap {
			code = rcMap
		} else if v.K == types.KRow {
			code = rcRow
		}
		list := v.List()
		dst = binary.AppendUvarint(append(dst, code), uint64(len(list)))
		for _, e := range list {
			dst = appendValue(dst, e)
		}
		return dst
	}
	// An unknown kind is a bug in the caller; store NULL rather than corrupt
	// the rest of the row.
	return append(dst, rcNull)
}

func appendStr(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// DecodeRow decodes a row written by AppendRow, appending its values to
// into[:0] so that into's capacity is reused. Strings are copied out of b
// (Pebble reuses its buffers), so b may be reused once DecodeRow returns.
// Malformed input returns an error, never a panic; so does input with bytes
// left over after the row.
func DecodeRow(b []byte, into types.Row) (types.Row, error) {
	n, b, err := uvarint(b)
	if err != nil {
		return into[:0], err
	}
	// Every value takes at least one byte, so a count larger than what is
	// left is garbage; checking it first bounds the allocation.
	if n > uint64(len(b)) {
		return into[:0], errRowTruncated
	}
	into = into[:0]
	for i := uint64(0); i < n; i++ {
		var v types.Value
		v, b, err = decodeValue(b, 0)
		if err != nil {
			return into, fmt.Errorf("state: decode row column %d: %w", i, err)
		}
		into = append(into, v)
	}
	if len(b) != 0 {
		return into, fmt.Errorf("state: %d bytes after row", len(b))
	}
	return into, nil
}

func decodeValue(b []byte, depth int) (types.Value, []byte, error) {
	if len(b) == 0 {
		return types.Null, b, errRowTruncated
	}
	code := b[0]
	b = b[1:]
	if int(code) >= len(codeKinds) {
		return types.Null, b, fmt.Errorf("state: bad value code %d", code)
	}
	k := codeKinds[code]
	switch code {
	case rcNull:
		return types.Null, b, nil
	case rcFalse, rcTrue:
		return types.NewBool(code == rcTrue), b, nil
	case rcInt, rcDate, rcTime, rcTimestamp, rcInterval:
		i, n := binary.Varint(b)
		if n <= 0 {
			return types.Null, b, errRowTruncated
		}
		return types.Value{K: k, I: i}, b[n:], nil
	case rcFloat:
		if len(b) < 8 {
			return types.Null, b, errRowTruncated
		}
		return types.Value{K: k, I: int64(binary.LittleEndian.Uint64(b))}, b[8:], nil
	case rcDecPos, rcDecNeg:
		return decodeDec(b, code == rcDecNeg)
	case rcString, rcBytes, rcJSON:
		s, rest, err := str(b)
		return types.Value{K: k, S: s}, rest, err
	default: // lists
		return decodeValueList(k, b, depth)
	}
}

func decodeDec(b []byte, neg bool) (types.Value, []byte, error) {
	scale, n := binary.Varint(b)
	if n <= 0 {
		return types.Null, b, errRowTruncated
	}
	if scale > math.MaxInt32 || scale < math.MinInt32 {
		return types.Null, b, errors.New("state: decimal scale out of range")
	}
	mag, rest, err := bytesOf(b[n:])
	if err != nil {
		return types.Null, b, err
	}
	d := &types.Dec{Scale: int32(scale)}
	d.Unscaled.SetBytes(mag)
	if neg {
		d.Unscaled.Neg(&d.Unscaled)
	}
	return types.NewDecimal(d), rest, nil
}

func decodeValueList(k types.Kind, b []byte, depth int) (types.Value, []byte, error) {
	if depth >= maxRowDepth {
		return types.Null, b, errors.New("state: row nested too deeply")
	}
	n, b, err := uvarint(b)
	if err != nil {
		return types.Null, b, err
	}
	if n > uint64(len(b)) {
		return types.Null, b, errRowTruncated
	}
	list := make([]types.Value, n)
	for i := range list {
		if list[i], b, err = decodeValue(b, depth+1); err != nil {
			return types.Null, b, err
		}
	}
	return types.Value{K: k, X: list}, b, nil
}

func uvarint(b []byte) (uint64, []byte, error) {
	n, w := binary.Uvarint(b)
	if w <= 0 {
		return 0, b, errRowTruncated
	}
	return n, b[w:], nil
}

// bytesOf reads a uvarint length and that many bytes, aliasing b.
func bytesOf(b []byte) ([]byte, []byte, error) {
	n, b, err := uvarint(b)
	if err != nil {
		return nil, b, err
	}
	if n > uint64(len(b)) {
		return nil, b, errRowTruncated
	}
	return b[:n], b[n:], nil
}

func str(b []byte) (string, []byte, error) {
	s, rest, err := bytesOf(b)
	return string(s), rest, err
}
