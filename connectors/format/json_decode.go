package format

import (
	"bytes"
	"encoding/base64"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"riffle/sql/types"
)

// NewJSONDecoder returns a Decoder for JSON objects whose fields are the
// columns of schema (Flink's 'json' format). See the package documentation
// for how fields map to columns; value conversions by type:
//
//   - integers from JSON numbers (range-checked for the column's width) or
//     strings holding one, as Flink accepts "123";
//   - FLOAT/DOUBLE from numbers or strings, including "NaN" and "Infinity";
//   - DECIMAL(p, s) exactly from a number's text, rounded half away from
//     zero to scale s; more than p digits is an error;
//   - BOOLEAN from true/false or the strings "true"/"false";
//   - strings from JSON strings; any other JSON value gives its JSON text;
//   - BYTES/BINARY from base64 strings;
//   - DATE from "2024-01-01"; TIME from "12:34:56.789";
//   - TIMESTAMP(p) and TIMESTAMP_LTZ(p) from "2024-01-01 00:00:01.123",
//     "2024-01-01T00:00:01.123Z" or with an offset "+02:00" (converted to
//     UTC), or from a number of milliseconds since the epoch; fractions are
//     truncated to p digits;
//   - INTERVAL YEAR TO MONTH from a number of months, DAY TO SECOND from a
//     number of milliseconds (as Flink writes them);
//   - ARRAY from arrays, MAP from objects (keys converted to the key type),
//     ROW from objects matched by field name like the top level;
//   - JSON keeps the value's text as it appears in the record.
func NewJSONDecoder(schema types.Schema) Decoder {
	fields := make([]types.Field, len(schema.Columns))
	for i, c := range schema.Columns {
		fields[i] = types.Field{Name: c.Name, Type: c.Type}
	}
	return &jsonDecoder{root: newNode(types.Type{ID: types.RowType, Fields: fields})}
}

type jsonDecoder struct {
	root *node
	s    scanner
}

var _ Decoder = (*jsonDecoder)(nil)

// node is the decoder of one type, prepared from the schema so that the
// per-record path does no type analysis.
type node struct {
	t      types.Type
	names  []string // ROW field names
	fields []*node  // ROW fields
	elem   *node    // ARRAY element, MAP value
	key    *node    // MAP key
}

func newNode(t types.Type) *node {
	n := &node{t: t}
	switch t.ID {
	case types.RowType:
		for _, f := range t.Fields {
			n.names = append(n.names, f.Name)
			n.fields = append(n.fields, newNode(f.Type))
		}
	case types.Array:
		n.elem = newNode(elemType(t.Elem))
	case types.Map:
		n.key, n.elem = newNode(elemType(t.Key)), newNode(elemType(t.Elem))
	}
	return n
}

func elemType(t *types.Type) types.Type {
	if t == nil {
		return types.TString
	}
	return *t
}

func (d *jsonDecoder) Decode(data []byte, row types.Row) error {
	if len(row) != len(d.root.fields) {
		return &Error{Offset: -1, Msg: "row has " + strconv.Itoa(len(row)) + " columns, schema has " +
			strconv.Itoa(len(d.root.fields))}
	}
	clear(row)
	d.s.data, d.s.pos = data, 0
	if c := d.s.ws(); c != '{' {
		if c == 'n' && d.s.literal("null") == nil && d.s.ws() == 0 {
			return &Error{Offset: -1, Msg: "record is JSON null, expected an object"}
		}
		return d.s.unexpected("'{' starting a JSON object")
	}
	if err := d.decodeObject(d.root, row, 0); err != nil {
		return err
	}
	if d.s.ws() != 0 {
		return d.s.syntaxErr(d.s.pos, "unexpected data after the top-level object")
	}
	d.s.data = nil // do not keep the record alive
	return nil
}

