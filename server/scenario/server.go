package scenario

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"riffle/server/node"
)

// server is one running riffle that a scenario talks to.
//
// Stop is called at most once; after it the server is gone and a new one
// is started over the same data directory. crash asks for a stop without
// any clean shutdown; a server that cannot crash (the in-process one) stops
// cleanly instead.
type server interface {
	// Addr is the Postgres gateway's host:port.
	Addr() string
	// Brokers are the Kafka bootstrap addresses of its (embedded) broker.
	Brokers() []string
	Stop(crash bool) error
}

// startTimeout bounds how long a riffle may take to come up.
const startTimeout = 30 * time.Second

// inProcess is a node.Node started in the test's own process.
type inProcess struct{ n *node.Node }

var _ server = (*inProcess)(nil)

func startInProcess(ctx context.Context, dir string) (server, error) {
	n, err := node.Start(ctx, node.Options{
		DataDir: dir, Listen: "127.0.0.1:0", KafkaListen: "127.0.0.1:0", RegistryListen: "127.0.0.1:0",
	})
	if err != nil {
		return nil, err
	}
	return &inProcess{n: n}, nil
}

func (s *inProcess) Addr() string      { return s.n.Addr() }
func (s *inProcess) Brokers() []string { return s.n.KafkaBrokers() }

// Stop closes the node; an in-process node cannot be crashed (its goroutines
// and files belong to the test process), so crash stops it cleanly.
func (s *inProcess) Stop(bool) error { return s.n.Close() }

// process is the riffle binary running as a child process, so that a crash
// can be a real SIGKILL: nothing of riffle's runs after it, and only what
// reached the operating system survives.
type process struct {
	cmd     *exec.Cmd
	addr    string
	brokers []string
	exited  chan struct{}
	mu      sync.Mutex
	stderr  bytes.Buffer
}

var _ server = (*process)(nil)

// startProcess runs `riffle server` on free ports over dir and waits until
// its gateway accepts connections. A port found free can be taken by a
// parallel test before riffle binds it; then riffle is started again on
// other ports.
func startProcess(ctx context.Context, binary, dir string) (server, error) {
	for attempt := 1; ; attempt++ {
		s, err := startProcessOnce(ctx, binary, dir)
		if err == nil || attempt == 3 || !strings.Contains(err.Error(), "address already in use") {
			return s, err
		}
	}
}

func startProcessOnce(ctx context.Context, binary, dir string) (server, error) {
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	p := &process{addr: ports[0], brokers: []string{ports[1]}, exited: make(chan struct{})}
	p.cmd = exec.Command(binary, "server", "--data-dir", dir, "--listen", ports[0],
		"--kafka-listen", ports[1], "--registry-listen", ports[2], "--log-level", "warn")
	p.cmd.Stderr = lockedWriter{&p.mu, &p.stderr}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", binary, err)
	}
	go func() { p.cmd.Wait(); close(p.exited) }()
	if err := p.waitReady(ctx); err != nil {
		p.cmd.Process.Kill()
		<-p.exited
		return nil, fmt.Errorf("%w; riffle's stderr:\n%s", err, p.log())
	}
	return p, nil
}

func (p *process) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	for {
		c, err := pgx.Connect(ctx, connString(p.addr))
		if err == nil {
			return c.Close(ctx)
		}
		select {
		case <-p.exited:
			return fmt.Errorf("riffle exited before accepting connections: %v", p.cmd.ProcessState)
		case <-ctx.Done():
			return fmt.Errorf("riffle did not accept connections on %s within %s: %w", p.addr, startTimeout, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (p *process) Addr() string      { return p.addr }
func (p *process) Brokers() []string { return p.brokers }

// Stop sends SIGKILL for a crash, else SIGTERM (riffle then stops its
// queries at their last commit) and waits for the process to exit.
func (p *process) Stop(crash bool) error {
	sig := syscall.SIGTERM
	if crash {
		sig = syscall.SIGKILL
	}
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	select {
	case <-p.exited:
	case <-time.After(startTimeout):
		p.cmd.Process.Kill()
		<-p.exited
		return fmt.Errorf("riffle did not stop within %s after %s; stderr:\n%s", startTimeout, sig, p.log())
	}
	if !crash && !p.cmd.ProcessState.Success() {
		return fmt.Errorf("riffle exited with %v; stderr:\n%s", p.cmd.ProcessState, p.log())
	}
	return nil
}

func (p *process) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(b)
}

// freePorts returns n loopback addresses whose ports were free a moment
// ago. They are held open together so that the n differ.
func freePorts(n int) ([]string, error) {
	var addrs []string
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer ln.Close()
		addrs = append(addrs, ln.Addr().String())
	}
	return addrs, nil
}

func connString(addr string) string {
	return "postgres://riffle@" + addr + "/riffle?sslmode=disable"
}
