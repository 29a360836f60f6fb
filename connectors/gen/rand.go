package gen

import (
	"math"
	"math/bits"
)

// Rand is the random number generator of generated rows: SplitMix64
// (Steele, Lea and Flood, "Fast splittable pseudorandom number
// generators", OOPSLA 2014), seeded afresh for every row from the table's
// seed and the row's number, so a row's values depend on nothing else.
// That is what lets a split start anywhere, a restart regenerate exactly
// the rows it had not committed, and any number of splits produce the same
// rows as one. Seeding is two multiplications; each draw is one addition
// and two multiplications, with no allocation: the generators seed one
// Rand per row on their hot paths.
//
// The algorithms are written out here rather than taken from math/rand/v2
// so that a seed gives the same rows in every Go release.
type Rand struct{ s uint64 }

const golden = 0x9e3779b97f4a7c15 // 2^64 / φ, SplitMix64's increment

func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Seed starts the stream of row n of a table with the given seed.
func (r *Rand) Seed(seed uint64, n int64) {
	r.s = mix(seed*golden+uint64(n)) ^ seed
}

// Uint64 returns 64 random bits.
func (r *Rand) Uint64() uint64 {
	r.s += golden
	return mix(r.s)
}

// Intn returns an int in [0, n), n > 0, by Lemire's multiply-shift: the
// bias is below n/2^64, far beneath anything a test could observe.
func (r *Rand) Intn(n int) int {
	hi, _ := bits.Mul64(r.Uint64(), uint64(n))
	return int(hi)
}

// Int63n returns an int64 in [0, n), n > 0.
func (r *Rand) Int63n(n int64) int64 {
	hi, _ := bits.Mul64(r.Uint64(), uint64(n))
	return int64(hi)
}

// Range returns an int64 in [lo, hi], lo <= hi, over the whole int64 range
// if asked.
func (r *Rand) Range(lo, hi int64) int64 {
	span := uint64(hi) - uint64(lo) + 1
	if span == 0 { // the whole range
		return int64(r.Uint64())
	}
	h, _ := bits.Mul64(r.Uint64(), span)
	return lo + int64(h)
}

// Float64 returns a float64 in [0, 1).
func (r *Rand) Float64() float64 {
	return float64(r.Uint64()>>11) * 0x1p-53
}

// Between returns a float64 in [lo, hi), computed so that it does not
// overflow even for lo = -MaxFloat64 and hi = MaxFloat64.
func (r *Rand) Between(lo, hi float64) float64 {
	u := r.Float64()
	v := lo*(1-u) + hi*u
	if v >= hi && hi > lo { // rounding at the top
		v = math.Nextafter(hi, lo)
	}
	return v
}
