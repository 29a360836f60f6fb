package pgwire

import (
	"encoding/binary"
	"math"
	"math/big"
	"strings"
	"time"

	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// Result values leave the gateway in one of PostgreSQL's two formats: text
// (format code 0), what psql shows, and binary (format code 1), which pgx and
// JDBC ask for per column when they know the OID.

const (
	formatText   int16 = 0
	formatBinary int16 = 1
)

// pgEpochMicros and pgEpochDays are 2000-01-01, PostgreSQL's binary epoch,
// in riffle's units (since 1970-01-01).
const (
	pgEpochDays   = 10957
	pgEpochMicros = pgEpochDays * 86400 * 1_000_000
)

// appendTextValue appends v in PostgreSQL's text format for type t, with
// timestamptz in UTC (appendTextIn).
func appendTextValue(b []byte, v types.Value, t types.Type) []byte {
	return appendTextIn(b, v, t, nil)
}

// appendTextIn appends v in PostgreSQL's text format for type t. It is
// types.AppendText with what the wire needs on top: a timestamptz
// (TIMESTAMP_LTZ, an instant) as wall-clock time in the session's zone with
// its offset, as PostgreSQL renders it (nil zone: UTC), and PostgreSQL
// quoting inside arrays and rows, so that drivers parse `{"a,b",NULL}` back
// into two elements.
func appendTextIn(b []byte, v types.Value, t types.Type, zone *time.Location) []byte {
	switch {
	case v.K == types.KTimestamp && t.ID == types.TimestampLTZ:
		return types.AppendZoned(b, v.I, t, zone)
	case v.K == types.KArray:
		return appendTextArray(b, v, t, zone)
	case v.K == types.KRow:
		return appendTextRow(b, v, t, zone)
	}
	return types.AppendText(b, v, t)
}

func appendTextArray(b []byte, v types.Value, t types.Type, zone *time.Location) []byte {
	var elem types.Type
	if t.Elem != nil {
		elem = *t.Elem
	}
	b = append(b, '{')
	for i, e := range v.List() {
		if i > 0 {
			b = append(b, ',')
		}
		switch {
		case e.IsNull():
			b = append(b, "NULL"...)
		case e.K == types.KArray:
			// A nested array is a further dimension, written bare.
			b = appendTextArray(b, e, elem, zone)
		default:
			b = appendQuoted(b, appendTextIn(nil, e, elem, zone), true)
		}
	}
	return append(b, '}')
}

func appendTextRow(b []byte, v types.Value, t types.Type, zone *time.Location) []byte {
	b = append(b, '(')
	for i, e := range v.List() {
		if i > 0 {
			b = append(b, ',')
		}
		if e.IsNull() {
			continue // a NULL field is written as nothing at all
		}
		var ft types.Type
		if i < len(t.Fields) {
			ft = t.Fields[i].Type
		}
		b = appendQuoted(b, appendTextIn(nil, e, ft, zone), false)
	}
	return append(b, ')')
}

// appendQuoted appends one array element or record field, double-quoted
// when PostgreSQL's parser would otherwise misread it (array_out and
// record_out rules).
func appendQuoted(b, s []byte, array bool) []byte {
	need := len(s) == 0
	if array && strings.EqualFold(string(s), "NULL") {
		need = true
	}
	for _, c := range s {
		switch c {
		case '"', '\\', ',', ' ', '\t', '\n', '\r', '\v', '\f':
			need = true
		case '{', '}':
			need = need || array
		case '(', ')':
			need = need || !array
		}
	}
	if !need {
		return append(b, s...)
	}
	b = append(b, '"')
	for _, c := range s {
		if c == '"' || c == '\\' {
			b = append(b, '\\')
		}
		b = append(b, c)
	}
	return append(b, '"')
}

// canBinary reports whether the gateway can send values of type t in binary.
func canBinary(t types.Type) bool {
	oid := columnOID(t)
	if info, ok := typeByOID[oid]; ok && info.Category == 'A' {
		return t.Elem != nil && canBinary(*t.Elem) && t.Elem.ID != types.Array
	}
	return true // every scalar OID, and text for everything else
}

// errNoBinary is the error for a binary result column the gateway cannot
// encode; PostgreSQL says the same when a type lacks a send function.
func errNoBinary(t types.Type) error {
	return sqlerr.New(sqlerr.FeatureNotSupported,
		"no binary output function available for type %s", TypeName(columnOID(t)))
}

// appendBinaryValue appends v in PostgreSQL's binary format for the OID that
// type t is sent as. v is not NULL.
func appendBinaryValue(b []byte, v types.Value, t types.Type) ([]byte, error) {
	oid := columnOID(t)
	if k, ok := binaryKind[oid]; ok && k != v.K {
		// An engine bug, but one that must not reach the client as wrong
		// bytes that decode to a plausible value.
		return b, sqlerr.New(sqlerr.Internal,
			"internal error: value of kind %d in a column of type %s", v.K, TypeName(oid))
	}
	switch oid {
	case OIDBool:
		if v.Bool() {
			return append(b, 1), nil
		}
		return append(b, 0), nil
	case OIDInt2:
		return binary.BigEndian.AppendUint16(b, uint16(int16(v.I))), nil
	case OIDInt4:
		return binary.BigEndian.AppendUint32(b, uint32(int32(v.I))), nil
	case OIDInt8:
		return binary.BigEndian.AppendUint64(b, uint64(v.I)), nil
	case OIDFloat4:
		return binary.BigEndian.AppendUint32(b, math.Float32bits(float32(v.Float()))), nil
	case OIDFloat8:
		return binary.BigEndian.AppendUint64(b, math.Float64bits(v.Float())), nil
	case OIDDate:
		return binary.BigEndian.AppendUint32(b, uint32(int32(v.I-pgEpochDays))), nil
	case OIDTime:
		return binary.BigEndian.AppendUint64(b, uint64(v.I)), nil
	case OIDTimestamp, OIDTimestampTZ:
		return binary.BigEndian.AppendUint64(b, uint64(v.I-pgEpochMicros)), nil
	case OIDInterval:
		return appendBinaryInterval(b, v.I, t.ID == types.IntervalYM), nil
	case OIDNumeric:
		return appendBinaryNumeric(b, v), nil
	case OIDBytea:
		return append(b, v.S...), nil
	case OIDText, OIDVarchar, OIDBPChar, OIDJSON:
		// The binary form of the string types is their text.
		return appendTextValue(b, v, t), nil
	case OIDPoint:
		x, y, ok := types.Point(v.S)
		if !ok {
			return b, sqlerr.New(sqlerr.Internal, "internal error: %q is not a point", v.S)
		}
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(x))
		return binary.BigEndian.AppendUint64(b, math.Float64bits(y)), nil
	case OIDInt4Range:
		return appendBinaryInt4Range(b, v.S)
	}
	if v.K == types.KInt && (t.PG == "oid" || t.PG == "xid" || t.PG == "cid" || t.IsReg()) {
		// oidsend and the reg* types' send: an unsigned 4-byte integer
		// (pgx reads regtype::oid so in LoadType).
		return binary.BigEndian.AppendUint32(b, uint32(v.I)), nil
	}
	if t.IsEnum() {
		// enum_send: the label.
		return append(b, v.S...), nil
	}
	if canBinary(t) && v.K == types.KArray {
		return appendBinaryArray(b, v, t)
	}
	return b, errNoBinary(t)
}

