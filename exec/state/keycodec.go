package state

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"

	"riffle/sql/types"
)

// Key encoding.
//
// Every value encodes as a tag byte followed by a body, and no encoding is a
// prefix of another (fixed-width bodies, or bodies closed by a terminator).
// That one property gives the rest:
//   - a tuple is the concatenation of its values' encodings and sorts
//     column by column;
//   - the encoding of a leading subset of a tuple's columns is a byte prefix
//     of the full encoding, so Scan(prefix) finds every row of a group;
//   - descending order is the bitwise complement of the ascending encoding
//     (complementing reverses bytes.Compare exactly when no encoding is a
//     prefix of another).
//
// Ascending tags are 0x01+Kind, so kinds sort in Kind order as in
// types.Compare, NULL first. Descending tags are their complements
// (0xF0..0xFE), so DecodeKey tells the direction from the tag alone and a
// tuple may mix directions per column. 0x00 is never a tag: it closes arrays,
// maps and rows, so a shorter list sorts before a longer one it prefixes.

const (
	tagBase     = 0x01
	listEnd     = 0x00
	descTagLow  = 0x80 // tags at or above this are descending
	maxKeyDepth = 64   // nesting limit when decoding untrusted bytes
	maxDecShift = 4096 // largest power of ten a decoded decimal is multiplied by
)

// Body bytes of a string: 0x00 inside the string is escaped as 0x00 0xFF and
// the string ends with 0x00 0x01, so "a" < "a\x00" < "ab" in bytes as in Go.
const (
	strEsc     = 0x00
	strEscaped = 0xFF
	strEnd     = 0x01
)

// Decimal sign classes, so negative < zero < positive.
const (
	decNeg  = 0x01
	decZero = 0x02
	decPos  = 0x03
)

var errKeyTruncated = errors.New("state: truncated key")

// AppendKey appends the ascending, order-preserving encoding of v to dst.
//
// bytes.Compare on two encodings agrees with types.Compare on the values
// whenever the values have the same Kind or one is NULL; values of different
// non-NULL kinds sort by Kind (types.Compare would compare INT with DOUBLE
// numerically, but a key column has one type, so that never arises).
//
// Values that types.Compare holds equal encode to equal bytes, so a few
// distinctions do not survive a round trip: -0.0 decodes as 0.0, every NaN
// as the canonical NaN, and a DECIMAL comes back with the smallest scale
// that represents it exactly (1.50 decodes as 1.5; rescale it to the
// column's scale).
func AppendKey(dst []byte, v types.Value) []byte {
	return appendKey(dst, v, 0)
}

// AppendKeyDesc appends the descending encoding of v: the exact reverse of
// AppendKey's order, NULL included (NULL sorts last). DecodeKey reads both.
func AppendKeyDesc(dst []byte, v types.Value) []byte {
	return appendKey(dst, v, 0xFF)
}

// AppendTupleKey appends the ascending encodings of every value of r.
func AppendTupleKey(dst []byte, r types.Row) []byte {
	for _, v := range r {
		dst = appendKey(dst, v, 0)
	}
	return dst
}

// AppendTupleKeyDirs appends the encodings of the values of r, column i
// descending when desc[i] is true (ORDER BY a, b DESC). desc may be shorter
// than r; missing entries mean ascending.
func AppendTupleKeyDirs(dst []byte, r types.Row, desc []bool) []byte {
	for i, v := range r {
		var mask byte
		if i < len(desc) && desc[i] {
			mask = 0xFF
		}
		dst = appendKey(dst, v, mask)
	}
	return dst
}

// appendKey encodes ascending and then complements what it wrote when mask
// is 0xFF. Complementing in place keeps one code path for both directions.
func appendKey(dst []byte, v types.Value, mask byte) []byte {
	start := len(dst)
	dst = appendAsc(dst, v)
	if mask != 0 {
		for i := start; i < len(dst); i++ {
			dst[i] = ^dst[i]
		}
	}
	return dst
}

func appendAsc(dst []byte, v types.Value) []byte {
	dst = append(dst, tagBase+byte(v.K))
	switch v.K {
	case types.KNull:
	case types.KBool:
		dst = append(dst, byte(v.I&1))
	case types.KInt, types.KDate, types.KTime, types.KTimestamp, types.KInterval:
		dst = binary.BigEndian.AppendUint64(dst, uint64(v.I)^(1<<63))
	case types.KFloat:
		dst = binary.BigEndian.AppendUint64(dst, floatKey(v.Float()))
	case types.KDecimal:
		dst = appendDecimal(dst, v.Dec())
	case types.KString, types.KBytes, types.KJSON:
		dst = appendEscaped(dst, v.S)
	case types.KArray, types.KMap, types.KRow:
		for _, e := range v.List() {
			dst = appendAsc(dst, e)
		}
		dst = append(dst, listEnd)
	}
	return dst
}

