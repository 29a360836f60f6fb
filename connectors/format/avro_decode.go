package format

import (
	"encoding/binary"
	"math"
	"math/big"
	"strconv"

	"riffle/sql/types"
)

// NewAvroDecoder returns a Decoder for Flink's 'avro' format: a record is
// the Avro binary encoding of one row, with no header or schema, in the
// schema AvroSchema derives from the table. Values are read back as the
// encoder writes them (see AvroSchema for the type mapping); TINYINT and
// SMALLINT are range-checked, dates and timestamps must lie in the years
// 0000-9999 (as in every format, so that any value can be written as
// text), strings must be valid UTF-8 (invalid bytes become U+FFFD) and a
// JSON column's string must hold JSON. Bytes after the record are an
// error: they mean the record was written with another schema.
//
// The decoder is hand-written rather than hamba/avro's generic decoding,
// which builds a map and boxes every field: it is driven by a tree compiled
// once from the schema (see NewAvroResolvingDecoder) and allocates only
// for strings, bytes, decimals and nested values, like the JSON decoder.
func NewAvroDecoder(schema types.Schema) (Decoder, error) {
	w, err := deriveAvro(schema, AvroOptions{})
	if err != nil {
		return nil, err
	}
	root, err := compileAvroRecord(w, schema)
	if err != nil {
		return nil, err
	}
	return &avroDecoder{root: root}, nil
}

// NewAvroResolvingDecoder returns a Decoder for records written in another
// Avro schema, writerSchemaJSON (as a schema registry holds it), read into
// the columns of readerSchema by Avro's schema resolution: fields matched
// by name, writer fields the table lacks skipped, columns the writer lacks
// NULL (an error at construction for a NOT NULL column), numeric
// promotions int → long → float → double, and unions resolved branch by
// branch. The comment at the top of avro_resolve.go has the rules.
//
// A writer schema that cannot be read as the table at all (a column whose
// type no writer value converts to) is an error here, naming the column; a
// union branch that cannot be read is an error only for the records that
// use it.
func NewAvroResolvingDecoder(writerSchemaJSON string, readerSchema types.Schema) (Decoder, error) {
	return newResolvingDecoder(RegistrySchema{Schema: writerSchemaJSON}, readerSchema)
}

type avroDecoder struct {
	root *avroNode
	r    avroReader
}

var _ Decoder = (*avroDecoder)(nil)

func (d *avroDecoder) Decode(data []byte, row types.Row) error {
	if len(row) != d.root.width {
		return errorf("", "row has "+strconv.Itoa(len(row))+" columns, schema has "+strconv.Itoa(d.root.width))
	}
	clear(row)
	r := &d.r
	r.data, r.pos, r.items = data, 0, 0
	err := r.fields(d.root, row, 0)
	r.data = nil // do not keep the record alive
	if err != nil {
		return err
	}
	if r.pos != len(data) {
		return &Error{Offset: r.pos, Format: "Avro", Msg: strconv.Itoa(len(data)-r.pos) +
			" bytes after the end of the record; was it written in another schema?"}
	}
	return nil
}

// avroReader reads the binary encoding of one record.
type avroReader struct {
	data    []byte
	pos     int
	items   int    // array and map items of no size read so far
	scratch []byte // a negative decimal's bytes, inverted
}

// maxEmptyItems bounds the items of no size (nulls, empty records) in one
// record: a count of 2^62 of them takes a few bytes to write and forever
// to read.
const maxEmptyItems = 1 << 20

// maxDecimalBytes bounds a decimal's unscaled value: 128 bytes hold 308
// digits, far beyond any DECIMAL's 38.
const maxDecimalBytes = 128

func (r *avroReader) errAt(at int, msg string) error {
	return &Error{Offset: at, Format: "Avro", Msg: msg}
}

func (r *avroReader) truncated(what string) error {
	return r.errAt(len(r.data), "the record ends inside "+what)
}

// long reads a zig-zag varint of at most 10 bytes.
func (r *avroReader) long() (int64, error) {
	var u uint64
	for shift := uint(0); ; shift += 7 {
		if r.pos >= len(r.data) {
			return 0, r.truncated("a long")
		}
		b := r.data[r.pos]
		r.pos++
		if shift == 63 && b > 1 {
			return 0, r.errAt(r.pos-1, "varint longer than a long")
		}
		u |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return int64(u>>1) ^ -int64(u&1), nil
		}
	}
}

