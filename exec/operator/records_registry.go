package operator

import (
	"errors"
	"fmt"
	neturl "net/url"
	"strings"
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

// redact is url without its password, for messages.
func redact(url string) string {
	if u, err := neturl.Parse(url); err == nil {
		return u.Redacted()
	}
	return "the registry"
}

// WithUserInfo is url with the credentials user:password, as a table's
// 'avro-confluent.basic-auth.user-info' gives them (Flink's option).
func WithUserInfo(url, userInfo string) string {
	u, err := neturl.Parse(url)
	if err != nil || userInfo == "" {
		return url
	}
	user, pass, _ := strings.Cut(userInfo, ":")
	u.User = neturl.UserPassword(user, pass)
	return u.String()
}

// For returns the registry at url, or the default one for "". Credentials
// in the URL (http://user:password@host) authenticate with HTTP basic
// authentication. A nil
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
	opts := []sr.ClientOpt{sr.URLs(url)}
	if u, err := neturl.Parse(url); err == nil && u.User != nil {
		// http://user:password@registry:8081: HTTP basic authentication,
		// as Confluent Cloud's registry needs; the URL the client calls
		// carries no credentials.
		pass, _ := u.User.Password()
		opts = append(opts, sr.BasicAuth(u.User.Username(), pass))
		u.User = nil
		opts[0] = sr.URLs(u.String())
	}
	cl, err := sr.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("schema registry client for %s: %w", redact(url), err)
	}
	reg := format.NewSRRegistry(cl)
	r.byURL[url] = reg
	return reg, nil
}
