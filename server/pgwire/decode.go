package pgwire

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// Bind parameters reach the engine as text (Conn.ExecPrepared takes
// []*string). Drivers send binary for the types they know, so the gateway
// turns each binary parameter back into the text PostgreSQL would accept
// for it, using the parameter's OID.

// invalidBinary is PostgreSQL's invalid_binary_representation.
const invalidBinary = "22P03"

// decodeBinaryParam returns the text form of the binary value p of type oid;
// n is the 1-based parameter number for the error message.
func decodeBinaryParam(p []byte, oid uint32, n int) (string, error) {
	s, ok := binaryParamText(p, oid)
	if ok {
		return s, nil
	}
	if _, known := typeByOID[oid]; !known || oid == OIDChar {
		return "", sqlerr.New(sqlerr.FeatureNotSupported,
			"binary format for parameter $%d of type %s is not supported", n, TypeName(oid)).
			WithHint("Send the parameter in text format.")
	}
	return "", sqlerr.New(invalidBinary, "incorrect binary data format in bind parameter %d", n)
}

// binaryParamText decodes one binary value; ok is false when p is not a
// valid encoding of oid or the gateway does not decode oid.
func binaryParamText(p []byte, oid uint32) (string, bool) {
	be := binary.BigEndian
	switch oid {
	case OIDBool:
		if len(p) != 1 {
			return "", false
		}
		return strconv.FormatBool(p[0] != 0), true
	case OIDInt2:
		if len(p) != 2 {
			return "", false
		}
		return strconv.Itoa(int(int16(be.Uint16(p)))), true
	case OIDInt4:
		if len(p) != 4 {
			return "", false
		}
		return strconv.Itoa(int(int32(be.Uint32(p)))), true
	case OIDOid:
		if len(p) != 4 {
			return "", false
		}
		return strconv.FormatUint(uint64(be.Uint32(p)), 10), true
	case OIDInt8:
		if len(p) != 8 {
			return "", false
		}
		return strconv.FormatInt(int64(be.Uint64(p)), 10), true
	case OIDFloat4:
		if len(p) != 4 {
			return "", false
		}
		return floatText(float64(math.Float32frombits(be.Uint32(p))), 32), true
	case OIDFloat8:
		if len(p) != 8 {
			return "", false
		}
		return floatText(math.Float64frombits(be.Uint64(p)), 64), true
	case OIDText, OIDVarchar, OIDBPChar, OIDName, OIDJSON:
		return string(p), true
	case OIDJSONB:
		if len(p) < 1 || p[0] != 1 {
			return "", false
		}
		return string(p[1:]), true
	case OIDBytea:
		return `\x` + hex.EncodeToString(p), true
	case OIDNumeric:
		return numericText(p)
	case OIDPoint:
		if len(p) != 16 {
			return "", false
		}
		return "(" + floatText(math.Float64frombits(be.Uint64(p)), 64) + "," + floatText(math.Float64frombits(be.Uint64(p[8:])), 64) + ")", true
	case OIDInt4Range:
		return int4RangeText(p)
	}
	if info, ok := typeByOID[oid]; ok && info.Category == 'A' {
		return arrayText(p, info.Elem)
	}
	return temporalParamText(p, oid)
}

// arrayText decodes array_send's format (see appendBinaryArray) into an
// array literal, quoting elements as array_out does. Only one-dimensional
// arrays are accepted; riffle's ARRAY has no fixed multi-dimensional shape.
func arrayText(p []byte, elemOID uint32) (string, bool) {
	be := binary.BigEndian
	if len(p) < 12 {
		return "", false
	}
	ndim, oid := be.Uint32(p), be.Uint32(p[8:])
	if ndim == 0 {
		return "{}", oid == elemOID
	}
	if ndim != 1 || oid != elemOID || len(p) < 20 {
		return "", false
	}
	n := int(be.Uint32(p[12:]))
	rest := p[20:]
	if n < 0 || n > len(rest)/4 {
		return "", false
	}
	b := []byte{'{'}
	for i := range n {
		if len(rest) < 4 {
			return "", false
		}
		size := int(int32(be.Uint32(rest)))
		rest = rest[4:]
		if i > 0 {
			b = append(b, ',')
		}
		if size == -1 {
			b = append(b, "NULL"...)
			continue
		}
		if size < 0 || size > len(rest) {
			return "", false
		}
		s, ok := binaryParamText(rest[:size], elemOID)
		if !ok {
			return "", false
		}
		b = appendQuoted(b, []byte(s), true)
		rest = rest[size:]
	}
	if len(rest) != 0 {
		return "", false
	}
	return string(append(b, '}')), true
}

