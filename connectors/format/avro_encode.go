package format

import (
	"encoding/binary"
	"math"
	"math/big"
	"strconv"

	"riffle/sql/types"
)

// NewAvroEncoder returns an Encoder writing each row as the Avro binary
// encoding of the schema AvroSchema derives from the table (Flink's 'avro'
// format: no header, no schema). A NULL in a NOT NULL column, a value out of
// its Avro type's range and a decimal with more digits than its precision
// are errors, so that nothing is written that the schema's readers would
// misread (a producer "will throw an exception" rather than publish bad
// data).
//
// The bytes do not depend on AvroOptions, only the schema's text does; the
// encoder needs none.
func NewAvroEncoder(schema types.Schema) (Encoder, error) {
	if _, err := deriveAvro(schema, AvroOptions{}); err != nil {
		return nil, err // the same checks as the schema: names, types
	}
	fields := make([]*avroEnc, len(schema.Columns))
	for i, c := range schema.Columns {
		fields[i] = newAvroEnc(c.Type, c.Nullable)
		fields[i].name = c.Name
	}
	return &avroEncoder{fields: fields}, nil
}

type avroEncoder struct {
	fields []*avroEnc
	tmp    big.Int // a negative decimal's -x-1
	buf    []byte  // a decimal's bytes
}

var _ Encoder = (*avroEncoder)(nil)

// avroEnc writes values of one type.
type avroEnc struct {
	t        types.Type
	name     string // a record field's name, for errors
	nullable bool   // written as the union ["null", T]
	fields   []*avroEnc
	elem     *avroEnc
	bound    *big.Int // DECIMAL: 10^precision
}

func newAvroEnc(t types.Type, nullable bool) *avroEnc {
	e := &avroEnc{t: t, nullable: nullable}
	switch t.ID {
	case types.RowType:
		for _, f := range t.Fields {
			sub := newAvroEnc(f.Type, true)
			sub.name = f.Name
			e.fields = append(e.fields, sub)
		}
	case types.Array, types.Map:
		e.elem = newAvroEnc(elemType(t.Elem), true)
	case types.Decimal:
		p, _ := avroDecimalParams(t)
		e.bound = new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(p)), nil)
	}
	return e
}

func (e *avroEncoder) Encode(dst []byte, row types.Row) ([]byte, error) {
	if len(row) != len(e.fields) {
		return dst, errorf("", "row has "+strconv.Itoa(len(row))+" columns, schema has "+strconv.Itoa(len(e.fields)))
	}
	if dst == nil {
		dst = []byte{} // a record with no fields is still a record
	}
	return e.record(dst, e.fields, row)
}

func (e *avroEncoder) record(b []byte, fields []*avroEnc, vals []types.Value) ([]byte, error) {
	var err error
	for i, f := range fields {
		v := types.Null
		if i < len(vals) {
			v = vals[i]
		}
		if b, err = e.value(b, f, v); err != nil {
			return b, inAvroField(err, f.name)
		}
	}
	return b, nil
}

// appendLong writes a zig-zag varint.
func appendLong(b []byte, v int64) []byte {
	return binary.AppendUvarint(b, uint64(v<<1)^uint64(v>>63))
}

