package format

import (
	"encoding/binary"
	"math"
	"strconv"
	"unicode/utf8"

	"riffle/sql/types"
)

// NewRawDecoder returns a Decoder for Flink's 'raw' format: the whole
// record is the value of the schema's single column.
//
//   - CHAR/VARCHAR: the bytes as UTF-8 (invalid bytes become U+FFFD, so that
//     every string riffle holds is valid UTF-8);
//   - BINARY/VARBINARY: the bytes as they are;
//   - TINYINT, SMALLINT, INT, BIGINT: two's complement big-endian in 1, 2, 4
//     or 8 bytes; FLOAT and DOUBLE: IEEE 754 big-endian in 4 or 8 bytes;
//     BOOLEAN: one byte, 0 or 1. Any other length is an error.
//
// A nil record (a Kafka record without a value) is NULL; an empty one is the
// empty string or byte string. The schema must have exactly one column of one
// of these types.
func NewRawDecoder(schema types.Schema) (Decoder, error) {
	c, err := rawColumn(schema)
	if err != nil {
		return nil, err
	}
	return &rawDecoder{col: c, width: rawWidth(c.Type.ID)}, nil
}

// NewRawEncoder returns an Encoder for Flink's 'raw' format, writing the
// single column's value as NewRawDecoder reads it.
//
// A NULL value has no bytes: Flink writes a record without a value, and so
// Encode returns nil (not dst) for it, which a sink writes as a null value.
// Every other value encodes to a non-nil slice, even an empty string.
func NewRawEncoder(schema types.Schema) (Encoder, error) {
	c, err := rawColumn(schema)
	if err != nil {
		return nil, err
	}
	return &rawEncoder{col: c, width: rawWidth(c.Type.ID)}, nil
}

type rawDecoder struct {
	col   types.Column
	width int // bytes of a fixed-width type, 0 for strings and bytes
}

type rawEncoder struct {
	col   types.Column
	width int
}

var (
	_ Decoder = (*rawDecoder)(nil)
	_ Encoder = (*rawEncoder)(nil)
)

func rawColumn(schema types.Schema) (types.Column, error) {
	if schema.Len() != 1 {
		return types.Column{}, errorf("", "the raw format needs exactly one column, the schema has "+
			strconv.Itoa(schema.Len()))
	}
	c := schema.Columns[0]
	if !c.Type.IsString() && c.Type.ID != types.Binary && c.Type.ID != types.Varbinary && rawWidth(c.Type.ID) == 0 {
		return c, errorf(c.Name, "the raw format does not support type "+c.Type.String()+
			"; use a string, bytes, integer, FLOAT, DOUBLE or BOOLEAN column")
	}
	return c, nil
}

// rawWidth is the encoded size of a fixed-width type, or 0.
func rawWidth(id types.TypeID) int {
	switch id {
	case types.Boolean, types.TinyInt:
		return 1
	case types.SmallInt:
		return 2
	case types.Int, types.Float:
		return 4
	case types.BigInt, types.Double:
		return 8
	}
	return 0
}

func (d *rawDecoder) Decode(data []byte, row types.Row) error {
	if len(row) != 1 {
		return errorf("", "row has "+strconv.Itoa(len(row))+" columns, schema has 1")
	}
	row[0] = types.Null
	if data == nil {
		return nil
	}
	t := d.col.Type
	if d.width == 0 {
		if t.IsString() {
			row[0] = types.NewString(validString(data))
		} else {
			row[0] = types.NewBytes(data)
		}
		return nil
	}
	if len(data) != d.width {
		return errorf(d.col.Name, "expected "+strconv.Itoa(d.width)+" bytes for "+t.String()+
			", got "+strconv.Itoa(len(data)))
	}
	switch t.ID {
	case types.Boolean:
		if data[0] > 1 {
			return errorf(d.col.Name, "expected a boolean byte 0 or 1, got "+strconv.Itoa(int(data[0])))
		}
		row[0] = types.NewBool(data[0] == 1)
	case types.TinyInt:
		row[0] = types.NewInt(int64(int8(data[0])))
	case types.SmallInt:
		row[0] = types.NewInt(int64(int16(binary.BigEndian.Uint16(data))))
	case types.Int:
		row[0] = types.NewInt(int64(int32(binary.BigEndian.Uint32(data))))
	case types.BigInt:
		row[0] = types.NewInt(int64(binary.BigEndian.Uint64(data)))
	case types.Float:
		row[0] = types.NewFloat(float64(math.Float32frombits(binary.BigEndian.Uint32(data))))
	case types.Double:
		row[0] = types.NewFloat(math.Float64frombits(binary.BigEndian.Uint64(data)))
	}
	return nil
}

func (e *rawEncoder) Encode(dst []byte, row types.Row) ([]byte, error) {
	if len(row) != 1 {
		return dst, errorf("", "row has "+strconv.Itoa(len(row))+" columns, schema has 1")
	}
	v := row[0]
	if v.K == types.KNull {
		return nil, nil
	}
	if dst == nil {
		dst = []byte{} // non-nil: only NULL encodes as nil
	}
	t := e.col.Type
	switch {
	case e.width == 0 && (v.K == types.KString || v.K == types.KBytes):
		return append(dst, v.S...), nil
	case t.ID == types.Boolean && v.K == types.KBool:
		return append(dst, byte(v.I)), nil
	case t.IsInteger() && v.K == types.KInt:
		if !fitsInt(v.I, t.ID) {
			return dst, errorf(e.col.Name, "value "+strconv.FormatInt(v.I, 10)+" is out of range for "+t.String())
		}
		var buf [8]byte
		binary.BigEndian.PutUint64(buf[:], uint64(v.I))
		return append(dst, buf[8-e.width:]...), nil
	case t.ID == types.Float && v.K == types.KFloat:
		return binary.BigEndian.AppendUint32(dst, math.Float32bits(float32(v.Float()))), nil
	case t.ID == types.Double && v.K == types.KFloat:
		return binary.BigEndian.AppendUint64(dst, uint64(v.I)), nil
	}
	return dst, errorf(e.col.Name, "cannot encode a value of kind "+kindName(v.K)+" as "+t.String())
}

// validString returns b as a string, replacing each byte that is not part
// of valid UTF-8 with U+FFFD, as the JSON decoder does.
func validString(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	out := make([]byte, 0, len(b)+8)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		out = utf8.AppendRune(out, r)
		b = b[n:]
	}
	return string(out)
}

var kindNames = [...]string{
	types.KNull: "NULL", types.KBool: "boolean", types.KInt: "integer", types.KFloat: "float",
	types.KDecimal: "decimal", types.KString: "string", types.KBytes: "bytes", types.KDate: "date",
	types.KTime: "time", types.KTimestamp: "timestamp", types.KInterval: "interval",
	types.KArray: "array", types.KMap: "map", types.KRow: "row", types.KJSON: "JSON",
}

// kindName names how a value is stored, for errors about values of the
// wrong kind (which only a bug upstream produces).
func kindName(k types.Kind) string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind " + strconv.Itoa(int(k))
}