// floatKey maps a float to a uint64 whose unsigned order is the float order
// of types.Compare: negative floats have every bit flipped (larger magnitude
// sorts first), positive ones only the sign bit. -0 is folded into +0 and
// every NaN into one NaN above +Inf, as types.Compare holds them equal.
func floatKey(f float64) uint64 {
	switch {
	case math.IsNaN(f):
		return math.Float64bits(math.NaN()) | 1<<63
	case f == 0:
		return 1 << 63
	}
	b := math.Float64bits(f)
	if b&(1<<63) != 0 {
		return ^b
	}
	return b | 1<<63
}

func floatFromKey(u uint64) float64 {
	if u&(1<<63) != 0 {
		return math.Float64frombits(u &^ (1 << 63))
	}
	return math.Float64frombits(^u)
}

func appendEscaped(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] == strEsc {
			dst = append(dst, strEsc, strEscaped)
		} else {
			dst = append(dst, s[i])
		}
	}
	return append(dst, strEsc, strEnd)
}

// appendDecimal writes a decimal as sign class, then for a nonzero value
// |d| = 0.d1d2…dn × 10^E with d1 ≠ 0 and dn ≠ 0: E as a sign-flipped
// big-endian int64, then the digits two per byte (pair+2, so 2..101), the
// last pair padded with a 0 digit, then a 0x01 terminator. A larger E means
// a larger magnitude; with equal E the digit strings compare
// lexicographically, a shorter one first (the terminator is below every
// pair). Negative values complement exponent and digits, reversing that.
// Normalizing away trailing zeros makes equal values encode equally.
func appendDecimal(dst []byte, d *types.Dec) []byte {
	sign := d.Unscaled.Sign()
	if sign == 0 {
		return append(dst, decZero)
	}
	digits := new(big.Int).Abs(&d.Unscaled).String()
	exp := int64(len(digits)) - int64(d.Scale)
	n := len(digits)
	for n > 0 && digits[n-1] == '0' {
		n--
	}
	digits = digits[:n]
	if sign < 0 {
		dst = append(dst, decNeg)
	} else {
		dst = append(dst, decPos)
	}
	start := len(dst)
	dst = binary.BigEndian.AppendUint64(dst, uint64(exp)^(1<<63))
	for i := 0; i < len(digits); i += 2 {
		pair := (digits[i] - '0') * 10
		if i+1 < len(digits) {
			pair += digits[i+1] - '0'
		}
		dst = append(dst, pair+2)
	}
	dst = append(dst, 0x01)
	if sign < 0 {
		for i := start; i < len(dst); i++ {
			dst[i] = ^dst[i]
		}
	}
	return dst
}

// DecodeKey decodes one value encoded by AppendKey or AppendKeyDesc from the
// front of b and returns it with the rest of b. Strings are copied out of b,
// so b may be reused afterwards. Malformed input returns an error, never a
// panic.
func DecodeKey(b []byte) (types.Value, []byte, error) {
	return decodeKey(b, 0)
}

// DecodeTupleKey decodes n values from the front of b, appending them to
// into[:0] so that its capacity is reused.
func DecodeTupleKey(b []byte, n int, into types.Row) (types.Row, []byte, error) {
	into = into[:0]
	for i := 0; i < n; i++ {
		v, rest, err := decodeKey(b, 0)
		if err != nil {
			return into, b, fmt.Errorf("state: decode key column %d: %w", i, err)
		}
		into = append(into, v)
		b = rest
	}
	return into, b, nil
}

func decodeKey(b []byte, depth int) (types.Value, []byte, error) {
	if len(b) == 0 {
		return types.Null, b, errKeyTruncated
	}
	var mask byte
	if b[0] >= descTagLow {
		mask = 0xFF
	}
	return decodeBody(b, mask, depth)
}

// decodeBody decodes one value whose bytes are XORed with mask (0 ascending,
// 0xFF descending).
func decodeBody(b []byte, mask byte, depth int) (types.Value, []byte, error) {
	if len(b) == 0 {
		return types.Null, b, errKeyTruncated
	}
	tag := b[0] ^ mask
	if tag < tagBase || tag > tagBase+byte(types.KJSON) {
		return types.Null, b, fmt.Errorf("state: bad key tag 0x%02x", b[0])
	}
	k := types.Kind(tag - tagBase)
	b = b[1:]
	switch k {
	case types.KNull:
		return types.Null, b, nil
	case types.KBool:
		if len(b) < 1 {
			return types.Null, b, errKeyTruncated
		}
		return types.NewBool(b[0]^mask != 0), b[1:], nil
	case types.KInt, types.KDate, types.KTime, types.KTimestamp, types.KInterval, types.KFloat:
		if len(b) < 8 {
			return types.Null, b, errKeyTruncated
		}
		u := binary.BigEndian.Uint64(b) ^ uint64(int64(int8(mask)))
		if k == types.KFloat {
			return types.NewFloat(floatFromKey(u)), b[8:], nil
		}
		return types.Value{K: k, I: int64(u ^ 1<<63)}, b[8:], nil
	case types.KDecimal:
		d, rest, err := decodeDecimal(b, mask)
		if err != nil {
			return types.Null, b, err
		}
		return types.NewDecimal(d), rest, nil
	case types.KString, types.KBytes, types.KJSON:
		s, rest, err := decodeEscaped(b, mask)
		return types.Value{K: k, S: s}, rest, err
	default: // KArray, KMap, KRow
		return decodeList(k, b, mask, depth)
	}
}

