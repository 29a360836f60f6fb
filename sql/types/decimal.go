package types

import (
	"fmt"
	"math/big"
	"strings"
)

// Dec is an exact decimal number: Unscaled × 10^-Scale. DECIMAL arithmetic
// must be exact (money), so floats are never used for it.
type Dec struct {
	Unscaled big.Int
	Scale    int32
}

var bigTen = big.NewInt(10)

// ParseDec parses a decimal literal such as "-12.340" or "1e3".
func ParseDec(s string) (*Dec, error) {
	s = strings.TrimSpace(s)
	exp := int64(0)
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		if _, err := fmt.Sscan(s[i+1:], &exp); err != nil {
			return nil, fmt.Errorf("invalid decimal %q", s)
		}
		s = s[:i]
	}
	scale := int64(0)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		scale = int64(len(s) - i - 1)
		s = s[:i] + s[i+1:]
	}
	d := &Dec{}
	if _, ok := d.Unscaled.SetString(s, 10); !ok {
		return nil, fmt.Errorf("invalid decimal %q", s)
	}
	scale -= exp
	if scale < 0 {
		d.Unscaled.Mul(&d.Unscaled, new(big.Int).Exp(bigTen, big.NewInt(-scale), nil))
		scale = 0
	}
	d.Scale = int32(scale)
	return d, nil
}

// DecFromInt returns i as a decimal of scale 0.
func DecFromInt(i int64) *Dec {
	d := &Dec{}
	d.Unscaled.SetInt64(i)
	return d
}

// Rescale returns d with the given scale, rounding half away from zero when
// digits are dropped.
func (d *Dec) Rescale(scale int32) *Dec {
	r := &Dec{Scale: scale}
	switch {
	case scale == d.Scale:
		r.Unscaled.Set(&d.Unscaled)
	case scale > d.Scale:
		r.Unscaled.Mul(&d.Unscaled, new(big.Int).Exp(bigTen, big.NewInt(int64(scale-d.Scale)), nil))
	default:
		div := new(big.Int).Exp(bigTen, big.NewInt(int64(d.Scale-scale)), nil)
		q, m := new(big.Int).QuoRem(&d.Unscaled, div, new(big.Int))
		m.Abs(m).Mul(m, big.NewInt(2))
		if m.Cmp(div) >= 0 {
			if d.Unscaled.Sign() < 0 {
				q.Sub(q, big.NewInt(1))
			} else {
				q.Add(q, big.NewInt(1))
			}
		}
		r.Unscaled.Set(q)
	}
	return r
}

// Cmp compares d and e numerically: -1, 0 or +1.
func (d *Dec) Cmp(e *Dec) int {
	s := max(d.Scale, e.Scale)
	return d.Rescale(s).Unscaled.Cmp(&e.Rescale(s).Unscaled)
}

// Add returns d + e at the larger of the two scales.
func (d *Dec) Add(e *Dec) *Dec {
	s := max(d.Scale, e.Scale)
	r := &Dec{Scale: s}
	r.Unscaled.Add(&d.Rescale(s).Unscaled, &e.Rescale(s).Unscaled)
	return r
}

// Sub returns d - e at the larger of the two scales.
func (d *Dec) Sub(e *Dec) *Dec {
	s := max(d.Scale, e.Scale)
	r := &Dec{Scale: s}
	r.Unscaled.Sub(&d.Rescale(s).Unscaled, &e.Rescale(s).Unscaled)
	return r
}

// Mul returns d × e at the sum of the scales.
func (d *Dec) Mul(e *Dec) *Dec {
	r := &Dec{Scale: d.Scale + e.Scale}
	r.Unscaled.Mul(&d.Unscaled, &e.Unscaled)
	return r
}

// Neg returns -d.
func (d *Dec) Neg() *Dec {
	r := &Dec{Scale: d.Scale}
	r.Unscaled.Neg(&d.Unscaled)
	return r
}

// Float64 returns the nearest float64.
func (d *Dec) Float64() float64 {
	f, _ := new(big.Float).SetPrec(128).Quo(new(big.Float).SetInt(&d.Unscaled),
		new(big.Float).SetInt(new(big.Int).Exp(bigTen, big.NewInt(int64(d.Scale)), nil))).Float64()
	return f
}

// String renders d with exactly Scale fractional digits, as PostgreSQL does.
func (d *Dec) String() string {
	s := new(big.Int).Abs(&d.Unscaled).String()
	neg := d.Unscaled.Sign() < 0
	if d.Scale > 0 {
		if len(s) <= int(d.Scale) {
			s = strings.Repeat("0", int(d.Scale)-len(s)+1) + s
		}
		s = s[:len(s)-int(d.Scale)] + "." + s[len(s)-int(d.Scale):]
	}
	if neg {
		s = "-" + s
	}
	return s
}