// binaryKind is the storage kind each fixed-width binary encoding reads.
var binaryKind = map[uint32]types.Kind{
	OIDBool: types.KBool, OIDInt2: types.KInt, OIDInt4: types.KInt, OIDInt8: types.KInt,
	OIDFloat4: types.KFloat, OIDFloat8: types.KFloat, OIDDate: types.KDate, OIDTime: types.KTime,
	OIDTimestamp: types.KTimestamp, OIDTimestampTZ: types.KTimestamp, OIDInterval: types.KInterval,
}

func appendBinaryInterval(b []byte, n int64, yearMonth bool) []byte {
	var micros int64
	var days, months int32
	if yearMonth {
		months = int32(n)
	} else {
		days, micros = int32(n/86400e6), n%86400e6
	}
	b = binary.BigEndian.AppendUint64(b, uint64(micros))
	b = binary.BigEndian.AppendUint32(b, uint32(days))
	return binary.BigEndian.AppendUint32(b, uint32(months))
}

// appendBinaryArray writes a one-dimensional array: ndim, has-null flag,
// element OID, then (length, lower bound 1), then each element with its
// length (-1 for NULL).
func appendBinaryArray(b []byte, v types.Value, t types.Type) ([]byte, error) {
	elems := v.List()
	hasNull := uint32(0)
	for _, e := range elems {
		if e.IsNull() {
			hasNull = 1
		}
	}
	b = binary.BigEndian.AppendUint32(b, 1)
	b = binary.BigEndian.AppendUint32(b, hasNull)
	b = binary.BigEndian.AppendUint32(b, columnOID(*t.Elem))
	b = binary.BigEndian.AppendUint32(b, uint32(len(elems)))
	b = binary.BigEndian.AppendUint32(b, 1)
	for _, e := range elems {
		if e.IsNull() {
			b = binary.BigEndian.AppendUint32(b, math.MaxUint32)
			continue
		}
		at := len(b)
		b = append(b, 0, 0, 0, 0)
		var err error
		if b, err = appendBinaryValue(b, e, *t.Elem); err != nil {
			return b, err
		}
		binary.BigEndian.PutUint32(b[at:], uint32(len(b)-at-4))
	}
	return b, nil
}

