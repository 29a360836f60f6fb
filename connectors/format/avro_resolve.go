package format

import (
	"math/big"
	"strings"

	"github.com/hamba/avro/v2"

	"riffle/sql/types"
)

// Schema resolution: a writer's Avro schema and the table's columns are
// compiled once into a tree of avroNodes that the decoder walks per record.
// The rules are Avro's (https://avro.apache.org/docs/1.12.0/specification/
// #schema-resolution), matched against riffle's types rather than a second
// Avro schema:
//
//   - records match fields by name (exactly, else ignoring case); a writer
//     field the table lacks is skipped; a column the writer lacks is NULL —
//     the reader's default, applied only when the field is absent — or an
//     error when the column is NOT NULL. Record names need not match (a
//     table's derived record is named "record", the producer's rarely is);
//   - int is read as any integer column (range-checked for TINYINT and
//     SMALLINT) and promoted to long, float and double; long to BIGINT,
//     FLOAT and DOUBLE; float to double; string and bytes into each other;
//   - a writer union is resolved branch by branch; a branch the column cannot
//     hold is an error only for a record that uses it, and null is an error
//     only in a NOT NULL column;
//   - the logical type of the writer decides the unit of a date, time or
//     timestamp (millis, micros or nanos) and the scale of a decimal, which is
//     rounded to the column's scale.
//
// Beyond the specification, an enum reads into a string column as its
// symbol and a fixed into a BYTES column, as Flink reads them.

// avroOp is what a node reads and what it makes of it.
type avroOp uint8

const (
	opNull         avroOp = iota // writer null: NULL
	opBool                       // boolean
	opInt                        // int or long → integer column
	opIntFloat                   // int or long → FLOAT, DOUBLE
	opFloat                      // float → FLOAT, DOUBLE
	opDouble                     // double → DOUBLE
	opString                     // string or bytes → CHAR, VARCHAR
	opJSON                       // string → JSON, checked to be JSON
	opBytes                      // bytes or string → BINARY, VARBINARY
	opFixed                      // fixed → BINARY, VARBINARY
	opEnum                       // enum → CHAR, VARCHAR
	opDecimal                    // bytes (decimal) → DECIMAL
	opDecimalFixed               // fixed (decimal) → DECIMAL
	opDate                       // int → DATE
	opTime                       // int millis or long micros → TIME
	opTimestamp                  // long millis, micros or nanos → TIMESTAMP
	opRecord                     // record → ROW, or the top-level row
	opArray                      // array → ARRAY
	opMap                        // map → MAP
	opUnion                      // writer union: branch index, then the branch
	opFail                       // a union branch the column cannot hold
	// Skips read a writer value the table has no column for.
	opSkipNone   // null: nothing
	opSkipFixed  // boolean, float, double, fixed: size bytes
	opSkipVarint // int, long, enum
	opSkipBytes  // string, bytes
	opSkipRecord
	opSkipArray
	opSkipMap
	opSkipUnion
)

// avroNode reads one writer value as one reader type.
type avroNode struct {
	op        avroOp
	t         types.Type // the reader's type
	long      bool       // opInt, opIntFloat, opTime: the writer wrote a long
	unit      int64      // opTime, opTimestamp: microseconds per writer unit; -1000 for nanos
	scale     int32      // opDecimal*: the writer's scale
	size      int        // fixed size in bytes
	bound     *big.Int   // opDecimal*: 10^precision of the column, nil if unbounded
	symbols   []string   // opEnum
	fields    []avroFieldRead
	width     int         // opRecord: the number of reader fields
	elem      *avroNode   // opArray, opMap elements or values
	union     []*avroNode // opUnion branches
	notNull   bool        // opUnion, opNull: the column is NOT NULL
	msg       string      // opFail: the error, at failField below the node
	failField string
	minSize   int // the fewest bytes a value takes, to bound array counts
}

// avroFieldRead is one writer field of a record: where it goes (-1 to
// skip it) and how to read it.
type avroFieldRead struct {
	name string
	out  int
	node *avroNode
}

