package types

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The types riffle holds as canonical text: user-defined enums (a label)
// and PostgreSQL's point and int4range (their output format). A value of
// one is a VARCHAR whose text CanonicalText has checked, so equality is
// string equality and every output shows what PostgreSQL would.

// IsEnum reports whether t is a user-defined enum type.
func (t Type) IsEnum() bool { return t.OID != 0 }

// IsCanonicalText reports whether values of t are text that must be
// checked and put in canonical form on the way in (CanonicalText).
func (t Type) IsCanonicalText() bool {
	return t.IsEnum() || t.ID == Varchar && (t.PG == "point" || t.PG == "int4range")
}

// EnumIndex returns the position of label among t's labels, or -1.
func (t Type) EnumIndex(label string) int {
	for i, l := range t.Labels {
		if l == label {
			return i
		}
	}
	return -1
}

// CompareTyped is Compare for two values of type t: an enum's values
// order by the declaration of their labels, as in PostgreSQL.
func CompareTyped(a, b Value, t Type) int {
	if t.IsEnum() && a.K == KString && b.K == KString {
		return cmp.Compare(t.EnumIndex(a.S), t.EnumIndex(b.S))
	}
	return Compare(a, b)
}

// CanonicalText checks that s is a value of t (IsCanonicalText) and
// returns it as values of t are held: the label of an enum, PostgreSQL's
// output form of a point ("(1,2)") or an int4range ("[1,5)", "empty"). The
// error's text is PostgreSQL's; callers report it as 22P02.
func CanonicalText(s string, t Type) (string, error) {
	switch {
	case t.IsEnum():
		if t.EnumIndex(s) < 0 {
			return "", fmt.Errorf("invalid input value for enum %s: %q", t.PG, s)
		}
		return s, nil
	case t.PG == "point":
		x, y, ok := parsePoint(s)
		if !ok {
			return "", fmt.Errorf("invalid input syntax for type point: %q", s)
		}
		b := append([]byte{'('}, appendFloat(nil, x, false)...)
		b = append(b, ',')
		b = appendFloat(b, y, false)
		return string(append(b, ')')), nil
	case t.PG == "int4range":
		r, err := ParseInt4Range(s)
		if err != nil {
			return "", err
		}
		return r.String(), nil
	}
	return s, nil
}

// parsePoint reads PostgreSQL's point input: "(x,y)" or "x,y".
func parsePoint(s string) (x, y float64, ok bool) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "(") {
		if !strings.HasSuffix(s, ")") {
			return 0, 0, false
		}
		s = s[1 : len(s)-1]
	}
	xs, ys, found := strings.Cut(s, ",")
	if !found {
		return 0, 0, false
	}
	var err1, err2 error
	x, err1 = strconv.ParseFloat(strings.TrimSpace(xs), 64)
	y, err2 = strconv.ParseFloat(strings.TrimSpace(ys), 64)
	return x, y, err1 == nil && err2 == nil
}

// Point returns the coordinates of a point held in canonical text.
func Point(s string) (x, y float64, ok bool) { return parsePoint(s) }

// Int4Range is an int4range in canonical form: empty, or a lower bound
// that is inclusive and an upper bound that is exclusive, each possibly
// unbounded (Inf).
type Int4Range struct {
	Empty              bool
	Lower, Upper       int32
	LowerInf, UpperInf bool
}

// String renders r in PostgreSQL's output format: "[1,5)", "(,5)",
// "[1,)", "empty".
func (r Int4Range) String() string {
	if r.Empty {
		return "empty"
	}
	var b strings.Builder
	if r.LowerInf {
		b.WriteString("(")
	} else {
		b.WriteString("[" + strconv.Itoa(int(r.Lower)))
	}
	b.WriteString(",")
	if !r.UpperInf {
		b.WriteString(strconv.Itoa(int(r.Upper)))
	}
	b.WriteString(")")
	return b.String()
}

// ParseInt4Range reads an int4range literal ("[1,5]", "(0,5)", "[,3)",
// "empty") and puts it in canonical form, as PostgreSQL's int4range_in
// does: [1,5] is [1,6), and a range with no values is empty.
func ParseInt4Range(s string) (Int4Range, error) {
	bad := func() error { return fmt.Errorf("malformed range literal: %q", s) }
	t := strings.TrimSpace(s)
	if strings.EqualFold(t, "empty") {
		return Int4Range{Empty: true}, nil
	}
	if len(t) < 3 || (t[0] != '[' && t[0] != '(') || (t[len(t)-1] != ']' && t[len(t)-1] != ')') {
		return Int4Range{}, bad()
	}
	lowInc, upInc := t[0] == '[', t[len(t)-1] == ']'
	ls, us, ok := strings.Cut(t[1:len(t)-1], ",")
	if !ok || strings.Contains(us, ",") {
		return Int4Range{}, bad()
	}
	bound := func(b string) (int64, bool, error) {
		b = strings.Trim(strings.TrimSpace(b), `"`)
		if b == "" {
			return 0, true, nil
		}
		n, err := strconv.ParseInt(b, 10, 32)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return 0, false, fmt.Errorf("value %q is out of range for type integer", b)
			}
			return 0, false, fmt.Errorf("invalid input syntax for type integer: %q", b)
		}
		return n, false, nil
	}
	lo, loInf, err := bound(ls)
	if err != nil {
		return Int4Range{}, err
	}
	hi, hiInf, err := bound(us)
	if err != nil {
		return Int4Range{}, err
	}
	if !loInf && !hiInf && lo > hi {
		return Int4Range{}, errors.New("range lower bound must be less than or equal to range upper bound")
	}
	if !loInf && !lowInc {
		lo++
	}
	if !hiInf && upInc {
		hi++
	}
	if lo > math.MaxInt32 || hi > math.MaxInt32 {
		return Int4Range{}, errors.New("integer out of range")
	}
	if !loInf && !hiInf && lo >= hi {
		return Int4Range{Empty: true}, nil
	}
	return Int4Range{Lower: int32(lo), Upper: int32(hi), LowerInf: loInf, UpperInf: hiInf}, nil
}
