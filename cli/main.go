// Command riffle is the streaming SQL engine's one binary.
//
//	riffle           start everything in one process, and a shell when run in a terminal
//	riffle server    the same, without the shell
//	riffle shell     connect a shell to a running riffle
//	riffle check DIR / test DIR / apply DIR   a pipeline kept as .sql files
//	riffle bench     run a benchmark (riffle bench nexmark; see cli/bench)
//
// Run `riffle --help` for the flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"riffle/cli/bench"
	"riffle/server/node"
	"riffle/server/pgwire"

	"golang.org/x/term"
)

const usage = `riffle: streaming SQL over Kafka topics, served over the Postgres protocol.

Usage:
  riffle [flags]          start riffle with a shell (when stdin is a terminal)
  riffle server [flags]   start riffle without a shell
  riffle shell [flags]    connect a shell to a running riffle (riffle shell --help)
  riffle check DIR        bind and plan a pipeline directory's .sql files, no server needed
  riffle test DIR         run a pipeline's tests (DIR/tests/*.test) on an in-process riffle
  riffle apply DIR        deploy a pipeline directory to a running riffle (--dry-run, --prune)
  riffle bench nexmark    run the Nexmark queries and report their speed
                          (riffle bench nexmark --help for its flags)

With no flags riffle runs everything in one process: an embedded Kafka broker
(any Kafka client can produce to it), an embedded schema registry, its state
under the data directory, and the Postgres gateway on localhost.

Flags (each also read from the environment variable in brackets):
`

// config is every setting, from flags and environment.
type config struct {
	dataDir, listen, kafka, kafkaListen, registry, registryListen, logLevel, metricsListen string
	partitions                                                                             int
	noAutoCreate                                                                           bool

	tlsCert, tlsKey, users, auth string
	maxConnections, parallelism  int
	idleSession, idleInTxn       time.Duration
	epochInterval                time.Duration
}

func main() {
	code, err := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "riffle:", err)
	}
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	cmd := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	if cmd == "shell" {
		// The shell has psql's flags (-h, -p, -U, -d …), not the server's.
		return shellCommand(ctx, args, stdin, stdout, stderr)
	}
	if isPipelineCommand(cmd) {
		return runPipeline(ctx, cmd, args, stdout, stderr)
	}
	if cmd == "bench" {
		return bench.Main(ctx, args, stdout, stderr)
	}
	var c config
	fs := flags(&c, stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, nil
		}
		return 2, nil
	}
	switch cmd {
	case "":
		return serve(ctx, c, isTerminal(stdin), stdin, stdout, stderr)
	case "server":
		return serve(ctx, c, false, stdin, stdout, stderr)
	}
	fs.Usage()
	return 2, fmt.Errorf("unknown command %q", cmd)
}

func flags(c *config, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("riffle", flag.ContinueOnError)
	fs.SetOutput(stderr)
	str := func(p *string, name, env, def, help string) {
		if v, ok := os.LookupEnv(env); ok {
			def = v
		}
		fs.StringVar(p, name, def, help+" ["+env+"]")
	}
	str(&c.dataDir, "data-dir", "RIFFLE_DATA_DIR", "riffle-data", "directory for riffle's state and the embedded broker's log")
	str(&c.listen, "listen", "RIFFLE_LISTEN", "127.0.0.1:6543", "address of the Postgres gateway (and the server that riffle shell connects to)")
	str(&c.kafka, "kafka", "RIFFLE_KAFKA", "", "comma-separated bootstrap brokers of an external Kafka cluster; empty runs the embedded broker")
	str(&c.kafkaListen, "kafka-listen", "RIFFLE_KAFKA_LISTEN", "127.0.0.1:9092", "address of the embedded Kafka broker")
	str(&c.registry, "registry", "RIFFLE_REGISTRY", "", "URL of an external schema registry; empty runs the embedded one")
	str(&c.registryListen, "registry-listen", "RIFFLE_REGISTRY_LISTEN", "127.0.0.1:8081", "address of the embedded schema registry")
	str(&c.metricsListen, "metrics-listen", "RIFFLE_METRICS_LISTEN", "", "address to serve the queries' metrics on, in the Prometheus text format at /metrics; empty: none")
	str(&c.logLevel, "log-level", "RIFFLE_LOG_LEVEL", "warn", "debug, info, warn or error")
	parts := 1
	if v, err := strconv.Atoi(os.Getenv("RIFFLE_PARTITIONS")); err == nil {
		parts = v
	}
	fs.IntVar(&c.partitions, "partitions", parts, "partitions of the topics riffle creates [RIFFLE_PARTITIONS]")
	_, noAuto := os.LookupEnv("RIFFLE_NO_AUTO_CREATE_TOPICS")
	fs.BoolVar(&c.noAutoCreate, "no-auto-create-topics", noAuto, "fail CREATE TABLE when its topic is missing [RIFFLE_NO_AUTO_CREATE_TOPICS]")
	str(&c.tlsCert, "tls-cert", "RIFFLE_TLS_CERT", "", "PEM certificate of the Postgres gateway; with --tls-key, clients can connect with TLS (sslmode=require)")
	str(&c.tlsKey, "tls-key", "RIFFLE_TLS_KEY", "", "PEM private key of --tls-cert")
	str(&c.users, "users", "RIFFLE_USERS", "", "file of name:password lines (or name:SCRAM-SHA-256$… verifiers); clients must then log in as one of them. Empty: every client is trusted")
	str(&c.auth, "auth", "RIFFLE_AUTH", "scram-sha-256", "how --users log in: scram-sha-256, or password (clear text, accepted over TLS only; clients in the clear still use SCRAM)")
	intFlag(fs, &c.maxConnections, "max-connections", "RIFFLE_MAX_CONNECTIONS", 0, "most Postgres sessions at once; more get FATAL 53300 (0: no limit)")
	durFlag(fs, &c.idleSession, "idle-session-timeout", "RIFFLE_IDLE_SESSION_TIMEOUT", "close sessions idle this long outside a transaction block, e.g. 30m (0: never)")
	durFlag(fs, &c.idleInTxn, "idle-in-transaction-timeout", "RIFFLE_IDLE_IN_TRANSACTION_TIMEOUT", "close sessions idle this long inside a transaction block (0: never)")
	intFlag(fs, &c.parallelism, "parallelism", "RIFFLE_PARALLELISM", 0, "tasks that run a new continuous query unless its session sets 'parallelism.default' (0: the number of cores, at most its sources' partitions)")
	durFlag(fs, &c.epochInterval, "epoch-interval", "RIFFLE_EPOCH_INTERVAL", "how long the Kafka transaction of an exactly-once query lasts before it commits (0: 1s)")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	return fs
}

