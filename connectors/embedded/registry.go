package embedded

import (
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/twmb/franz-go/pkg/sr/srfake"
)

// Registry is a running embedded schema registry.
type Registry struct {
	reg  *srfake.Registry
	srv  *http.Server
	ln   net.Listener
	done chan struct{}
}

// StartRegistry serves an in-memory Confluent-compatible schema registry on
// addr ("127.0.0.1:8081"; port 0 picks a free port, see URL).
//
// srfake.New would start its own httptest server on a random port; we build
// the registry with srfake.NewRegistry instead and serve its Handler on our
// listener so that the address is the one the user configured.
func StartRegistry(addr string) (*Registry, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("embedded schema registry: listen on %s: %w", addr, err)
	}
	reg := srfake.NewRegistry()
	r := &Registry{
		reg:  reg,
		srv:  &http.Server{Handler: reg.Handler(), ReadHeaderTimeout: 10 * time.Second},
		ln:   ln,
		done: make(chan struct{}),
	}
	go func() {
		defer close(r.done)
		// Serve returns ErrServerClosed after Close; any other error means
		// the listener failed, which clients then see as refused requests.
		_ = r.srv.Serve(ln)
	}()
	return r, nil
}

// URL returns the registry's base URL, e.g. "http://127.0.0.1:8081".
func (r *Registry) URL() string { return "http://" + r.ln.Addr().String() }

// Close stops serving and waits for the server goroutine to exit. Schemas
// held by the registry are discarded.
func (r *Registry) Close() {
	_ = r.srv.Close()
	<-r.done
}
