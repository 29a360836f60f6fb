package operator

import (
	"encoding/binary"
	"testing"
)

// TestKeyFilter checks the filter's one promise, that a key added is
// never reported absent, and that it reports most absent keys absent:
// without the second it would cost every read it is meant to save.
func TestKeyFilter(t *testing.T) {
	const n = 100_000
	f := newKeyFilter(n)
	key := func(i int) []byte { return binary.BigEndian.AppendUint64([]byte("k"), uint64(i)) }
	for i := range n {
		f.add(key(i))
	}
	for i := range n {
		if !f.mayHave(key(i)) {
			t.Fatalf("key %d was added but is reported absent", i)
		}
	}
	falsePos := 0
	for i := n; i < 2*n; i++ {
		if f.mayHave(key(i)) {
			falsePos++
		}
	}
	// At 16 bits a key a split-block filter answers about 0.3% of absent
	// keys with "may be present"; 1% leaves room for the seed's luck.
	if falsePos > n/100 {
		t.Errorf("%d of %d absent keys reported present", falsePos, n)
	}
	if f.full() {
		t.Errorf("a filter sized for %d keys is full after %d", n, n)
	}
	f.add(key(n))
	if !f.full() {
		t.Errorf("a filter sized for %d keys is not full after %d", n, n+1)
	}
	var none *keyFilter
	if !none.mayHave(key(0)) {
		t.Error("no filter reported a key absent")
	}
	defer SetKeyFilters(2, 10)()
	if g := newKeyFilter(16); !g.off || !g.mayHave(key(0)) {
		t.Error("a filter grown past maxFilterKeys still filters")
	}
}