func decodeList(k types.Kind, b []byte, mask byte, depth int) (types.Value, []byte, error) {
	if depth >= maxKeyDepth {
		return types.Null, b, errors.New("state: key nested too deeply")
	}
	elems := []types.Value{}
	for {
		if len(b) == 0 {
			return types.Null, b, errKeyTruncated
		}
		if b[0]^mask == listEnd {
			return types.Value{K: k, X: elems}, b[1:], nil
		}
		e, rest, err := decodeBody(b, mask, depth+1)
		if err != nil {
			return types.Null, b, err
		}
		elems = append(elems, e)
		b = rest
	}
}

func decodeEscaped(b []byte, mask byte) (string, []byte, error) {
	// Fast path: no escaped 0x00 inside, so the body is one run of bytes.
	for i := 0; i+1 < len(b); i++ {
		if b[i]^mask != strEsc {
			continue
		}
		if b[i+1]^mask == strEnd {
			return unmask(b[:i], mask), b[i+2:], nil
		}
		return decodeEscapedSlow(b, mask)
	}
	return "", b, errKeyTruncated
}

func decodeEscapedSlow(b []byte, mask byte) (string, []byte, error) {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i] ^ mask
		if c != strEsc {
			out = append(out, c)
			continue
		}
		if i+1 >= len(b) {
			break
		}
		switch b[i+1] ^ mask {
		case strEnd:
			return string(out), b[i+2:], nil
		case strEscaped:
			out = append(out, strEsc)
			i++
		default:
			return "", b, fmt.Errorf("state: bad string escape 0x%02x", b[i+1])
		}
	}
	return "", b, errKeyTruncated
}

func unmask(b []byte, mask byte) string {
	if mask == 0 {
		return string(b)
	}
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = c ^ mask
	}
	return string(out)
}

func decodeDecimal(b []byte, mask byte) (*types.Dec, []byte, error) {
	if len(b) < 1 {
		return nil, b, errKeyTruncated
	}
	class := b[0] ^ mask
	b = b[1:]
	switch class {
	case decZero:
		return &types.Dec{}, b, nil
	case decNeg:
		mask ^= 0xFF // the magnitude of a negative decimal is complemented once more
	case decPos:
	default:
		return nil, b, fmt.Errorf("state: bad decimal sign 0x%02x", class)
	}
	if len(b) < 8 {
		return nil, b, errKeyTruncated
	}
	exp := int64(binary.BigEndian.Uint64(b)^uint64(int64(int8(mask)))) ^ math.MinInt64
	b = b[8:]
	digits := make([]byte, 0, 2*len(b))
	for {
		if len(b) == 0 {
			return nil, b, errKeyTruncated
		}
		c := b[0] ^ mask
		b = b[1:]
		if c == 0x01 {
			break
		}
		if c < 2 || c > 101 {
			return nil, b, fmt.Errorf("state: bad decimal digit pair 0x%02x", c)
		}
		digits = append(digits, '0'+(c-2)/10, '0'+(c-2)%10)
	}
	if len(digits) == 0 {
		return nil, b, errors.New("state: decimal without digits")
	}
	if digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
	}
	scale := int64(len(digits)) - exp
	if scale > math.MaxInt32 || scale < math.MinInt32 {
		return nil, b, errors.New("state: decimal exponent out of range")
	}
	d := &types.Dec{Scale: int32(scale)}
	if _, ok := d.Unscaled.SetString(string(digits), 10); !ok {
		return nil, b, errors.New("state: bad decimal digits")
	}
	if class == decNeg {
		d.Unscaled.Neg(&d.Unscaled)
	}
	if d.Scale < 0 {
		if d.Scale < -maxDecShift {
			return nil, b, errors.New("state: decimal exponent out of range")
		}
		// Keep scales non-negative, as types.ParseDec does: 1e3 is 1000.
		d.Unscaled.Mul(&d.Unscaled, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-d.Scale)), nil))
		d.Scale = 0
	}
	return d, b, nil
}
