package datagen

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"riffle/connectors/gen"
	"riffle/sql/types"
)

// build makes the value function of a column or field, and the number of
// rows it allows (a sequence's length; -1 for no limit).
func build(s *spec) (valueFunc, int64, error) {
	kind := strings.ToLower(strings.TrimSpace(s.opt("kind", "random")))
	if kind != "random" && kind != "sequence" {
		return nil, 0, s.bad("kind", "'%s' must be 'random' or 'sequence', not %q", s.keys["kind"], s.opts["kind"])
	}
	if err := s.applies(kind); err != nil {
		return nil, 0, err
	}
	nullRate := 0.0
	if v, ok := s.opts["null-rate"]; ok {
		var err error
		if _, err = fmt.Sscan(v, &nullRate); err != nil || math.IsNaN(nullRate) || nullRate < 0 || nullRate > 1 {
			return nil, 0, s.bad("null-rate", "'%s' must be a number from 0 to 1, not %q", s.keys["null-rate"], v)
		}
		if s.notNull && nullRate > 0 {
			return nil, 0, s.bad("null-rate", "column %q is NOT NULL, so '%s' must be 0", s.name, s.keys["null-rate"])
		}
	}
	var f valueFunc
	limit := int64(-1)
	var err error
	if kind == "sequence" {
		f, limit, err = sequence(s)
	} else {
		f, limit, err = random(s)
	}
	if err != nil || nullRate == 0 {
		return f, limit, err
	}
	inner := f
	return func(r *gen.Rand, n, now int64) types.Value {
		if r.Float64() < nullRate {
			return types.Null
		}
		return inner(r, n, now)
	}, limit, nil
}

func (s *spec) opt(prop, def string) string {
	if v, ok := s.opts[prop]; ok {
		return v
	}
	return def
}

func (s *spec) bad(prop, format string, args ...any) *gen.OptionError {
	return gen.Bad(s.keys[prop], format, args...)
}

// applies checks that every option given for s applies to its kind and
// type, so that an option that would change nothing is not silently taken.
func (s *spec) applies(kind string) error {
	id := s.t.ID
	ok := map[string]bool{"kind": true, "null-rate": true}
	if kind == "sequence" {
		if !sequenceTypes[id] {
			return s.bad("kind", "a %s column cannot be a sequence", s.t).
				WithHint("sequences are of integers, FLOAT, DOUBLE, DECIMAL or strings")
		}
		ok["start"], ok["end"] = true, true
	} else {
		ok["min"], ok["max"] = s.t.IsNumeric() || id == types.IntervalYM || id == types.IntervalDT, s.t.IsNumeric() || id == types.IntervalYM || id == types.IntervalDT
		ok["max-past"] = id == types.Timestamp || id == types.TimestampLTZ
		ok["length"] = s.t.IsString() || id == types.Binary || id == types.Varbinary || id == types.Array || id == types.Map || id == types.JSON
		ok["var-len"] = id == types.Varchar || id == types.Varbinary || id == types.JSON
	}
	props := make([]string, 0, len(s.opts))
	for p := range s.opts {
		props = append(props, p)
	}
	slices.Sort(props)
	for _, p := range props {
		if !ok[p] {
			return s.bad(p, "option '%s' does not apply to the %s %s column %q", s.keys[p], kind, s.t, s.name)
		}
	}
	return nil
}

var sequenceTypes = map[types.TypeID]bool{
	types.TinyInt: true, types.SmallInt: true, types.Int: true, types.BigInt: true,
	types.Float: true, types.Double: true, types.Decimal: true, types.Char: true, types.Varchar: true,
}

// intRange is the range of an integer type.
func intRange(id types.TypeID) (int64, int64) {
	switch id {
	case types.TinyInt:
		return math.MinInt8, math.MaxInt8
	case types.SmallInt:
		return math.MinInt16, math.MaxInt16
	case types.Int:
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}