// int reads a zig-zag varint of at most 5 bytes holding a 32-bit value.
func (r *avroReader) int() (int64, error) {
	var u uint32
	for shift := uint(0); ; shift += 7 {
		if r.pos >= len(r.data) {
			return 0, r.truncated("an int")
		}
		b := r.data[r.pos]
		r.pos++
		if shift == 28 && b > 0x0f {
			return 0, r.errAt(r.pos-1, "varint longer than an int")
		}
		u |= uint32(b&0x7f) << shift
		if b < 0x80 {
			return int64(int32(u>>1) ^ -int32(u&1)), nil
		}
	}
}

func (r *avroReader) varint(long bool) (int64, error) {
	if long {
		return r.long()
	}
	return r.int()
}

// fixed returns the next size bytes, aliasing the record.
func (r *avroReader) fixed(size int, what string) ([]byte, error) {
	if size > len(r.data)-r.pos {
		return nil, r.truncated(what)
	}
	b := r.data[r.pos : r.pos+size]
	r.pos += size
	return b, nil
}

// bytes returns the next length-prefixed bytes, aliasing the record.
func (r *avroReader) bytes() ([]byte, error) {
	at := r.pos
	n, err := r.long()
	if err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, r.errAt(at, "negative length "+strconv.FormatInt(n, 10))
	}
	if n > int64(len(r.data)-r.pos) {
		return nil, r.truncated("a string or bytes of length " + strconv.FormatInt(n, 10))
	}
	b := r.data[r.pos : r.pos+int(n)]
	r.pos += int(n)
	return b, nil
}

// fields reads a record's fields into vals, one per reader field.
func (r *avroReader) fields(n *avroNode, vals []types.Value, depth int) error {
	for i := range n.fields {
		f := &n.fields[i]
		if f.out < 0 {
			if err := r.skip(f.node, depth+1); err != nil {
				return inAvroField(err, f.name)
			}
			continue
		}
		v, err := r.value(f.node, depth+1)
		if err != nil {
			return inAvroField(err, f.name)
		}
		vals[f.out] = v
	}
	return nil
}

// value reads one value as n says.
func (r *avroReader) value(n *avroNode, depth int) (types.Value, error) {
	switch n.op {
	case opNull:
		if n.notNull {
			return types.Null, errorf("", "null in a NOT NULL column")
		}
		return types.Null, nil
	case opUnion:
		at := r.pos
		i, err := r.long()
		if err != nil {
			return types.Null, err
		}
		if i < 0 || i >= int64(len(n.union)) {
			return types.Null, r.errAt(at, "union branch "+strconv.FormatInt(i, 10)+" of "+
				strconv.Itoa(len(n.union)))
		}
		return r.value(n.union[i], depth)
	case opBool:
		b, err := r.fixed(1, "a boolean")
		if err != nil {
			return types.Null, err
		}
		if b[0] > 1 {
			return types.Null, r.errAt(r.pos-1, "boolean byte "+strconv.Itoa(int(b[0])))
		}
		return types.NewBool(b[0] == 1), nil
	case opInt:
		v, err := r.varint(n.long)
		if err == nil && !fitsInt(v, n.t.ID) {
			err = errorf("", "value "+strconv.FormatInt(v, 10)+" is out of range for "+n.t.String())
		}
		return types.NewInt(v), err
	case opIntFloat:
		v, err := r.varint(n.long)
		return floatValue(n.t, float64(v)), err
	case opFloat:
		b, err := r.fixed(4, "a float")
		if err != nil {
			return types.Null, err
		}
		return types.NewFloat(float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))), nil
	case opDouble:
		b, err := r.fixed(8, "a double")
		if err != nil {
			return types.Null, err
		}
		return types.NewFloat(math.Float64frombits(binary.LittleEndian.Uint64(b))), nil
	case opString, opJSON, opBytes, opFixed, opDecimal, opDecimalFixed:
		return r.binary(n)
	case opEnum:
		at := r.pos
		i, err := r.int()
		if err != nil {
			return types.Null, err
		}
		if i < 0 || i >= int64(len(n.symbols)) {
			return types.Null, r.errAt(at, "enum symbol "+strconv.FormatInt(i, 10)+" of "+
				strconv.Itoa(len(n.symbols)))
		}
		if n.t.IsCanonicalText() {
			return checkedString(n.symbols[i], n.t)
		}
		return types.NewString(n.symbols[i]), nil
	case opDate, opTime, opTimestamp:
		return r.temporal(n)
	case opRecord:
		if depth > maxDepth {
			return types.Null, r.errAt(r.pos, "nesting too deep")
		}
		vals := make([]types.Value, n.width)
		if err := r.fields(n, vals, depth); err != nil {
			return types.Null, err
		}
		return types.Value{K: types.KRow, X: vals}, nil
	case opArray, opMap:
		if depth > maxDepth {
			return types.Null, r.errAt(r.pos, "nesting too deep")
		}
		return r.list(n, depth)
	case opFail:
		return types.Null, &Error{Field: n.failField, Offset: -1, Msg: n.msg}
	}
	return types.Null, errorf("", "avro: bad decoder node "+strconv.Itoa(int(n.op)))
}