// decodeObject reads an object at the current position into vals, one per
// field of n. Fields usually come in schema order, so the lookup tries the
// field after the previous match first.
func (d *jsonDecoder) decodeObject(n *node, vals []types.Value, depth int) error {
	s := &d.s
	s.pos++ // '{'
	if s.ws() == '}' {
		s.pos++
		return nil
	}
	hint := 0
	for {
		if s.ws() != '"' {
			return s.unexpected("a field name")
		}
		key, err := s.strBytes()
		if err != nil {
			return err
		}
		i := lookup(n.names, key, hint)
		if err := s.expect(':', "':' after a field name"); err != nil {
			return err
		}
		if i < 0 {
			err = s.skip(depth + 1)
		} else {
			hint = i + 1
			vals[i], err = d.value(n.fields[i], depth+1)
			if err != nil {
				return inField(err, n.names[i])
			}
		}
		if err != nil {
			return err
		}
		if more, err := s.next('}'); err != nil || !more {
			return err
		}
	}
}

// lookup finds the field named key: the hinted one, then an exact match,
// then one equal ignoring case. Comparing string(key) does not allocate.
func lookup(names []string, key []byte, hint int) int {
	if hint < len(names) && names[hint] == string(key) {
		return hint
	}
	for i, name := range names {
		if name == string(key) {
			return i
		}
	}
	for i, name := range names {
		if strings.EqualFold(name, string(key)) {
			return i
		}
	}
	return -1
}

// inField prefixes the field path of a conversion error with seg: a field
// name, or an index "[2]" or map key `["k"]`. Syntax errors keep their byte
// offset instead.
func inField(err error, seg string) error {
	e, ok := err.(*Error)
	if !ok || e.Offset >= 0 {
		return err
	}
	if e.Field != "" && e.Field[0] != '[' {
		seg += "."
	}
	e.Field = seg + e.Field
	return e
}

// value decodes the value at the current position as n's type.
func (d *jsonDecoder) value(n *node, depth int) (types.Value, error) {
	s := &d.s
	if depth > maxDepth {
		return types.Null, s.syntaxErr(s.pos, "nesting too deep")
	}
	c := s.ws()
	if c == 'n' {
		return types.Null, s.literal("null")
	}
	switch n.t.ID {
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
		return d.integer(n.t, c)
	case types.Float, types.Double:
		return d.float(n.t, c)
	case types.Decimal:
		return d.decimal(n.t, c)
	case types.Boolean:
		return d.boolean(c)
	case types.Char, types.Varchar, types.Unknown:
		v, err := d.text(c)
		if err == nil && n.t.IsCanonicalText() {
			return checkedString(v.S, n.t)
		}
		return v, err
	case types.Binary, types.Varbinary:
		return d.binary(c)
	case types.Date, types.Time, types.Timestamp, types.TimestampLTZ:
		return d.temporal(n.t, c)
	case types.IntervalYM, types.IntervalDT:
		return d.interval(n.t, c)
	case types.Array:
		return d.array(n, c, depth)
	case types.Map:
		return d.mapValue(n, c, depth)
	case types.RowType:
		return d.row(n, c, depth)
	case types.JSON:
		start := s.pos
		if err := s.skip(depth); err != nil {
			return types.Null, err
		}
		return types.NewJSON(string(s.data[start:s.pos])), nil
	}
	return types.Null, &Error{Offset: -1, Msg: "the JSON format does not support type " + n.t.String()}
}

// wrongKind skips the value at the current position and reports that it is
// not what the column needs, showing (the start of) the value.
func (d *jsonDecoder) wrongKind(expected string) (types.Value, error) {
	s := &d.s
	start := s.pos
	if err := s.skip(0); err != nil {
		return types.Null, err
	}
	got := s.data[start:s.pos]
	const maxShown = 40
	if len(got) > maxShown {
		cut := maxShown
		for cut > 0 && !utf8.RuneStart(got[cut]) {
			cut-- // do not split a character
		}
		got = append(got[:cut:cut], "..."...)
	}
	return types.Null, &Error{Offset: -1, Msg: "expected " + expected + ", got " + string(got)}
}

// numberText returns the text of a number, or of a string holding one
// (Flink reads "123" into numeric columns). ok is false when the value is
// neither; the scanner is then still at the value.
func (d *jsonDecoder) numberText(c byte) (text []byte, isInt, ok bool, err error) {
	s := &d.s
	switch {
	case c == '-' || (c >= '0' && c <= '9'):
		text, isInt, err = s.number()
		return text, isInt, err == nil, err
	case c == '"':
		start := s.pos
		b, err := s.strBytes()
		if err != nil {
			return nil, false, false, err
		}
		b = bytes.TrimSpace(b) // Flink trims numeric strings
		inner := scanner{data: b}
		if t, isInt, err := inner.number(); err == nil && inner.pos == len(b) {
			return t, isInt, true, nil
		}
		s.pos = start
	}
	return nil, false, false, nil
}

