package catalog

import (
	"sort"
	"strings"
	"sync"
)

// MemStore is a Store in memory, for tests and tools that need a catalog
// without durability. The engine persists the catalog in its Pebble store.
type MemStore struct {
	mu sync.Mutex
	m  map[string][]byte
}

var _ Store = (*MemStore)(nil)

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{m: map[string][]byte{}} }

func (s *MemStore) GetMeta(k string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[k]
	return v, ok, nil
}

func (s *MemStore) PutMeta(k string, v []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[k] = append([]byte(nil), v...)
	return nil
}

func (s *MemStore) DeleteMeta(k string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, k)
	return nil
}

// ScanMeta calls fn for every key with the prefix, in key order, on a copy
// taken when it starts, so fn may change the store.
func (s *MemStore) ScanMeta(prefix string, fn func(string, []byte) error) error {
	s.mu.Lock()
	var keys []string
	vals := map[string][]byte{}
	for k, v := range s.m {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
			vals[k] = v
		}
	}
	s.mu.Unlock()
	sort.Strings(keys)
	for _, k := range keys {
		if err := fn(k, vals[k]); err != nil {
			return err
		}
	}
	return nil
}