func floatValue(t types.Type, f float64) types.Value {
	if t.ID == types.Float {
		f = float64(float32(f))
	}
	return types.NewFloat(f)
}

// binary reads the values held as bytes: strings, bytes, fixed, decimals.
func (r *avroReader) binary(n *avroNode) (types.Value, error) {
	var (
		b   []byte
		err error
	)
	if n.op == opFixed || n.op == opDecimalFixed {
		b, err = r.fixed(n.size, "a fixed of "+strconv.Itoa(n.size)+" bytes")
	} else {
		b, err = r.bytes()
	}
	if err != nil {
		return types.Null, err
	}
	switch n.op {
	case opString:
		if n.t.IsCanonicalText() {
			return checkedString(validString(b), n.t)
		}
		return types.NewString(validString(b)), nil
	case opJSON:
		s := scanner{data: b}
		if err := s.skip(0); err != nil || s.ws() != 0 {
			return types.Null, errorf("", "expected JSON text, got "+quoteText(b))
		}
		return types.NewJSON(string(b)), nil
	case opBytes, opFixed:
		return types.NewBytes(b), nil
	}
	return r.decimal(n, b)
}

var bigOne = big.NewInt(1)

// decimal reads an unscaled value in big-endian two's complement.
func (r *avroReader) decimal(n *avroNode, b []byte) (types.Value, error) {
	if len(b) > maxDecimalBytes {
		return types.Null, errorf("", "decimal of "+strconv.Itoa(len(b))+" bytes does not fit "+n.t.String())
	}
	d := &types.Dec{Scale: n.scale}
	if len(b) > 0 && b[0]&0x80 != 0 {
		// A negative x is stored as the bits of ^(-x-1).
		inv := r.scratch[:0]
		for _, c := range b {
			inv = append(inv, ^c)
		}
		r.scratch = inv
		d.Unscaled.SetBytes(inv)
		d.Unscaled.Neg(&d.Unscaled)
		d.Unscaled.Sub(&d.Unscaled, bigOne)
	} else {
		d.Unscaled.SetBytes(b)
	}
	if n.scale != int32(n.t.Scale) {
		d = d.Rescale(int32(n.t.Scale))
	}
	if n.bound != nil && d.Unscaled.CmpAbs(n.bound) >= 0 {
		return types.Null, errorf("", "value "+d.String()+" does not fit "+n.t.String())
	}
	return types.NewDecimal(d), nil
}

// temporal reads dates, times and timestamps, converting the writer's unit
// to riffle's days and microseconds.
func (r *avroReader) temporal(n *avroNode) (types.Value, error) {
	v, err := r.varint(n.long)
	if err != nil {
		return types.Null, err
	}
	switch n.op {
	case opDate:
		if v < minMicros/microsPerDay || v > maxMicros/microsPerDay {
			return types.Null, errorf("", "date "+strconv.FormatInt(v, 10)+" days from 1970 is outside the years 0000-9999")
		}
		return types.NewDate(v), nil
	case opTime:
		if v < 0 || v >= microsPerDay/n.unit {
			return types.Null, errorf("", "time of day "+strconv.FormatInt(v, 10)+" is out of range")
		}
		return types.NewTime(truncMicros(v*n.unit, n.t.Precision)), nil
	}
	micros := v
	switch {
	case n.unit == -1000:
		micros = floorDiv(v, 1000)
	case n.unit == 1000 && (v > math.MaxInt64/1000 || v < math.MinInt64/1000):
		micros = math.MinInt64 // out of range below
	case n.unit == 1000:
		micros = v * 1000
	}
	if !inRange(micros) {
		return types.Null, errorf("", "timestamp "+strconv.FormatInt(v, 10)+" is outside the years 0000-9999")
	}
	return types.NewTimestamp(truncMicros(micros, n.t.Precision)), nil
}