type avroCompiler struct {
	skips map[avro.Schema]*avroNode // skip nodes of named writer types, for recursive schemas
}

// compileAvroRecord resolves a writer record against the table's columns.
func compileAvroRecord(w avro.Schema, schema types.Schema) (*avroNode, error) {
	rec, ok := derefAvro(w).(*avro.RecordSchema)
	if !ok {
		return nil, errorf("", "the writer schema is "+avroTypeName(w)+", not a record")
	}
	c := &avroCompiler{skips: map[avro.Schema]*avroNode{}}
	fields := make([]types.Field, len(schema.Columns))
	notNull := make([]bool, len(schema.Columns))
	for i, col := range schema.Columns {
		fields[i] = types.Field{Name: col.Name, Type: col.Type}
		notNull[i] = !col.Nullable
	}
	return c.record(rec, types.Type{ID: types.RowType, Fields: fields}, notNull)
}

func derefAvro(s avro.Schema) avro.Schema {
	if r, ok := s.(*avro.RefSchema); ok {
		return r.Schema()
	}
	return s
}

func (c *avroCompiler) record(w *avro.RecordSchema, t types.Type, notNull []bool) (*avroNode, error) {
	n := &avroNode{op: opRecord, t: t, width: len(t.Fields)}
	names := make([]string, len(t.Fields))
	for i, f := range t.Fields {
		names[i] = f.Name
	}
	found := make([]bool, len(t.Fields))
	for _, wf := range w.Fields() {
		i := lookupName(names, wf.Name())
		if i < 0 || found[i] {
			n.fields = append(n.fields, avroFieldRead{name: wf.Name(), out: -1, node: c.skip(wf.Type())})
			continue
		}
		found[i] = true
		sub, err := c.value(wf.Type(), t.Fields[i].Type, notNull != nil && notNull[i])
		if err != nil {
			return nil, inAvroField(err, names[i])
		}
		n.fields = append(n.fields, avroFieldRead{name: names[i], out: i, node: sub})
	}
	for i, ok := range found {
		if !ok && notNull != nil && notNull[i] {
			return nil, errorf(names[i], "the column is NOT NULL, and the writer schema has no such field")
		}
	}
	for _, f := range n.fields {
		n.minSize += f.node.minSize
	}
	return n, nil
}

// lookupName finds a field by name, exactly or else ignoring case.
func lookupName(names []string, name string) int {
	for i, n := range names {
		if n == name {
			return i
		}
	}
	for i, n := range names {
		if strings.EqualFold(n, name) {
			return i
		}
	}
	return -1
}

// value resolves a writer schema against a column type.
func (c *avroCompiler) value(w avro.Schema, t types.Type, notNull bool) (*avroNode, error) {
	w = derefAvro(w)
	switch ws := w.(type) {
	case *avro.UnionSchema:
		return c.union(ws, t, notNull)
	case *avro.NullSchema:
		if notNull {
			return nil, errorf("", "the column is NOT NULL, and the writer's type is null")
		}
		return &avroNode{op: opNull, t: t}, nil
	}
	n, err := c.nonNull(w, t)
	if err != nil {
		return nil, err
	}
	n.t = t
	switch n.op {
	case opFixed, opDecimalFixed, opRecord: // may take no bytes
	default:
		n.minSize = max(n.minSize, 1)
	}
	return n, nil
}

func (c *avroCompiler) union(w *avro.UnionSchema, t types.Type, notNull bool) (*avroNode, error) {
	n := &avroNode{op: opUnion, t: t, notNull: notNull, minSize: 1}
	var firstErr error
	usable := false
	for _, b := range w.Types() {
		if _, null := derefAvro(b).(*avro.NullSchema); null {
			n.union = append(n.union, &avroNode{op: opNull, t: t, notNull: notNull})
			continue
		}
		sub, err := c.value(b, t, notNull)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			sub = &avroNode{op: opFail, msg: err.Error(), minSize: 1}
			if e, ok := err.(*Error); ok {
				sub.msg, sub.failField = e.Msg, e.Field
			}
		} else {
			usable = true
		}
		n.union = append(n.union, sub)
	}
	if !usable && firstErr != nil {
		return nil, firstErr
	}
	return n, nil
}

