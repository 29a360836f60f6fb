package parse

import (
	"strconv"
	"strings"

	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// typeSpec is a parsed type name: a riffle type, or the name of a
// PostgreSQL catalog type riffle has no type for (only casts accept those).
type typeSpec struct {
	T  types.Type
	PG string
	// varchar is set for a bare VARCHAR (or CHARACTER VARYING): see
	// CastExt.Varchar.
	varchar bool
}

// ParseType parses a type name as written in DDL or a cast, with Flink's
// names and defaults (DECIMAL is DECIMAL(10, 0), TIMESTAMP is TIMESTAMP(6))
// and PostgreSQL's and MySQL's common spellings.
func ParseType(text string) (types.Type, error) {
	all, terr := Tokenize(text)
	if terr != nil {
		return types.Type{}, terr
	}
	src := &Source{Text: text, Input: text}
	c := newCursor(src, codeTokens(all))
	t, err := c.riffleType()
	if err != nil {
		return types.Type{}, err
	}
	if err := c.expectEOF(); err != nil {
		return types.Type{}, err
	}
	return t, nil
}

// riffleType parses a type that must be one of riffle's own (DDL, nested
// types): PostgreSQL catalog types are not supported there.
func (c *cursor) riffleType() (types.Type, error) {
	start := c.peek()
	spec, err := c.typeName()
	if err != nil {
		return types.Type{}, err
	}
	if spec.PG == "" {
		return spec.T, nil
	}
	base := strings.TrimRight(spec.PG, "[]")
	if pgOnlyTypes[base] {
		return types.Type{}, c.src.Errorf(start.Start, sqlerr.FeatureNotSupported, "type %s is not supported here", spec.PG)
	}
	// Any other name is a type the binder resolves (NamedType): a
	// user-defined enum, or point / int4range.
	t := types.Type{PG: base}
	for range strings.Count(spec.PG, "[]") {
		elem := t
		t = types.Type{ID: types.Array, Elem: &elem}
	}
	return t, nil
}

// NamedType reports whether t is a type the parser could not resolve on
// its own: a name (Type.PG) with no family, which the binder looks up in
// the catalog (user-defined types) and among PostgreSQL's types.
func NamedType(t types.Type) bool { return t.ID == types.Unknown && t.PG != "" }

// pgOnlyTypes are PostgreSQL catalog types that clients cast to; riffle
// has no values of these types, so a cast records the name for the binder.
var pgOnlyTypes = map[string]bool{
	"regclass": true, "regtype": true, "regproc": true, "regprocedure": true,
	"regnamespace": true, "regoper": true, "regoperator": true, "regrole": true,
	"regconfig": true, "oid": true, "name": true, "xid": true, "cid": true, "tid": true,
}

// typeName parses a type name with its parameters and any ARRAY / []
// suffixes.
func (c *cursor) typeName() (typeSpec, error) {
	t := c.peek()
	if !t.IsName() {
		return typeSpec{}, c.syntaxErr(t)
	}
	c.i++
	// pg_catalog.int4 and friends: psql qualifies every type it names.
	if strings.EqualFold(t.Val, "pg_catalog") && c.peek().IsOp(".") && c.peekN(1).IsName() {
		c.i++
		t = c.next()
	}
	word := strings.ToUpper(t.Val)
	var spec typeSpec
	var err error
	if pgOnlyTypes[strings.ToLower(t.Val)] {
		spec.PG = strings.ToLower(t.Val)
	} else {
		spec.T, err = c.typeBody(t, word)
		if err != nil {
			return typeSpec{}, err
		}
		if NamedType(spec.T) {
			spec.PG, spec.T = spec.T.PG, types.Type{}
		}
		spec.varchar = spec.T.ID == types.Varchar && spec.T.Length == 0 && word != "STRING" && word != "TEXT"
	}
	for {
		switch {
		case c.accept("ARRAY"):
		case c.peek().IsOp("[") && c.peekN(1).IsOp("]"):
			c.i += 2
		default:
			return spec, nil
		}
		if spec.PG != "" {
			spec.PG += "[]"
			continue
		}
		elem := spec.T
		spec.T = types.Type{ID: types.Array, Elem: &elem}
	}
}

// typeBody parses what follows the type's first word.
func (c *cursor) typeBody(t Token, word string) (types.Type, error) {
	switch word {
	case "BOOLEAN", "BOOL":
		return types.Type{ID: types.Boolean}, nil
	case "TINYINT":
		return types.Type{ID: types.TinyInt}, nil
	case "SMALLINT", "INT2":
		return types.Type{ID: types.SmallInt}, nil
	case "INT", "INTEGER", "INT4":
		return types.Type{ID: types.Int}, nil
	case "BIGINT", "INT8":
		return types.Type{ID: types.BigInt}, nil
	case "SIGNED", "UNSIGNED": // MySQL's CAST(x AS SIGNED [INTEGER])
		if !c.accept("INTEGER") {
			c.accept("INT")
		}
		return types.Type{ID: types.BigInt}, nil
	case "FLOAT", "REAL", "FLOAT4":
		return types.Type{ID: types.Float}, nil
	case "DOUBLE":
		c.accept("PRECISION")
		return types.Type{ID: types.Double}, nil
	case "FLOAT8":
		return types.Type{ID: types.Double}, nil
	case "DECIMAL", "DEC", "NUMERIC":
		return c.decimal()
	case "CHAR", "CHARACTER", "BPCHAR":
		if c.accept("VARYING") {
			return c.sized(types.Varchar, 0)
		}
		return c.sized(types.Char, 1)
	case "VARCHAR":
		// Unbounded, unlike Flink's VARCHAR(1): the Nexmark DDL and
		// PostgreSQL both mean "any length" by a bare VARCHAR.
		return c.sized(types.Varchar, 0)
	case "STRING", "TEXT":
		return types.Type{ID: types.Varchar}, nil
	case "BINARY":
		return c.sized(types.Binary, 1)
	case "VARBINARY":
		return c.sized(types.Varbinary, 0)
	case "BYTES", "BYTEA":
		return types.Type{ID: types.Varbinary}, nil
	case "DATE":
		return types.Type{ID: types.Date}, nil
	case "TIME":
		return c.timeType(types.Time, 0)
	case "TIMESTAMP":
		return c.timeType(types.Timestamp, 6)
	case "DATETIME":
		return c.timeType(types.Timestamp, 0)
	case "TIMESTAMPTZ":
		return c.timeType(types.TimestampLTZ, 6)
	case "TIMESTAMP_LTZ":
		return c.timeType(types.TimestampLTZ, 6)
	case "INTERVAL":
		return c.intervalType()
	case "ARRAY":
		return c.arrayType()
	case "MAP":
		return c.mapType()
	case "ROW":
		return c.rowType()
	case "JSON", "JSONB":
		return types.Type{ID: types.JSON}, nil
	}
	// Not a type riffle knows by name: a user-defined type or one of
	// PostgreSQL's, which the binder resolves (NamedType).
	name := t.Val
	if t.Kind != TokQuotedIdent {
		name = strings.ToLower(name)
	}
	return types.Type{PG: name}, nil
}

// params parses an optional "(n [, m])" and returns the numbers given.
func (c *cursor) params(max int) ([]int, error) {
	if !c.acceptOp("(") {
		return nil, nil
	}
	var out []int
	for {
		t := c.peek()
		if t.Kind != TokNumber {
			return nil, c.syntaxErr(t)
		}
		n, err := strconv.Atoi(t.Val)
		if err != nil || n < 0 {
			return nil, c.src.Errorf(t.Start, sqlerr.InvalidParameter, "invalid type parameter %s", t.Val)
		}
		c.i++
		out = append(out, n)
		if len(out) == max || !c.acceptOp(",") {
			break
		}
	}
	return out, c.expectOp(")")
}

func (c *cursor) decimal() (types.Type, error) {
	at := c.peek()
	ps, err := c.params(2)
	if err != nil {
		return types.Type{}, err
	}
	t := types.Type{ID: types.Decimal, Precision: 10}
	if len(ps) > 0 {
		t.Precision = ps[0]
	}
	if len(ps) > 1 {
		t.Scale = ps[1]
	}
	if t.Precision < 1 || t.Precision > 38 || t.Scale > t.Precision {
		return types.Type{}, c.src.Errorf(at.Start, sqlerr.InvalidParameter,
			"DECIMAL precision must be between 1 and 38 and scale between 0 and the precision")
	}
	return t, nil
}

// sized parses the optional length of a string or binary type.
func (c *cursor) sized(id types.TypeID, def int) (types.Type, error) {
	at := c.peek()
	ps, err := c.params(1)
	if err != nil {
		return types.Type{}, err
	}
	t := types.Type{ID: id, Length: def}
	if len(ps) == 1 {
		if ps[0] < 1 {
			return types.Type{}, c.src.Errorf(at.Start, sqlerr.InvalidParameter, "length for type %s must be at least 1", id)
		}
		t.Length = ps[0]
	}
	return t, nil
}

// timeType parses TIME / TIMESTAMP's precision and time zone clause.
func (c *cursor) timeType(id types.TypeID, def int) (types.Type, error) {
	at := c.peek()
	ps, err := c.params(1)
	if err != nil {
		return types.Type{}, err
	}
	t := types.Type{ID: id, Precision: def}
	if len(ps) == 1 {
		if ps[0] > 9 {
			return types.Type{}, c.src.Errorf(at.Start, sqlerr.InvalidParameter, "%s precision must be between 0 and 9", id)
		}
		t.Precision = ps[0]
	}
	zone := c.peek()
	switch {
	case c.acceptSeq("WITHOUT", "TIME", "ZONE"):
	case c.acceptSeq("WITH", "LOCAL", "TIME", "ZONE"), c.acceptSeq("WITH", "TIME", "ZONE"):
		// PostgreSQL's timestamptz is an instant, which is what
		// TIMESTAMP_LTZ holds; a time of day with a zone has no equivalent.
		if id != types.Timestamp {
			return types.Type{}, c.src.Errorf(zone.Start, sqlerr.FeatureNotSupported, "%s WITH TIME ZONE is not supported", id)
		}
		t.ID = types.TimestampLTZ
	}
	return t, nil
}

var intervalUnits = map[string]int{"YEAR": 0, "MONTH": 1, "DAY": 2, "HOUR": 3, "MINUTE": 4, "SECOND": 5}

// intervalType parses INTERVAL [unit [(p)] [TO unit [(p)]]].
func (c *cursor) intervalType() (types.Type, error) {
	t := types.Type{ID: types.IntervalDT, Precision: 6}
	from, ok := intervalUnits[strings.ToUpper(c.peek().Val)]
	if !ok || c.peek().Kind != TokIdent {
		return t, nil // PostgreSQL's bare INTERVAL
	}
	c.i++
	ps, err := c.params(2)
	if err != nil {
		return t, err
	}
	to := from
	if c.accept("TO") {
		u := c.peek()
		var ok bool
		if to, ok = intervalUnits[strings.ToUpper(u.Val)]; !ok || u.Kind != TokIdent || to < from || (from <= 1) != (to <= 1) {
			return t, c.syntaxErr(u)
		}
		c.i++
		if ps, err = c.params(1); err != nil {
			return t, err
		}
	}
	if from <= 1 {
		return types.Type{ID: types.IntervalYM}, nil
	}
	if to == 5 && len(ps) > 0 {
		t.Precision = ps[len(ps)-1]
	}
	return t, nil
}

func (c *cursor) arrayType() (types.Type, error) {
	if !c.acceptOp("<") {
		// PostgreSQL spells arrays int[], and bare ARRAY is not a type.
		return types.Type{}, c.syntaxErr(c.peek())
	}
	elem, err := c.nestedType()
	if err != nil {
		return types.Type{}, err
	}
	return types.Type{ID: types.Array, Elem: &elem}, c.expectOp(">")
}

func (c *cursor) mapType() (types.Type, error) {
	if err := c.expectOp("<"); err != nil {
		return types.Type{}, err
	}
	key, err := c.nestedType()
	if err != nil {
		return types.Type{}, err
	}
	if err := c.expectOp(","); err != nil {
		return types.Type{}, err
	}
	val, err := c.nestedType()
	if err != nil {
		return types.Type{}, err
	}
	return types.Type{ID: types.Map, Key: &key, Elem: &val}, c.expectOp(">")
}

// rowType parses ROW<a T, …> or ROW(a T, …).
func (c *cursor) rowType() (types.Type, error) {
	closer := ">"
	if c.acceptOp("(") {
		closer = ")"
	} else if err := c.expectOp("<"); err != nil {
		return types.Type{}, err
	}
	t := types.Type{ID: types.RowType}
	for {
		n := c.peek()
		if !n.IsName() {
			return types.Type{}, c.syntaxErr(n)
		}
		c.i++
		ft, err := c.nestedType()
		if err != nil {
			return types.Type{}, err
		}
		t.Fields = append(t.Fields, types.Field{Name: n.Val, Type: ft})
		if c.acceptOp(closer) {
			return t, nil
		}
		if err := c.expectOp(","); err != nil {
			return types.Type{}, err
		}
	}
}

// nestedType is the type of an array element, map key or value, or row
// field. Types carry no nullability, so NOT NULL here is refused rather
// than dropped.
func (c *cursor) nestedType() (types.Type, error) {
	t, err := c.riffleType()
	if err != nil {
		return t, err
	}
	if nn := c.peek(); nn.Is("NOT") && c.peekN(1).Is("NULL") {
		return t, c.src.Errorf(nn.Start, sqlerr.FeatureNotSupported, "NOT NULL inside a nested type is not supported")
	}
	c.accept("NULL")
	return t, nil
}