// blockCount reads the item count of an array or map block, checking it
// against what the rest of the record can hold. A negative count is
// followed by the block's size in bytes, which the reader does not need.
func (r *avroReader) blockCount(itemSize int) (int, error) {
	at := r.pos
	c, err := r.long()
	if err != nil {
		return 0, err
	}
	if c < 0 {
		if c == math.MinInt64 {
			return 0, r.errAt(at, "invalid block count")
		}
		c = -c
		if _, err := r.long(); err != nil {
			return 0, err
		}
	}
	switch {
	case itemSize > 0 && c > int64((len(r.data)-r.pos)/itemSize):
		return 0, r.errAt(at, "block of "+strconv.FormatInt(c, 10)+" items is longer than the record")
	case itemSize == 0:
		if c > int64(maxEmptyItems-r.items) {
			return 0, r.errAt(at, "more than "+strconv.Itoa(maxEmptyItems)+" empty items in a record")
		}
		r.items += int(c)
	}
	return int(c), nil
}

// list reads an array or a map: blocks of items ending with an empty one.
func (r *avroReader) list(n *avroNode, depth int) (types.Value, error) {
	itemSize := n.elem.minSize
	kind := types.KArray
	if n.op == opMap {
		itemSize++ // the key's length
		kind = types.KMap
	}
	var out []types.Value
	for {
		c, err := r.blockCount(itemSize)
		if err != nil || c == 0 {
			if out == nil {
				out = []types.Value{}
			}
			return types.Value{K: kind, X: out}, err
		}
		if out == nil {
			per := 1
			if kind == types.KMap {
				per = 2
			}
			out = make([]types.Value, 0, c*per)
		}
		for range c {
			var label string
			if kind == types.KMap {
				k, err := r.bytes()
				if err != nil {
					return types.Null, err
				}
				key := validString(k)
				out = append(out, types.NewString(key))
				label = strconv.Quote(key)
			}
			v, err := r.value(n.elem, depth+1)
			if err != nil {
				if kind == types.KArray {
					label = strconv.Itoa(len(out))
				}
				return types.Null, inAvroField(err, "["+label+"]")
			}
			out = append(out, v)
		}
	}
}

// skip reads past a value the table has no column for.
func (r *avroReader) skip(n *avroNode, depth int) error {
	if depth > maxDepth {
		return r.errAt(r.pos, "nesting too deep")
	}
	switch n.op {
	case opSkipNone:
		return nil
	case opSkipFixed:
		_, err := r.fixed(n.size, "a value of "+strconv.Itoa(n.size)+" bytes")
		return err
	case opSkipVarint:
		_, err := r.long()
		return err
	case opSkipBytes:
		_, err := r.bytes()
		return err
	case opSkipRecord:
		for i := range n.fields {
			if err := r.skip(n.fields[i].node, depth+1); err != nil {
				return err
			}
		}
		return nil
	case opSkipUnion:
		at := r.pos
		i, err := r.long()
		if err != nil {
			return err
		}
		if i < 0 || i >= int64(len(n.union)) {
			return r.errAt(at, "union branch "+strconv.FormatInt(i, 10)+" of "+strconv.Itoa(len(n.union)))
		}
		return r.skip(n.union[i], depth+1)
	case opSkipArray, opSkipMap:
		itemSize := n.elem.minSize
		if n.op == opSkipMap {
			itemSize++
		}
		for {
			c, err := r.blockCount(itemSize)
			if err != nil || c == 0 {
				return err
			}
			for range c {
				if n.op == opSkipMap {
					if _, err := r.bytes(); err != nil {
						return err
					}
				}
				if err := r.skip(n.elem, depth+1); err != nil {
					return err
				}
			}
		}
	}
	return errorf("", "avro: bad skip node "+strconv.Itoa(int(n.op)))
}
