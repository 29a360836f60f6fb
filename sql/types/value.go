package types

import (
	"math"
)

// Value is one SQL datum. It is a small struct held by value so that rows of
// scalars cost no allocation per field: integers, booleans, dates, times,
// timestamps and intervals live in I, floats in I as their IEEE bits,
// strings and byte strings in S. X holds what does not fit (decimals, arrays,
// maps, rows). The zero Value is NULL.
//
// A Value does not carry its full SQL type; the Schema of the row it belongs
// to does. Its Kind tells how it is stored.
type Value struct {
	K Kind
	I int64
	S string
	X any
}

// Kind is how a Value is stored.
type Kind uint8

// The storage kinds of a Value.
const (
	KNull      Kind = iota
	KBool           // I is 0 or 1
	KInt            // I
	KFloat          // I holds math.Float64bits
	KDecimal        // X is *Dec
	KString         // S
	KBytes          // S holds the bytes
	KDate           // I is days since 1970-01-01
	KTime           // I is microseconds since midnight
	KTimestamp      // I is microseconds since 1970-01-01 00:00:00 (UTC for TIMESTAMP_LTZ)
	KInterval       // I is months (YEAR TO MONTH) or microseconds (DAY TO SECOND)
	KArray          // X is []Value
	KMap            // X is []Value, alternating key and value
	KRow            // X is []Value
	KJSON           // S holds JSON text
)

// Null is the SQL NULL.
var Null = Value{}

// Constructors. They never allocate for scalar kinds.

// NewBool returns a BOOLEAN value.
func NewBool(b bool) Value {
	if b {
		return Value{K: KBool, I: 1}
	}
	return Value{K: KBool}
}

// NewInt returns an integer value (TINYINT through BIGINT).
func NewInt(i int64) Value { return Value{K: KInt, I: i} }

// NewFloat returns a FLOAT or DOUBLE value.
func NewFloat(f float64) Value { return Value{K: KFloat, I: int64(math.Float64bits(f))} }

// NewString returns a CHAR or VARCHAR value.
func NewString(s string) Value { return Value{K: KString, S: s} }

// NewBytes returns a BINARY or VARBINARY value.
func NewBytes(b []byte) Value { return Value{K: KBytes, S: string(b)} }

// NewDate returns a DATE value from days since the epoch.
func NewDate(days int64) Value { return Value{K: KDate, I: days} }

// NewTime returns a TIME value from microseconds since midnight.
func NewTime(micros int64) Value { return Value{K: KTime, I: micros} }

// NewTimestamp returns a TIMESTAMP or TIMESTAMP_LTZ value from microseconds
// since the epoch.
func NewTimestamp(micros int64) Value { return Value{K: KTimestamp, I: micros} }

// NewInterval returns an interval value in the unit its type implies.
func NewInterval(n int64) Value { return Value{K: KInterval, I: n} }

// NewDecimal returns a DECIMAL value.
func NewDecimal(d *Dec) Value { return Value{K: KDecimal, X: d} }

// NewJSON returns a JSON value holding the given JSON text.
func NewJSON(text string) Value { return Value{K: KJSON, S: text} }

// IsNull reports whether v is NULL.
func (v Value) IsNull() bool { return v.K == KNull }

// Bool returns a BOOLEAN value's truth.
func (v Value) Bool() bool { return v.I != 0 }

// Int returns an integer value.
func (v Value) Int() int64 { return v.I }

// Float returns a floating point value.
func (v Value) Float() float64 { return math.Float64frombits(uint64(v.I)) }

// Str returns a string, bytes or JSON value's content.
func (v Value) Str() string { return v.S }

// Dec returns a DECIMAL value.
func (v Value) Dec() *Dec { return v.X.(*Dec) }

// List returns an ARRAY, MAP or ROW value's elements.
func (v Value) List() []Value { return v.X.([]Value) }
