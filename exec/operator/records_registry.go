package operator

import (
	"errors"
	"fmt"
	"sync"

	"github.com/twmb/franz-go/pkg/sr"

	"riffle/connectors/format"
)

// Registries gives the avro-confluent codecs of tables their schema
// registry: the one at a table's 'avro-confluent.url', or, for a table that
// names none, the registry riffle was started with (its embedded one by
// default). It keeps one client per URL, shared by every codec that uses it
// (sr.Client is safe for concurrent use). It is safe for concurrent use.
//
// An engine owns one, so that two riffles in one process (tests) never
// share a default registry.
type Registries struct {
	def   string
	mu    sync.Mutex
	byURL map[string]format.Registry
}

// NewRegistries returns the registries of an engine whose own registry is
// at defaultURL ("" for none: then a table must name its registry).
func NewRegistries(defaultURL string) *Registries {
	return &Registries{def: defaultURL, byURL: map[string]format.Registry{}}
}

// anyRegistries serves codecs built without an engine's Registries (nil):
// tables that name their registry URL work; the others are refused.
var anyRegistries = NewRegistries("")

// errNoRegistry is the error of a table that names no registry when the
// codec was given none.
var errNoRegistry = errors.New("the table names no schema registry ('avro-confluent.url') and this reader has no default one")

// For returns the registry at url, or the default one for "". A nil
// *Registries has no default and shares the clients of every other nil.
func (r *Registries) For(url string) (format.Registry, error) {
	if r == nil {
		r = anyRegistries
	}
	if url == "" {
		url = r.def
	}
	if url == "" {
		return nil, errNoRegistry
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if reg, ok := r.byURL[url]; ok {
		return reg, nil
	}
	cl, err := sr.NewClient(sr.URLs(url))
	if err != nil {
		return nil, fmt.Errorf("schema registry client for %s: %w", url, err)
	}
	reg := format.NewSRRegistry(cl)
	r.byURL[url] = reg
	return reg, nil
}