// cannot reports a writer type the column cannot be read from.
func cannot(w avro.Schema, t types.Type) error {
	msg := "writer type " + avroTypeName(w) + " cannot be read as " + t.String()
	switch {
	case w.Type() == avro.Long && t.IsInteger():
		msg += "; use BIGINT"
	case w.Type() == avro.Double && t.ID == types.Float:
		msg += "; use DOUBLE"
	}
	return errorf("", msg)
}

// nonNull resolves a writer type other than null or a union.
func (c *avroCompiler) nonNull(w avro.Schema, t types.Type) (*avroNode, error) {
	wt := w.Type()
	switch t.ID {
	case types.Boolean:
		if wt == avro.Boolean {
			return &avroNode{op: opBool}, nil
		}
	case types.TinyInt, types.SmallInt, types.Int:
		if wt == avro.Int {
			return &avroNode{op: opInt}, nil
		}
	case types.BigInt:
		if wt == avro.Int || wt == avro.Long {
			return &avroNode{op: opInt, long: wt == avro.Long}, nil
		}
	case types.Float, types.Double:
		switch {
		case wt == avro.Int || wt == avro.Long:
			return &avroNode{op: opIntFloat, long: wt == avro.Long}, nil
		case wt == avro.Float:
			return &avroNode{op: opFloat, minSize: 4}, nil
		case wt == avro.Double && t.ID == types.Double:
			return &avroNode{op: opDouble, minSize: 8}, nil
		}
	case types.Char, types.Varchar:
		switch wt {
		case avro.String, avro.Bytes:
			return &avroNode{op: opString, t: t}, nil
		case avro.Enum:
			return &avroNode{op: opEnum, t: t, symbols: w.(*avro.EnumSchema).Symbols()}, nil
		}
	case types.JSON:
		if wt == avro.String {
			return &avroNode{op: opJSON}, nil
		}
	case types.Binary, types.Varbinary:
		switch wt {
		case avro.String, avro.Bytes:
			return &avroNode{op: opBytes}, nil
		case avro.Fixed:
			size := w.(*avro.FixedSchema).Size()
			return &avroNode{op: opFixed, size: size, minSize: size}, nil
		}
	case types.Decimal:
		return c.decimal(w, t)
	case types.Date, types.Time, types.Timestamp, types.TimestampLTZ:
		return c.temporal(w, t)
	case types.RowType:
		if r, ok := w.(*avro.RecordSchema); ok {
			return c.record(r, t, nil)
		}
	case types.Array:
		if a, ok := w.(*avro.ArraySchema); ok {
			elem, err := c.value(a.Items(), elemType(t.Elem), false)
			if err != nil {
				return nil, inAvroField(err, "[]")
			}
			return &avroNode{op: opArray, elem: elem}, nil
		}
	case types.Map:
		if k := elemType(t.Key); !k.IsString() {
			return nil, errorf("", "the avro format needs string map keys, not "+k.String())
		}
		if m, ok := w.(*avro.MapSchema); ok {
			elem, err := c.value(m.Values(), elemType(t.Elem), false)
			if err != nil {
				return nil, inAvroField(err, "[]")
			}
			return &avroNode{op: opMap, elem: elem}, nil
		}
	default:
		return nil, errorf("", "the avro format does not support type "+t.String())
	}
	return nil, cannot(w, t)
}

func (c *avroCompiler) decimal(w avro.Schema, t types.Type) (*avroNode, error) {
	var (
		dec *avro.DecimalLogicalSchema
		n   = &avroNode{op: opDecimal}
	)
	switch ws := w.(type) {
	case *avro.PrimitiveSchema:
		if ws.Type() == avro.Bytes {
			dec, _ = ws.Logical().(*avro.DecimalLogicalSchema)
		}
	case *avro.FixedSchema:
		dec, _ = ws.Logical().(*avro.DecimalLogicalSchema)
		n.op, n.size, n.minSize = opDecimalFixed, ws.Size(), ws.Size()
	}
	if dec == nil {
		return nil, cannot(w, t)
	}
	n.scale = int32(dec.Scale())
	if t.Precision > 0 {
		n.bound = new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(t.Precision)), nil)
	}
	return n, nil
}

