package embedded

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"
)

// Registry is a running embedded schema registry.
type Registry struct {
	reg  *srfake.Registry
	srv  *http.Server
	ln   net.Listener
	done chan struct{}

	mu  sync.Mutex
	log *os.File // registrations, one JSON object a line; nil: in memory only
}

// registration is one line of the log: a schema registered under a subject
// and the id the registry gave it.
type registration struct {
	Subject string    `json:"subject"`
	ID      int       `json:"id"`
	Schema  sr.Schema `json:"schema"`
}

// StartRegistry serves a Confluent-compatible schema registry on addr
// ("127.0.0.1:8081"; port 0 picks a free port, see URL). With dir set, the
// registrations it accepts are kept in dir/schemas.jsonl and replayed when
// it starts again, so that the ids in records written before a restart
// still name their schemas (srfake hands out ids in order, so the same
// registrations in the same order give the same ids; deletions and
// compatibility settings are not kept). With dir empty it forgets
// everything when it stops.
//
// srfake.New would start its own httptest server on a random port; we build
// the registry with srfake.NewRegistry instead and serve its Handler on our
// listener so that the address is the one the user configured.
func StartRegistry(dir, addr string) (*Registry, error) {
	r := &Registry{reg: srfake.NewRegistry(), done: make(chan struct{})}
	if dir != "" {
		if err := r.replay(dir); err != nil {
			return nil, fmt.Errorf("embedded schema registry: %w", err)
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		r.closeLog()
		return nil, fmt.Errorf("embedded schema registry: listen on %s: %w", addr, err)
	}
	r.ln = ln
	r.srv = &http.Server{Handler: http.HandlerFunc(r.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(r.done)
		// Serve returns ErrServerClosed after Close; any other error means
		// the listener failed, which clients then see as refused requests.
		_ = r.srv.Serve(ln)
	}()
	return r, nil
}

// replay registers the logged schemas again, in order, and opens the log
// for appending.
func (r *Registry) replay(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, "schemas.jsonl")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	good := int64(0) // the end of the last whole line: a torn last line is dropped
	for sc.Scan() {
		var reg registration
		if err := json.Unmarshal(sc.Bytes(), &reg); err != nil {
			break
		}
		id, _, err := r.reg.RegisterSchema(reg.Subject, reg.Schema)
		if err != nil || id != reg.ID {
			f.Close()
			return fmt.Errorf("replay %s: subject %q: got id %d (%v), the log says %d", path, reg.Subject, id, err, reg.ID)
		}
		good += int64(len(sc.Bytes())) + 1
	}
	if err := f.Truncate(good); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return err
	}
	r.log = f
	return nil
}

// serve passes every request to srfake and logs the registrations it
// accepts.
func (r *Registry) serve(w http.ResponseWriter, req *http.Request) {
	subject, ok := registrationPath(req)
	if r.log == nil || !ok {
		r.reg.Handler().ServeHTTP(w, req)
		return
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	rec := &recorder{ResponseWriter: w}
	// One registration at a time, so that the log's order is the order in
	// which srfake handed out ids.
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reg.Handler().ServeHTTP(rec, req)
	if rec.status != 0 && rec.status != http.StatusOK {
		return
	}
	var reg registration
	var resp struct {
		ID int `json:"id"`
	}
	if json.Unmarshal(body, &reg.Schema) != nil || json.Unmarshal(rec.body.Bytes(), &resp) != nil {
		return
	}
	reg.Subject, reg.ID = subject, resp.ID
	line, _ := json.Marshal(reg)
	// A registration that cannot be logged is still served: the registry
	// then forgets it at a restart, as it did before it had a log.
	if _, err := r.log.Write(append(line, '\n')); err == nil {
		_ = r.log.Sync()
	}
}

// registrationPath reports whether req registers a schema (POST
// /subjects/{subject}/versions), and under which subject.
func registrationPath(req *http.Request) (string, bool) {
	if req.Method != http.MethodPost {
		return "", false
	}
	rest, ok := strings.CutPrefix(req.URL.Path, "/subjects/")
	if !ok {
		return "", false
	}
	subject, ok := strings.CutSuffix(rest, "/versions")
	return subject, ok && subject != "" && !strings.Contains(subject, "/")
}

// recorder keeps a copy of a response's status and body.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *recorder) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

func (w *recorder) Write(b []byte) (int, error) {
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

// URL returns the registry's base URL, e.g. "http://127.0.0.1:8081".
func (r *Registry) URL() string { return "http://" + r.ln.Addr().String() }

// Close stops serving and waits for the server goroutine to exit. Without
// a directory, the schemas the registry holds are discarded.
func (r *Registry) Close() {
	_ = r.srv.Close()
	<-r.done
	r.closeLog()
}

func (r *Registry) closeLog() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.log != nil {
		_ = r.log.Close()
		r.log = nil
	}
}
