package nexmark

import (
	"math"
	"sync"

	"riffle/connectors/gen"
)

const minStringLength = 3

// nextString is Flink's StringsGenerator.nextString: 3 to max-1
// characters, each special with probability 1/13 and otherwise a letter
// a–z, then trimmed of spaces (so it may come out shorter, even empty).
func nextString(r *gen.Rand, max int, special byte) string {
	var buf [128]byte
	n := minStringLength + r.Intn(max-minStringLength)
	b := buf[:n]
	for i := range b {
		if r.Intn(13) == 0 {
			b[i] = special
		} else {
			b[i] = byte('a' + r.Intn(26))
		}
	}
	if special == ' ' {
		for len(b) > 0 && b[0] == ' ' {
			b = b[1:]
		}
		for len(b) > 0 && b[len(b)-1] == ' ' {
			b = b[:len(b)-1]
		}
	}
	return string(b)
}

// bigLen is the length of the string extra fields are cut from.
const bigLen = 1 << 20

var (
	bigOnce sync.Once
	big     string
)

// bigString is the 1 MiB string Flink's generator builds once and cuts
// extra fields from. Its characters are Flink's: 'a' + (x % 26) over six
// base-26 digits of a random signed 32-bit x, where the remainder keeps x's
// sign, so they run from 'H' (72) to 'z' (122) and include '[', '\', ']',
// '^', '_' and '`'. It is built from a fixed seed: the same in every
// process, whatever the table's seed.
func bigString() string {
	bigOnce.Do(func() {
		var r gen.Rand
		r.Seed(0x6e65786d61726b, -1) // "nexmark"
		b := make([]byte, bigLen)
		exact(&r, b)
		big = string(b)
	})
	return big
}

// exact fills b as Flink's nextExactString builds a string character by
// character.
func exact(r *gen.Rand, b []byte) {
	var x int32
	left := 0
	for i := range b {
		if left == 0 {
			x, left = int32(r.Uint64()), 6 // log_26(2^31)
		}
		b[i] = byte('a' + x%26)
		x /= 26
		left--
	}
}

// nextExactString returns a string of exactly n characters: a slice of the
// big string at a random offset (no allocation), or, beyond half its
// length, one built character by character.
func (g *Generator) nextExactString(r *gen.Rand, n int) string {
	if n < bigLen/2 {
		off := r.Intn(bigLen - n)
		return g.big[off : off+n]
	}
	b := make([]byte, n)
	exact(r, b)
	return string(b)
}

// nextExtra pads an event of size current towards an average of avg
// bytes: uniform in [0.8d, 1.2d) characters where d = avg - current.
func (g *Generator) nextExtra(r *gen.Rand, current, avg int) string {
	if current > avg {
		return ""
	}
	d := avg - current
	delta := int(math.Floor(float64(d)*0.2 + 0.5)) // Java's Math.round
	n := d - delta
	if delta > 0 {
		n += r.Intn(2 * delta)
	}
	return g.nextExactString(r, n)
}