// temporal resolves DATE, TIME, TIMESTAMP and TIMESTAMP_LTZ. The writer's
// logical type gives the unit; without one, the unit is the one the column's
// derived schema would have.
func (c *avroCompiler) temporal(w avro.Schema, t types.Type) (*avroNode, error) {
	p, ok := w.(*avro.PrimitiveSchema)
	if !ok || (p.Type() != avro.Int && p.Type() != avro.Long) {
		return nil, cannot(w, t)
	}
	long := p.Type() == avro.Long
	logical := ""
	if l := p.Logical(); l != nil {
		logical = string(l.Type())
	} else if lt, ok := p.Prop("logicalType").(string); ok {
		logical = lt // one hamba does not know, such as timestamp-nanos
	}
	switch t.ID {
	case types.Date:
		if !long && (logical == "" || logical == string(avro.Date)) {
			return &avroNode{op: opDate}, nil
		}
	case types.Time:
		unit := int64(1000)
		switch {
		case logical == string(avro.TimeMillis) && !long:
		case logical == string(avro.TimeMicros) && long:
			unit = 1
		case logical == "" && long && t.Precision > 3:
			unit = 1
		case logical != "" || long:
			return nil, cannot(w, t)
		}
		return &avroNode{op: opTime, long: long, unit: unit}, nil
	default:
		if !long && logical != "" {
			return nil, cannot(w, t)
		}
		unit := int64(1000)
		switch logical {
		case string(avro.TimestampMillis), string(avro.LocalTimestampMillis):
		case string(avro.TimestampMicros), string(avro.LocalTimestampMicros):
			unit = 1
		case "timestamp-nanos", "local-timestamp-nanos":
			unit = -1000
		case "":
			if t.Precision > 3 {
				unit = 1
			}
		default:
			return nil, cannot(w, t)
		}
		return &avroNode{op: opTimestamp, long: long, unit: unit}, nil
	}
	return nil, cannot(w, t)
}

// skip compiles a node that reads past a writer value.
func (c *avroCompiler) skip(w avro.Schema) *avroNode {
	w = derefAvro(w)
	if n, ok := c.skips[w]; ok {
		return n
	}
	n := &avroNode{minSize: 1}
	switch ws := w.(type) {
	case *avro.NullSchema:
		n.op, n.minSize = opSkipNone, 0
	case *avro.RecordSchema:
		n.op, n.minSize = opSkipRecord, 0
		c.skips[w] = n // before the fields: a record may contain itself
		for _, f := range ws.Fields() {
			sub := c.skip(f.Type())
			n.fields = append(n.fields, avroFieldRead{name: f.Name(), out: -1, node: sub})
			if sub != n {
				n.minSize += sub.minSize
			}
		}
	case *avro.ArraySchema:
		n.op = opSkipArray
		c.skips[w] = n
		n.elem = c.skip(ws.Items())
	case *avro.MapSchema:
		n.op = opSkipMap
		c.skips[w] = n
		n.elem = c.skip(ws.Values())
	case *avro.UnionSchema:
		n.op = opSkipUnion
		c.skips[w] = n
		for _, b := range ws.Types() {
			n.union = append(n.union, c.skip(b))
		}
	case *avro.FixedSchema:
		n.op, n.size, n.minSize = opSkipFixed, ws.Size(), ws.Size()
	case *avro.EnumSchema:
		n.op = opSkipVarint
	default:
		switch w.Type() {
		case avro.Boolean:
			n.op, n.size = opSkipFixed, 1
		case avro.Float:
			n.op, n.size, n.minSize = opSkipFixed, 4, 4
		case avro.Double:
			n.op, n.size, n.minSize = opSkipFixed, 8, 8
		case avro.String, avro.Bytes:
			n.op = opSkipBytes
		default: // int, long
			n.op = opSkipVarint
		}
	}
	return n
}