func (d *jsonDecoder) integer(t types.Type, c byte) (types.Value, error) {
	text, isInt, ok, err := d.numberText(c)
	if err != nil {
		return types.Null, err
	}
	if !ok {
		return d.wrongKind("an integer")
	}
	var v int64
	if isInt {
		v, err = strconv.ParseInt(bytesString(text), 10, 64)
	} else {
		// 1e3 and 12.0 are integers written another way; 1.5 is not.
		f, ferr := strconv.ParseFloat(bytesString(text), 64)
		if ferr != nil || f != math.Trunc(f) {
			return types.Null, &Error{Offset: -1, Msg: "expected an integer, got " + string(text)}
		}
		if f < -(1<<63) || f >= 1<<63 {
			err = strconv.ErrRange
		}
		v = int64(f)
	}
	if err != nil || !fitsInt(v, t.ID) {
		return types.Null, &Error{Offset: -1, Msg: "value " + string(text) + " is out of range for " + t.String()}
	}
	return types.NewInt(v), nil
}

func fitsInt(v int64, id types.TypeID) bool {
	switch id {
	case types.TinyInt:
		return v >= math.MinInt8 && v <= math.MaxInt8
	case types.SmallInt:
		return v >= math.MinInt16 && v <= math.MaxInt16
	case types.Int:
		return v >= math.MinInt32 && v <= math.MaxInt32
	}
	return true
}

func (d *jsonDecoder) float(t types.Type, c byte) (types.Value, error) {
	text, _, ok, err := d.numberText(c)
	if err != nil {
		return types.Null, err
	}
	var f float64
	switch {
	case ok:
		f, err = strconv.ParseFloat(bytesString(text), 64)
		if err != nil && !isRangeErr(err) {
			return types.Null, &Error{Offset: -1, Msg: "expected a number, got " + string(text)}
		}
	case c == '"':
		start := d.s.pos
		b, err := d.s.strBytes()
		if err != nil {
			return types.Null, err
		}
		switch string(b) {
		case "NaN":
			f = math.NaN()
		case "Infinity", "+Infinity":
			f = math.Inf(1)
		case "-Infinity":
			f = math.Inf(-1)
		default:
			d.s.pos = start
			return d.wrongKind("a number")
		}
	default:
		return d.wrongKind("a number")
	}
	if t.ID == types.Float {
		f = float64(float32(f))
	}
	return types.NewFloat(f), nil
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func (d *jsonDecoder) decimal(t types.Type, c byte) (types.Value, error) {
	text, _, ok, err := d.numberText(c)
	if err != nil {
		return types.Null, err
	}
	if !ok {
		return d.wrongKind("a number")
	}
	if len(text) > 1000 {
		// big.Int parsing is quadratic; no DECIMAL has this many digits.
		return types.Null, &Error{Offset: -1, Msg: "number too long for " + t.String()}
	}
	if !exponentOK(text) {
		return types.Null, &Error{Offset: -1, Msg: "exponent out of range for " + t.String() + ": " + string(text)}
	}
	dec, err := types.ParseDec(string(text))
	if err != nil {
		return types.Null, &Error{Offset: -1, Msg: "expected a number, got " + string(text)}
	}
	dec = dec.Rescale(int32(t.Scale))
	if t.Precision > 0 && digitCount(dec) > t.Precision {
		return types.Null, &Error{Offset: -1, Msg: "value " + string(text) + " does not fit " + t.String()}
	}
	return types.NewDecimal(dec), nil
}

// digitCount is the number of decimal digits of d's unscaled value.
func digitCount(d *types.Dec) int {
	n := len(d.Unscaled.String())
	if d.Unscaled.Sign() < 0 {
		n--
	}
	return n
}

func (d *jsonDecoder) boolean(c byte) (types.Value, error) {
	s := &d.s
	switch c {
	case 't':
		return types.NewBool(true), s.literal("true")
	case 'f':
		return types.NewBool(false), s.literal("false")
	case '"':
		start := s.pos
		b, err := s.strBytes()
		if err != nil {
			return types.Null, err
		}
		switch {
		case strings.EqualFold(string(b), "true"):
			return types.NewBool(true), nil
		case strings.EqualFold(string(b), "false"):
			return types.NewBool(false), nil
		}
		s.pos = start
	}
	return d.wrongKind("a boolean")
}

// text reads a string column. A string value is unescaped; any other value
// is kept as its JSON text, as Flink does.
func (d *jsonDecoder) text(c byte) (types.Value, error) {
	s := &d.s
	if c == '"' {
		str, err := s.str()
		return types.NewString(str), err
	}
	start := s.pos
	if err := s.skip(0); err != nil {
		return types.Null, err
	}
	return types.NewString(string(s.data[start:s.pos])), nil
}

func (d *jsonDecoder) binary(c byte) (types.Value, error) {
	if c != '"' {
		return d.wrongKind("a base64 string")
	}
	start := d.s.pos
	b, err := d.s.strBytes()
	if err != nil {
		return types.Null, err
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(b)))
	n, err := base64.StdEncoding.Decode(out, b)
	if err != nil {
		d.s.pos = start
		return d.wrongKind("a base64 string")
	}
	return types.Value{K: types.KBytes, S: string(out[:n])}, nil
}

