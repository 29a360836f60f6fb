package gen

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// OptionError is an error about one option of a generated table, or about
// one of its columns: CREATE TABLE points at the option (or the column) in
// the statement. Err carries the SQLSTATE and the hint.
type OptionError struct {
	Option string // the option's key, lower case ("" when about a column)
	Column string // the column's name ("" when about an option)
	Err    *sqlerr.Error
}

func (e *OptionError) Error() string { return e.Err.Error() }
func (e *OptionError) Unwrap() error { return e.Err }

// Bad returns the error for an option whose value is wrong.
func Bad(key, format string, args ...any) *OptionError {
	return &OptionError{Option: key, Err: sqlerr.New(sqlerr.InvalidParameter, format, args...)}
}

// BadColumn returns the error for a column the generator cannot fill.
func BadColumn(col, format string, args ...any) *OptionError {
	return &OptionError{Column: col, Err: sqlerr.New(sqlerr.InvalidTableDefinition, format, args...)}
}

// Options reads a generated table's WITH options, remembering which ones
// were read, so that Unknown can refuse the rest: a misspelt option
// silently ignored is a bug the user finds in production.
type Options struct {
	conn string
	m    map[string]string
	used map[string]bool
}

// NewOptions reads the options of a table of connector conn. Keys are
// expected in lower case, as the binder stores them.
func NewOptions(conn string, m map[string]string) *Options {
	return &Options{conn: conn, m: m, used: map[string]bool{"connector": true}}
}

// Has reports whether key is set, and marks it read.
func (o *Options) Has(key string) bool {
	o.used[key] = true
	_, ok := o.m[key]
	return ok
}

// String returns key's value, or def when it is not set.
func (o *Options) String(key, def string) string {
	o.used[key] = true
	if v, ok := o.m[key]; ok {
		return v
	}
	return def
}

// Int returns key's value as an integer in [lo, hi], or def.
func (o *Options) Int(key string, def, lo, hi int64) (int64, error) {
	v, ok := o.m[key]
	o.used[key] = true
	if !ok {
		return def, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, Bad(key, "'%s' must be an integer %s, not %q", key, rangeText(lo, hi), v)
	}
	return n, nil
}

func rangeText(lo, hi int64) string {
	switch {
	case hi == math.MaxInt64 && lo == 0:
		return "of at least 0"
	case hi == math.MaxInt64:
		return fmt.Sprintf("of at least %d", lo)
	}
	return fmt.Sprintf("from %d to %d", lo, hi)
}

// Float returns key's value as a number in [lo, hi], or def.
func (o *Options) Float(key string, def, lo, hi float64) (float64, error) {
	v, ok := o.m[key]
	o.used[key] = true
	if !ok {
		return def, nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsNaN(f) || f < lo || f > hi {
		return 0, Bad(key, "'%s' must be a number from %g to %g, not %q", key, lo, hi, v)
	}
	return f, nil
}

// Bool returns key's value, 'true' or 'false' in any case, or def.
func (o *Options) Bool(key string, def bool) (bool, error) {
	v, ok := o.m[key]
	o.used[key] = true
	if !ok {
		return def, nil
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, Bad(key, "'%s' must be 'true' or 'false', not %q", key, v)
}

// Duration returns key's value as a duration in Flink's notation ('600s',
// '10 min', '1 h', '250 ms'; a bare number is milliseconds), or def.
func (o *Options) Duration(key string, def time.Duration) (time.Duration, error) {
	v, ok := o.m[key]
	o.used[key] = true
	if !ok {
		return def, nil
	}
	d, ok := types.ParseDuration(v)
	if !ok || strings.TrimSpace(v) == "" {
		return 0, Bad(key, "'%s' must be a duration such as '600 s', '10 min' or '500 ms', not %q", key, v)
	}
	return d, nil
}

// Size returns key's value as a number of bytes in Flink's MemorySize
// notation ('200b', '1 kb', '2mb'; a bare number is bytes), or def.
func (o *Options) Size(key string, def int64) (int64, error) {
	v, ok := o.m[key]
	o.used[key] = true
	if !ok {
		return def, nil
	}
	num, unit := splitUnit(v)
	n, err := strconv.ParseInt(num, 10, 64)
	scale, known := sizeUnits[strings.ToLower(unit)]
	if err != nil || n < 0 || !known || n > math.MaxInt32/scale {
		return 0, Bad(key, "'%s' must be a size such as '200b' or '1kb', not %q", key, v)
	}
	return n * scale, nil
}

var sizeUnits = map[string]int64{
	"": 1, "b": 1, "bytes": 1, "k": 1 << 10, "kb": 1 << 10, "kibibytes": 1 << 10,
	"m": 1 << 20, "mb": 1 << 20, "mebibytes": 1 << 20,
}

// splitUnit cuts "10 min" into "10" and "min".
func splitUnit(v string) (num, unit string) {
	v = strings.TrimSpace(v)
	i := strings.IndexFunc(v, func(r rune) bool { return !unicode.IsDigit(r) && r != '-' && r != '+' })
	if i < 0 {
		return v, ""
	}
	return strings.TrimSpace(v[:i]), strings.TrimSpace(v[i:])
}

// Unknown returns an error naming the first option (in key order) that
// nothing has read, suggesting the closest of known, or nil.
func (o *Options) Unknown(known []string) error {
	var keys []string
	for k := range o.m {
		if !o.used[k] {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	slices.Sort(keys)
	k := keys[0]
	e := Bad(k, "unknown option %q for connector %q", k, o.conn)
	best, dist := "", 4
	for _, c := range known {
		if d := editDistance(k, c); d < dist {
			best, dist = c, d
		}
	}
	if best != "" {
		e.WithHint("did you mean '%s'?", best)
	} else {
		e.WithHint("known options: %s", strings.Join(known, ", "))
	}
	return e
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// WithHint sets the error's hint.
func (e *OptionError) WithHint(format string, args ...any) *OptionError {
	e.Err = e.Err.WithHint(format, args...)
	return e
}