func temporalParamText(p []byte, oid uint32) (string, bool) {
	be := binary.BigEndian
	switch oid {
	case OIDInterval:
		if len(p) != 16 {
			return "", false
		}
		return intervalText(int64(be.Uint64(p)), int32(be.Uint32(p[8:])), int32(be.Uint32(p[12:]))), true
	case OIDDate:
		if len(p) != 4 {
			return "", false
		}
		switch d := int32(be.Uint32(p)); d {
		case math.MaxInt32:
			return "infinity", true
		case math.MinInt32:
			return "-infinity", true
		default:
			return string(types.AppendText(nil, types.NewDate(int64(d)+pgEpochDays), types.TDate)), true
		}
	case OIDTime:
		if len(p) != 8 {
			return "", false
		}
		return string(types.AppendText(nil, types.NewTime(int64(be.Uint64(p))), types.Type{ID: types.Time})), true
	case OIDTimestamp, OIDTimestampTZ:
		if len(p) != 8 {
			return "", false
		}
		us := int64(be.Uint64(p))
		switch us {
		case math.MaxInt64:
			return "infinity", true
		case math.MinInt64:
			return "-infinity", true
		}
		t := time.UnixMicro(us + pgEpochMicros).UTC()
		s := t.Format("2006-01-02 15:04:05.999999")
		if oid == OIDTimestampTZ {
			s += "+00"
		}
		return s, true
	}
	return "", false
}

// intervalText renders interval_send's (microseconds, days, months) as
// interval text: riffle's own forms ("1 year 2 mons", "3 days 04:05:06")
// when the value is one of its two interval kinds, PostgreSQL's mixed
// form otherwise (which only a PostgreSQL-style interval could hold, and
// the engine then refuses with a clear error).
func intervalText(micros int64, days, months int32) string {
	switch {
	case days == 0 && micros == 0:
		return types.Text(types.NewInterval(int64(months)), types.Type{ID: types.IntervalYM})
	case months == 0:
		return types.Text(types.NewInterval(int64(days)*86400e6+micros), types.Type{ID: types.IntervalDT})
	}
	return fmt.Sprintf("%d mons %d days %s", months, days,
		types.Text(types.NewInterval(micros), types.Type{ID: types.IntervalDT}))
}

func floatText(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return strconv.FormatFloat(f, 'g', -1, bits)
}

// numericText decodes numeric_send's format (see appendBinaryNumeric).
func numericText(p []byte) (string, bool) {
	be := binary.BigEndian
	if len(p) < 8 {
		return "", false
	}
	ndigits := int(be.Uint16(p))
	weight := int(int16(be.Uint16(p[2:])))
	sign := be.Uint16(p[4:])
	dscale := int(int16(be.Uint16(p[6:])))
	if len(p) != 8+2*ndigits || dscale < 0 {
		return "", false
	}
	switch sign {
	case 0xC000:
		return "NaN", true
	case 0xD000:
		return "Infinity", true
	case 0xF000:
		return "-Infinity", true
	case 0, 0x4000:
	default:
		return "", false
	}
	// value = Σ digit_i × 10000^(weight-i); scale it by 10^(4·k) so that
	// every digit is integral, then shift the decimal point back.
	u := new(big.Int)
	base := big.NewInt(10000)
	for i := range ndigits {
		d := be.Uint16(p[8+2*i:])
		if d >= 10000 {
			return "", false
		}
		u.Mul(u, base).Add(u, big.NewInt(int64(d)))
	}
	// u × 10000^(weight-ndigits+1) is the value.
	exp := 4 * (weight - ndigits + 1)
	if exp > 4*0x7fff || exp < -4*0x7fff {
		return "", false
	}
	d := &types.Dec{}
	d.Unscaled.Set(u)
	if exp >= 0 {
		d.Unscaled.Mul(u, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exp)), nil))
	} else {
		d.Scale = int32(-exp)
	}
	if sign == 0x4000 {
		d.Unscaled.Neg(&d.Unscaled)
	}
	d = d.Rescale(int32(max(dscale, 0)))
	s := d.String()
	if strings.HasPrefix(s, "-") && strings.Trim(s, "-0.") == "" {
		s = s[1:] // no negative zero
	}
	return s, true
}

// int4RangeText decodes range_send's format for an int4range (see
// appendBinaryInt4Range) into a range literal.
func int4RangeText(p []byte) (string, bool) {
	if len(p) < 1 {
		return "", false
	}
	flags, p := p[0], p[1:]
	if flags&rangeEmpty != 0 {
		return "empty", len(p) == 0
	}
	bound := func(inf bool) (string, bool) {
		if inf {
			return "", true
		}
		if len(p) < 8 || binary.BigEndian.Uint32(p) != int4BoundLen {
			return "", false
		}
		n := int32(binary.BigEndian.Uint32(p[4:]))
		p = p[8:]
		return strconv.Itoa(int(n)), true
	}
	lo, ok1 := bound(flags&rangeLBInf != 0)
	hi, ok2 := bound(flags&rangeUBInf != 0)
	if !ok1 || !ok2 || len(p) != 0 {
		return "", false
	}
	open, closing := "(", ")"
	if flags&rangeLBInc != 0 {
		open = "["
	}
	if flags&rangeUBInc != 0 {
		closing = "]"
	}
	return open + lo + "," + hi + closing, true
}
