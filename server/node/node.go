package node

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"riffle/connectors/embedded"
	"riffle/exec/runtime"
	"riffle/server/engine"
	"riffle/server/pgwire"
)

// Options configure a node. Zero values choose the embedded defaults.
type Options struct {
	// DataDir holds everything riffle persists: state/ (Pebble) and, with
	// the embedded broker, kafka/.
	DataDir string
	// Listen is the gateway's address, e.g. "127.0.0.1:6543" (port 0: any).
	Listen string
	// Kafka lists external brokers; empty runs the embedded broker on
	// KafkaListen.
	Kafka       []string
	KafkaListen string
	// Registry is an external schema registry URL; empty runs the embedded
	// one on RegistryListen.
	Registry       string
	RegistryListen string
	// Partitions is the partition count of topics riffle creates.
	Partitions int
	// NoAutoCreateTopics makes CREATE TABLE fail when its topic is missing,
	// unless the table sets 'topic.auto-create' = 'true'.
	NoAutoCreateTopics bool
	// MetricsListen, when set, serves the queries' metrics in the
	// Prometheus text format at http://<address>/metrics.
	MetricsListen string
	Log           *slog.Logger

	// TLSCert and TLSKey are PEM files of the gateway's certificate and
	// key; with both set, clients that ask for TLS (sslmode=require) get
	// it. Empty: the gateway declines TLS.
	TLSCert, TLSKey string
	// Users maps user names to passwords or SCRAM-SHA-256 verifiers (see
	// pgwire.ParseUsers). Empty trusts every client; set, clients must
	// authenticate (SCRAM-SHA-256, or per Auth).
	Users map[string]string
	// Auth is pgwire.AuthSCRAM (default) or pgwire.AuthPassword (clear
	// text, over TLS only).
	Auth pgwire.AuthMethod
	// MaxConnections bounds the gateway's sessions (0: no limit).
	MaxConnections int
	// IdleSessionTimeout and IdleInTransactionTimeout close sessions idle
	// that long outside and inside a transaction block (0: never).
	IdleSessionTimeout, IdleInTransactionTimeout time.Duration
	// EpochInterval is how long the epochs (Kafka transactions) of
	// exactly-once queries last (0: the runtime's default, a second).
	EpochInterval time.Duration
	// Parallelism is how many tasks run a new continuous query whose
	// session does not SET 'parallelism.default' (0: the number of cores).
	Parallelism int
	// QueryStarted is told of every continuous query as it starts (see
	// engine.Config): an in-process benchmark's view of its queries.
	QueryStarted func(id string, q *runtime.Query)
}

// Node is a running riffle.
type Node struct {
	Engine   *engine.Engine
	gateway  *pgwire.Server
	listener net.Listener
	broker   *embedded.Broker
	registry *embedded.Registry
	metrics  *http.Server
	metricsL net.Listener
	kafka    []string
	regURL   string
	served   chan error
}