func (e *avroEncoder) value(b []byte, n *avroEnc, v types.Value) ([]byte, error) {
	if v.K == types.KNull {
		if !n.nullable {
			return b, errorf("", "NULL in a NOT NULL column")
		}
		return append(b, 0), nil // union branch 0, null
	}
	if n.nullable {
		b = append(b, 2) // union branch 1, zig-zag encoded
	}
	t := n.t
	switch {
	case v.K == types.KBool && t.ID == types.Boolean:
		return append(b, byte(v.I)), nil
	case v.K == types.KInt && t.IsInteger():
		if !fitsInt(v.I, t.ID) {
			return b, errorf("", "value "+strconv.FormatInt(v.I, 10)+" is out of range for "+t.String())
		}
		return appendLong(b, v.I), nil
	case v.K == types.KFloat && t.ID == types.Float:
		return binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(v.Float()))), nil
	case v.K == types.KFloat && t.ID == types.Double:
		return binary.LittleEndian.AppendUint64(b, uint64(v.I)), nil
	case (v.K == types.KString && (t.IsString() || t.ID == types.JSON)) || v.K == types.KJSON && t.ID == types.JSON ||
		v.K == types.KBytes && (t.ID == types.Binary || t.ID == types.Varbinary):
		b = appendLong(b, int64(len(v.S)))
		return append(b, v.S...), nil
	case v.K == types.KDecimal && t.ID == types.Decimal:
		return e.decimal(b, n, v.Dec())
	case v.K == types.KDate && t.ID == types.Date:
		if v.I < math.MinInt32 || v.I > math.MaxInt32 {
			return b, errorf("", "date out of range")
		}
		return appendLong(b, v.I), nil
	case v.K == types.KTime && t.ID == types.Time:
		if t.Precision > 3 {
			return appendLong(b, v.I), nil
		}
		return appendLong(b, v.I/1000), nil
	case v.K == types.KTimestamp && (t.ID == types.Timestamp || t.ID == types.TimestampLTZ):
		if t.Precision > 3 {
			return appendLong(b, v.I), nil
		}
		return appendLong(b, floorDiv(v.I, 1000)), nil
	case v.K == types.KRow && t.ID == types.RowType:
		return e.record(b, n.fields, v.List())
	case v.K == types.KArray && t.ID == types.Array:
		return e.array(b, n, v.List())
	case v.K == types.KMap && t.ID == types.Map:
		return e.mapValue(b, n, v.List())
	}
	return b, errorf("", "cannot encode a value of kind "+kindName(v.K)+" as "+t.String())
}

// decimal writes the unscaled value at the column's scale as big-endian
// two's complement in the fewest bytes, as Java's BigInteger.toByteArray.
func (e *avroEncoder) decimal(b []byte, n *avroEnc, d *types.Dec) ([]byte, error) {
	if d.Scale != int32(n.t.Scale) {
		d = d.Rescale(int32(n.t.Scale))
	}
	x := &d.Unscaled
	if x.CmpAbs(n.bound) >= 0 {
		return b, errorf("", "value "+d.String()+" does not fit "+n.t.String())
	}
	neg := x.Sign() < 0
	if neg {
		x = e.tmp.Neg(x)
		x.Sub(x, bigOne) // -x-1 ≥ 0; its bits inverted are x's
	}
	size := x.BitLen()/8 + 1 // room for the sign bit
	if cap(e.buf) < size {
		e.buf = make([]byte, size)
	}
	buf := x.FillBytes(e.buf[:size])
	if neg {
		for i := range buf {
			buf[i] = ^buf[i]
		}
	}
	b = appendLong(b, int64(size))
	return append(b, buf...), nil
}

func (e *avroEncoder) array(b []byte, n *avroEnc, elems []types.Value) ([]byte, error) {
	if len(elems) > 0 {
		b = appendLong(b, int64(len(elems)))
	}
	var err error
	for i, v := range elems {
		if b, err = e.value(b, n.elem, v); err != nil {
			return b, inAvroField(err, "["+strconv.Itoa(i)+"]")
		}
	}
	return append(b, 0), nil
}

func (e *avroEncoder) mapValue(b []byte, n *avroEnc, kv []types.Value) ([]byte, error) {
	if len(kv) >= 2 {
		b = appendLong(b, int64(len(kv)/2))
	}
	var err error
	for i := 0; i+1 < len(kv); i += 2 {
		k := kv[i]
		if k.K != types.KString {
			return b, errorf("", "map key of kind "+kindName(k.K)+"; Avro maps have string keys")
		}
		b = appendLong(b, int64(len(k.S)))
		b = append(b, k.S...)
		if b, err = e.value(b, n.elem, kv[i+1]); err != nil {
			return b, inAvroField(err, "["+strconv.Quote(k.S)+"]")
		}
	}
	return append(b, 0), nil
}