func (d *jsonDecoder) interval(t types.Type, c byte) (types.Value, error) {
	v, err := d.integer(types.TBigInt, c)
	if err != nil || t.ID == types.IntervalYM {
		return types.NewInterval(v.I), err
	}
	if v.I > math.MaxInt64/1000 || v.I < math.MinInt64/1000 {
		return types.Null, &Error{Offset: -1, Msg: "interval out of range"}
	}
	return types.NewInterval(v.I * 1000), nil
}

func (d *jsonDecoder) array(n *node, c byte, depth int) (types.Value, error) {
	s := &d.s
	if c != '[' {
		return d.wrongKind("an array")
	}
	s.pos++
	elems := []types.Value{}
	if s.ws() == ']' {
		s.pos++
		return types.Value{K: types.KArray, X: elems}, nil
	}
	for {
		v, err := d.value(n.elem, depth+1)
		if err != nil {
			return types.Null, inField(err, "["+strconv.Itoa(len(elems))+"]")
		}
		elems = append(elems, v)
		if more, err := s.next(']'); err != nil || !more {
			return types.Value{K: types.KArray, X: elems}, err
		}
	}
}

func (d *jsonDecoder) mapValue(n *node, c byte, depth int) (types.Value, error) {
	s := &d.s
	if c != '{' {
		return d.wrongKind("an object")
	}
	s.pos++
	kv := []types.Value{}
	if s.ws() == '}' {
		s.pos++
		return types.Value{K: types.KMap, X: kv}, nil
	}
	for {
		if s.ws() != '"' {
			return types.Null, s.unexpected("a field name")
		}
		// The key is decoded as the key type from its string form, so that
		// MAP<INT, …> reads {"1": …}.
		keyStart := s.pos
		if _, _, err := s.rawString(); err != nil {
			return types.Null, err
		}
		label := "[" + string(s.data[keyStart:s.pos]) + "]"
		s.pos = keyStart
		k, err := d.value(n.key, depth+1)
		if err != nil {
			return types.Null, inField(err, label)
		}
		if err := s.expect(':', "':' after a field name"); err != nil {
			return types.Null, err
		}
		v, err := d.value(n.elem, depth+1)
		if err != nil {
			return types.Null, inField(err, label)
		}
		kv = append(kv, k, v)
		if more, err := s.next('}'); err != nil || !more {
			return types.Value{K: types.KMap, X: kv}, err
		}
	}
}

func (d *jsonDecoder) row(n *node, c byte, depth int) (types.Value, error) {
	if c != '{' {
		return d.wrongKind("an object")
	}
	vals := make([]types.Value, len(n.fields))
	if err := d.decodeObject(n, vals, depth); err != nil {
		return types.Null, err
	}
	return types.Value{K: types.KRow, X: vals}, nil
}
