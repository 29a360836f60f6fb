package format

import (
	"encoding/base64"
	"math"
	"strconv"
	"unicode/utf8"

	"riffle/sql/types"
)

// NewJSONEncoder returns an Encoder writing each row as a JSON object with
// one member per column, in schema order, in Flink's 'json' format: NULL as
// null, TIMESTAMP as "2024-01-01 00:00:01.123" (TIMESTAMP_LTZ with a
// trailing Z), DATE as "2024-01-01", TIME as "12:34:56.789", DECIMAL as a
// number with its scale's digits, FLOAT/DOUBLE as numbers (NaN and the
// infinities, which JSON cannot hold as numbers, as the strings "NaN",
// "Infinity", "-Infinity"), BYTES as base64, ARRAY as arrays, MAP and ROW
// as objects, JSON values as their text.
func NewJSONEncoder(schema types.Schema) Encoder {
	fields := make([]types.Field, len(schema.Columns))
	for i, c := range schema.Columns {
		fields[i] = types.Field{Name: c.Name, Type: c.Type}
	}
	return &jsonEncoder{root: newEncNode(types.Type{ID: types.RowType, Fields: fields})}
}

type jsonEncoder struct {
	root *encNode
}

var _ Encoder = (*jsonEncoder)(nil)

// encNode is the encoder of one type; for ROW it holds each field's name
// already quoted and followed by ':'.
type encNode struct {
	t      types.Type
	keys   [][]byte
	fields []*encNode
	elem   *encNode
	key    *encNode
}

func newEncNode(t types.Type) *encNode {
	n := &encNode{t: t}
	switch t.ID {
	case types.RowType:
		for i, f := range t.Fields {
			var k []byte
			if i > 0 {
				k = append(k, ',')
			}
			k = appendString(k, f.Name)
			n.keys = append(n.keys, append(k, ':'))
			n.fields = append(n.fields, newEncNode(f.Type))
		}
	case types.Array:
		n.elem = newEncNode(elemType(t.Elem))
	case types.Map:
		n.key, n.elem = newEncNode(elemType(t.Key)), newEncNode(elemType(t.Elem))
	}
	return n
}

func (e *jsonEncoder) Encode(dst []byte, row types.Row) ([]byte, error) {
	if len(row) != len(e.root.fields) {
		return dst, &Error{Offset: -1, Msg: "row has " + strconv.Itoa(len(row)) + " columns, schema has " +
			strconv.Itoa(len(e.root.fields))}
	}
	return encodeRow(dst, e.root, row)
}

func encodeRow(b []byte, n *encNode, vals []types.Value) ([]byte, error) {
	b = append(b, '{')
	var err error
	for i, f := range n.fields {
		b = append(b, n.keys[i]...)
		v := types.Null
		if i < len(vals) {
			v = vals[i]
		}
		if b, err = encodeValue(b, f, v); err != nil {
			return b, inField(err, n.t.Fields[i].Name)
		}
	}
	return append(b, '}'), nil
}

func encodeValue(b []byte, n *encNode, v types.Value) ([]byte, error) {
	switch v.K {
	case types.KNull:
		return append(b, "null"...), nil
	case types.KBool:
		return strconv.AppendBool(b, v.Bool()), nil
	case types.KInt:
		return strconv.AppendInt(b, v.I, 10), nil
	case types.KFloat:
		return appendFloat(b, v.Float(), n.t.ID == types.Float), nil
	case types.KDecimal:
		return append(b, v.Dec().String()...), nil
	case types.KString:
		return appendString(b, v.S), nil
	case types.KBytes:
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, []byte(v.S))
		return append(b, '"'), nil
	case types.KDate:
		b = append(b, '"')
		return append(appendDate(b, v.I), '"'), nil
	case types.KTime:
		b = append(b, '"')
		return append(appendClock(b, v.I), '"'), nil
	case types.KTimestamp:
		b = append(b, '"')
		b = appendTimestamp(b, v.I)
		if n.t.ID == types.TimestampLTZ {
			b = append(b, 'Z')
		}
		return append(b, '"'), nil
	case types.KInterval:
		if n.t.ID == types.IntervalDT {
			return strconv.AppendInt(b, v.I/1000, 10), nil
		}
		return strconv.AppendInt(b, v.I, 10), nil
	case types.KJSON:
		if v.S == "" {
			return append(b, "null"...), nil
		}
		return append(b, v.S...), nil
	case types.KArray:
		return encodeArray(b, n, v.List())
	case types.KMap:
		return encodeMap(b, n, v.List())
	case types.KRow:
		return encodeRow(b, n, v.List())
	}
	return b, &Error{Offset: -1, Msg: "cannot encode a value of kind " + strconv.Itoa(int(v.K)) + " as JSON"}
}

func encodeArray(b []byte, n *encNode, elems []types.Value) ([]byte, error) {
	b = append(b, '[')
	var err error
	for i, e := range elems {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = encodeValue(b, n.elem, e); err != nil {
			return b, inField(err, "["+strconv.Itoa(i)+"]")
		}
	}
	return append(b, ']'), nil
}

// encodeMap writes a map as an object. JSON keys are strings, so keys of
// other types are written as their text, which the decoder reads back.
func encodeMap(b []byte, n *encNode, kv []types.Value) ([]byte, error) {
	b = append(b, '{')
	var err error
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b = append(b, ',')
		}
		k := kv[i]
		switch {
		case k.K == types.KNull:
			return b, &Error{Offset: -1, Msg: "a JSON object cannot have a NULL key"}
		case k.K == types.KString:
			b = appendString(b, k.S)
		default:
			// Encode the key as a value, then quote that text unless it
			// already is a string.
			start := len(b)
			if b, err = encodeValue(b, n.key, k); err != nil {
				return b, err
			}
			if b[start] != '"' {
				text := string(b[start:])
				b = appendString(b[:start], text)
			}
		}
		b = append(b, ':')
		if b, err = encodeValue(b, n.elem, kv[i+1]); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

func appendFloat(b []byte, f float64, single bool) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Infinity"`...)
	}
	bits := 64
	if single {
		bits = 32
	}
	return strconv.AppendFloat(b, f, 'g', -1, bits)
}

func appendInt(b []byte, i int64) []byte { return strconv.AppendInt(b, i, 10) }

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string, escaping what JSON requires and
// replacing invalid UTF-8 with U+FFFD so the output is always valid.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < 0x80 {
			i++
			continue
		}
		if c >= 0x80 {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, s[start:i]...)
				b = append(b, "\ufffd"...)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
