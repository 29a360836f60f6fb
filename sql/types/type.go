package types

import (
	"fmt"
	"strings"
)

// TypeID names a SQL type family. The zero value is Unknown, the type of an
// untyped NULL literal before binding resolves it.
type TypeID uint8

// The SQL type families riffle knows, following Flink SQL's type system plus JSON.
const (
	Unknown TypeID = iota
	Boolean
	TinyInt
	SmallInt
	Int
	BigInt
	Float  // 4-byte IEEE float (Flink FLOAT, Postgres real)
	Double // 8-byte IEEE float
	Decimal
	Char
	Varchar // also STRING (Varchar with no length)
	Binary
	Varbinary // also BYTES
	Date
	Time
	Timestamp    // wall-clock timestamp without zone
	TimestampLTZ // an instant, shown in the session time zone
	IntervalYM   // INTERVAL YEAR TO MONTH, held in months
	IntervalDT   // INTERVAL DAY TO SECOND, held in microseconds
	Array
	Map
	RowType
	JSON
)

var typeNames = [...]string{
	Unknown:      "UNKNOWN",
	Boolean:      "BOOLEAN",
	TinyInt:      "TINYINT",
	SmallInt:     "SMALLINT",
	Int:          "INT",
	BigInt:       "BIGINT",
	Float:        "FLOAT",
	Double:       "DOUBLE",
	Decimal:      "DECIMAL",
	Char:         "CHAR",
	Varchar:      "VARCHAR",
	Binary:       "BINARY",
	Varbinary:    "VARBINARY",
	Date:         "DATE",
	Time:         "TIME",
	Timestamp:    "TIMESTAMP",
	TimestampLTZ: "TIMESTAMP_LTZ",
	IntervalYM:   "INTERVAL YEAR TO MONTH",
	IntervalDT:   "INTERVAL DAY TO SECOND",
	Array:        "ARRAY",
	Map:          "MAP",
	RowType:      "ROW",
	JSON:         "JSON",
}

func (id TypeID) String() string {
	if int(id) < len(typeNames) {
		return typeNames[id]
	}
	return fmt.Sprintf("TypeID(%d)", id)
}

// Type is a full SQL type: its family and parameters. Types are small values
// and compare with Equal; Elem, Key and Fields are set only for the nested
// families.
type Type struct {
	ID TypeID
	// Precision is DECIMAL's precision, or the fractional-second precision of
	// TIME, TIMESTAMP and TIMESTAMP_LTZ.
	Precision int
	// Scale is DECIMAL's scale.
	Scale int
	// Length is CHAR/VARCHAR/BINARY/VARBINARY's length; 0 means unbounded.
	Length int
	Elem   *Type   // ARRAY element, MAP value
	Key    *Type   // MAP key
	Fields []Field // ROW fields
	// PG, when set, names the PostgreSQL catalog type a value presents as
	// to clients where riffle has no family of its own: "oid", "name",
	// "char", "regclass", "int2vector", … (the pg_catalog relations are
	// made of them, and drivers read their columns by these OIDs). The
	// value is held as ID says: an oid as BIGINT, a name as VARCHAR.
	// It also names a user-defined type (CREATE TYPE, see OID) and the
	// PostgreSQL types riffle holds as canonical text (point, int4range).
	PG string
	// OID, when set, makes the type the user-defined enum type PG names
	// (CREATE TYPE … AS ENUM): OID is its pg_type.oid and Labels its labels
	// in declaration order. A value is held as VARCHAR (ID), the label
	// itself, so every output and data format shows the label; comparisons
	// order by the labels' declaration (CompareTyped). The type carries its
	// labels so that a table's schema is complete on its own: DROP TYPE is
	// refused while a column uses the type.
	OID    uint32   `json:",omitempty"`
	Labels []string `json:",omitempty"`
}

// Field is one named field of a ROW type.
type Field struct {
	Name string
	Type Type
}

// Common types, for convenience.
var (
	TBoolean   = Type{ID: Boolean}
	TInt       = Type{ID: Int}
	TBigInt    = Type{ID: BigInt}
	TDouble    = Type{ID: Double}
	TString    = Type{ID: Varchar}
	TTimestamp = Type{ID: Timestamp, Precision: 3}
	TDate      = Type{ID: Date}
	TUnknown   = Type{}
)

// IsInteger reports whether t is one of the exact integer types.
func (t Type) IsInteger() bool { return t.ID >= TinyInt && t.ID <= BigInt }

// IsNumeric reports whether t is an integer, floating point or decimal type.
func (t Type) IsNumeric() bool { return t.ID >= TinyInt && t.ID <= Decimal }

// IsFloat reports whether t is FLOAT or DOUBLE.
func (t Type) IsFloat() bool { return t.ID == Float || t.ID == Double }

// IsString reports whether t is CHAR or VARCHAR.
func (t Type) IsString() bool { return t.ID == Char || t.ID == Varchar }

// IsTemporal reports whether t is DATE, TIME, TIMESTAMP or TIMESTAMP_LTZ.
func (t Type) IsTemporal() bool { return t.ID >= Date && t.ID <= TimestampLTZ }

// Equal reports whether two types are identical, parameters included.
func (t Type) Equal(u Type) bool {
	if t.ID != u.ID || t.Precision != u.Precision || t.Scale != u.Scale || t.Length != u.Length || t.PG != u.PG || t.OID != u.OID {
		return false
	}
	if (t.Elem == nil) != (u.Elem == nil) || (t.Elem != nil && !t.Elem.Equal(*u.Elem)) {
		return false
	}
	if (t.Key == nil) != (u.Key == nil) || (t.Key != nil && !t.Key.Equal(*u.Key)) {
		return false
	}
	if len(t.Fields) != len(u.Fields) {
		return false
	}
	for i := range t.Fields {
		if t.Fields[i].Name != u.Fields[i].Name || !t.Fields[i].Type.Equal(u.Fields[i].Type) {
			return false
		}
	}
	return true
}

// String renders the type as riffle's SQL spells it, e.g. DECIMAL(10, 2),
// TIMESTAMP(3), ARRAY<INT>, ROW<a INT, b STRING>.
func (t Type) String() string {
	if t.IsEnum() {
		return t.PG // a user's type, named as they did
	}
	if t.PG != "" {
		return strings.ToUpper(t.PG)
	}
	switch t.ID {
	case Decimal:
		return fmt.Sprintf("DECIMAL(%d, %d)", t.Precision, t.Scale)
	case Char, Binary, Varbinary:
		if t.Length > 0 {
			return fmt.Sprintf("%s(%d)", t.ID, t.Length)
		}
		if t.ID == Varbinary {
			return "BYTES"
		}
		return t.ID.String()
	case Varchar:
		if t.Length > 0 {
			return fmt.Sprintf("VARCHAR(%d)", t.Length)
		}
		return "STRING"
	case Time, Timestamp, TimestampLTZ:
		return fmt.Sprintf("%s(%d)", t.ID, t.Precision)
	case Array:
		return "ARRAY<" + t.Elem.String() + ">"
	case Map:
		return "MAP<" + t.Key.String() + ", " + t.Elem.String() + ">"
	case RowType:
		var b strings.Builder
		b.WriteString("ROW<")
		for i, f := range t.Fields {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(f.Name + " " + f.Type.String())
		}
		b.WriteString(">")
		return b.String()
	}
	return t.ID.String()
}