// appendBinaryNumeric writes numeric_send's format: ndigits, weight, sign,
// dscale, then base-10000 digits, most significant first. weight is the
// power of 10000 of the first digit; leading and trailing zero digits are
// not sent.
func appendBinaryNumeric(b []byte, v types.Value) []byte {
	var d *types.Dec
	switch v.K {
	case types.KDecimal:
		d = v.Dec()
	case types.KInt:
		d = types.DecFromInt(v.I)
	default:
		d, _ = types.ParseDec(string(types.AppendText(nil, v, types.Type{})))
		if d == nil {
			d = types.DecFromInt(0)
		}
	}
	digits := new(big.Int).Abs(&d.Unscaled).String()
	scale := int(max(d.Scale, 0))
	if len(digits) <= scale {
		digits = strings.Repeat("0", scale-len(digits)+1) + digits
	}
	intPart, frac := digits[:len(digits)-scale], digits[len(digits)-scale:]
	intPart = strings.Repeat("0", (4-len(intPart)%4)%4) + intPart
	frac += strings.Repeat("0", (4-len(frac)%4)%4)
	all := intPart + frac
	groups := make([]uint16, 0, len(all)/4)
	for i := 0; i < len(all); i += 4 {
		g := uint16(0)
		for _, c := range all[i : i+4] {
			g = g*10 + uint16(c-'0')
		}
		groups = append(groups, g)
	}
	weight := len(intPart)/4 - 1
	for len(groups) > 0 && groups[0] == 0 {
		groups = groups[1:]
		weight--
	}
	for len(groups) > 0 && groups[len(groups)-1] == 0 {
		groups = groups[:len(groups)-1]
	}
	sign := uint16(0)
	if d.Unscaled.Sign() < 0 {
		sign = 0x4000
	}
	if len(groups) == 0 {
		weight = 0
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(groups)))
	b = binary.BigEndian.AppendUint16(b, uint16(int16(weight)))
	b = binary.BigEndian.AppendUint16(b, sign)
	b = binary.BigEndian.AppendUint16(b, uint16(scale))
	for _, g := range groups {
		b = binary.BigEndian.AppendUint16(b, g)
	}
	return b
}

// The flags byte of range_send.
const (
	rangeEmpty   = 0x01
	rangeLBInc   = 0x02
	rangeUBInc   = 0x04
	rangeLBInf   = 0x08
	rangeUBInf   = 0x10
	int4BoundLen = 4
)

// appendBinaryInt4Range writes range_send's format for an int4range held
// as canonical text: the flags, then each finite bound as a length and an
// int4.
func appendBinaryInt4Range(b []byte, text string) ([]byte, error) {
	r, err := types.ParseInt4Range(text)
	if err != nil {
		return b, sqlerr.New(sqlerr.Internal, "internal error: %v", err)
	}
	var flags byte
	switch {
	case r.Empty:
		return append(b, rangeEmpty), nil
	case r.LowerInf && r.UpperInf:
		flags = rangeLBInf | rangeUBInf
	case r.LowerInf:
		flags = rangeLBInf
	case r.UpperInf:
		flags = rangeLBInc | rangeUBInf
	default:
		flags = rangeLBInc
	}
	b = append(b, flags)
	if !r.LowerInf {
		b = binary.BigEndian.AppendUint32(b, int4BoundLen)
		b = binary.BigEndian.AppendUint32(b, uint32(r.Lower))
	}
	if !r.UpperInf {
		b = binary.BigEndian.AppendUint32(b, int4BoundLen)
		b = binary.BigEndian.AppendUint32(b, uint32(r.Upper))
	}
	return b, nil
}
