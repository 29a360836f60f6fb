package types

import (
	"cmp"
	"math"
)

// Compare orders two values of the same SQL type: -1, 0 or +1. NULL sorts
// before every other value (ORDER BY puts it where the query asks; this is
// the storage order). Values of different kinds compare by kind, which only
// happens when a caller mixes types the binder would have cast.
func Compare(a, b Value) int {
	if a.K != b.K {
		if a.K == KNull || b.K == KNull {
			return cmp.Compare(a.K, b.K)
		}
		if (a.K == KInt || a.K == KFloat || a.K == KDecimal) && (b.K == KInt || b.K == KFloat || b.K == KDecimal) {
			return cmp.Compare(numberAsFloat(a), numberAsFloat(b))
		}
		return cmp.Compare(a.K, b.K)
	}
	switch a.K {
	case KNull:
		return 0
	case KFloat:
		return compareFloat(a.Float(), b.Float())
	case KDecimal:
		return a.Dec().Cmp(b.Dec())
	case KString, KBytes, KJSON:
		return cmp.Compare(a.S, b.S)
	case KArray, KRow, KMap:
		x, y := a.List(), b.List()
		for i := 0; i < len(x) && i < len(y); i++ {
			if c := Compare(x[i], y[i]); c != 0 {
				return c
			}
		}
		return cmp.Compare(len(x), len(y))
	}
	return cmp.Compare(a.I, b.I)
}

// compareFloat orders NaN after every number, as PostgreSQL does.
func compareFloat(x, y float64) int {
	xn, yn := math.IsNaN(x), math.IsNaN(y)
	switch {
	case xn && yn:
		return 0
	case xn:
		return 1
	case yn:
		return -1
	}
	return cmp.Compare(x, y)
}

func numberAsFloat(v Value) float64 {
	switch v.K {
	case KInt:
		return float64(v.I)
	case KFloat:
		return v.Float()
	case KDecimal:
		return v.Dec().Float64()
	}
	return 0
}

// CompareRows orders rows column by column.
func CompareRows(a, b Row) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := Compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

// Equal reports whether a and b are the same value (NULL equals NULL here:
// this is identity for state and consolidation, not SQL's = operator).
func Equal(a, b Value) bool { return Compare(a, b) == 0 }