// Start brings up a node: broker and registry (unless external), engine,
// then the gateway.
func Start(ctx context.Context, o Options) (*Node, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(o.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	n := &Node{kafka: o.Kafka, regURL: o.Registry, served: make(chan error, 1)}
	if err := n.start(ctx, o); err != nil {
		n.Close()
		return nil, err
	}
	return n, nil
}

func (n *Node) start(ctx context.Context, o Options) (err error) {
	if len(n.kafka) == 0 {
		if n.broker, err = embedded.StartBroker(filepath.Join(o.DataDir, "kafka"), o.KafkaListen, max(o.Partitions, 1)); err != nil {
			return fmt.Errorf("start embedded Kafka broker on %s: %w", o.KafkaListen, err)
		}
		n.kafka = []string{n.broker.Addr()}
	}
	if n.regURL == "" {
		if n.registry, err = embedded.StartRegistry(filepath.Join(o.DataDir, "registry"), o.RegistryListen); err != nil {
			return fmt.Errorf("start embedded schema registry on %s: %w", o.RegistryListen, err)
		}
		n.regURL = n.registry.URL()
	}
	n.Engine, err = engine.Open(ctx, engine.Config{
		DataDir: filepath.Join(o.DataDir, "state"), Brokers: n.kafka, RegistryURL: n.regURL,
		Partitions: o.Partitions, AutoCreateTopics: !o.NoAutoCreateTopics, Log: o.Log,
		EpochInterval: o.EpochInterval, QueryStarted: o.QueryStarted, Parallelism: o.Parallelism,
	})
	if err != nil {
		return err
	}
	gw, err := gatewayOptions(o)
	if err != nil {
		return err
	}
	if n.listener, err = net.Listen("tcp", o.Listen); err != nil {
		return fmt.Errorf("listen for Postgres clients on %s: %w", o.Listen, err)
	}
	n.gateway = pgwire.New(n.Engine, gw)
	go func() { n.served <- n.gateway.Serve(n.listener) }()
	if o.MetricsListen != "" {
		if n.metricsL, err = net.Listen("tcp", o.MetricsListen); err != nil {
			return fmt.Errorf("listen for metrics on %s: %w", o.MetricsListen, err)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; version=0.0.4")
			if err := n.Engine.WriteMetrics(r.Context(), w); err != nil {
				o.Log.Warn("write metrics", "err", err)
			}
		})
		n.metrics = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go n.metrics.Serve(n.metricsL)
	}
	return nil
}

// gatewayOptions turns the node's options into the gateway's, loading the
// TLS certificate.
func gatewayOptions(o Options) (pgwire.Options, error) {
	gw := pgwire.Options{Logger: o.Log, Users: o.Users, Auth: o.Auth, MaxConnections: o.MaxConnections,
		IdleSessionTimeout: o.IdleSessionTimeout, IdleInTransactionTimeout: o.IdleInTransactionTimeout}
	switch o.Auth {
	case "", pgwire.AuthSCRAM, pgwire.AuthPassword:
	default:
		return gw, fmt.Errorf("unknown authentication method %q: want %s or %s", o.Auth, pgwire.AuthSCRAM, pgwire.AuthPassword)
	}
	if (o.TLSCert == "") != (o.TLSKey == "") {
		return gw, errors.New("TLS needs both a certificate and a key")
	}
	if o.TLSCert != "" {
		pair, err := tls.LoadX509KeyPair(o.TLSCert, o.TLSKey)
		if err != nil {
			return gw, fmt.Errorf("load TLS certificate: %w", err)
		}
		gw.TLS = &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	}
	return gw, nil
}

// MetricsAddr is the address metrics are served on ("" when they are not).
func (n *Node) MetricsAddr() string {
	if n.metricsL == nil {
		return ""
	}
	return n.metricsL.Addr().String()
}

// Addr is the gateway's address.
func (n *Node) Addr() string { return n.listener.Addr().String() }

// KafkaBrokers are the brokers riffle uses (the embedded one's address by
// default).
func (n *Node) KafkaBrokers() []string { return n.kafka }

// RegistryURL is the schema registry riffle uses.
func (n *Node) RegistryURL() string { return n.regURL }

// Served is closed with the gateway's error when it stops serving.
func (n *Node) Served() <-chan error { return n.served }

// Close stops the gateway, the engine (queries stop at their last commit),
// then the registry and broker.
func (n *Node) Close() error {
	var errs []error
	if n.metrics != nil {
		n.metrics.Close()
	}
	if n.gateway != nil {
		errs = append(errs, n.gateway.Close())
	} else if n.listener != nil {
		n.listener.Close()
	}
	if n.Engine != nil {
		errs = append(errs, n.Engine.Close())
	}
	if n.registry != nil {
		n.registry.Close()
	}
	if n.broker != nil {
		n.broker.Close()
	}
	return errors.Join(errs...)
}