func intFlag(fs *flag.FlagSet, p *int, name, env string, def int, help string) {
	if v, err := strconv.Atoi(os.Getenv(env)); err == nil {
		def = v
	}
	fs.IntVar(p, name, def, help+" ["+env+"]")
}

func durFlag(fs *flag.FlagSet, p *time.Duration, name, env, help string) {
	var def time.Duration
	if v, err := time.ParseDuration(os.Getenv(env)); err == nil {
		def = v
	}
	fs.DurationVar(p, name, def, help+" ["+env+"]")
}

// serve runs a node until SIGINT/SIGTERM, or until the shell exits when one
// is attached.
func serve(ctx context.Context, c config, withShell bool, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return 2, fmt.Errorf("bad --log-level %q", c.logLevel)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	opts := node.Options{
		DataDir: c.dataDir, Listen: c.listen, KafkaListen: c.kafkaListen, Registry: c.registry,
		RegistryListen: c.registryListen, Partitions: c.partitions, NoAutoCreateTopics: c.noAutoCreate, Log: log,
		MetricsListen: c.metricsListen, TLSCert: c.tlsCert, TLSKey: c.tlsKey, Auth: pgwire.AuthMethod(c.auth),
		MaxConnections: c.maxConnections, IdleSessionTimeout: c.idleSession, IdleInTransactionTimeout: c.idleInTxn,
		EpochInterval: c.epochInterval, Parallelism: c.parallelism,
	}
	if c.users != "" {
		f, err := os.Open(c.users)
		if err != nil {
			return 2, fmt.Errorf("--users: %w", err)
		}
		opts.Users, err = pgwire.ParseUsers(f)
		f.Close()
		if err != nil {
			return 2, fmt.Errorf("--users %s: %w", c.users, err)
		}
	}
	if c.kafka != "" {
		opts.Kafka = strings.Split(c.kafka, ",")
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	n, err := node.Start(ctx, opts)
	if err != nil {
		return 1, err
	}
	defer n.Close()
	printBanner(stderr, c, n)
	if withShell {
		stop() // the shell handles Ctrl-C itself: it cancels the running statement
		return embeddedShell(n.Addr(), stdin, stdout, stderr)
	}
	select {
	case <-ctx.Done():
		fmt.Fprintln(stderr, "riffle: stopping; queries resume from their last commit at the next start")
	case err := <-n.Served():
		return 1, err
	}
	return 0, nil
}

func printBanner(w io.Writer, c config, n *node.Node) {
	host, port, _ := net.SplitHostPort(n.Addr())
	abs, _ := filepath.Abs(c.dataDir)
	fmt.Fprintf(w, "riffle is running.\n")
	fmt.Fprintf(w, "  connect:   psql -h %s -p %s -U riffle riffle\n", host, port)
	fmt.Fprintf(w, "  kafka:     %s\n", strings.Join(n.KafkaBrokers(), ","))
	fmt.Fprintf(w, "  registry:  %s\n", n.RegistryURL())
	if m := n.MetricsAddr(); m != "" {
		fmt.Fprintf(w, "  metrics:   http://%s/metrics\n", m)
	}
	fmt.Fprintf(w, "  data:      %s\n", abs)
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
