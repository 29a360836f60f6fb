package bench

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"riffle/exec/runtime"
)

const usage = `Usage: riffle bench nexmark [flags]

Runs Nexmark queries, each in a fresh riffle in this process with its own data
directory, over events the nexmark connector generates (or, with --kafka, that
are first written to Kafka and read back), into 'blackhole' sink tables, and
prints for each query: events/s, events/s per core (CPU time), the p50/p99
latency of its output, peak RSS and state size. docs/performance.md defines
each figure.

Flags:
`

// Main is `riffle bench`; args follow the word "bench".
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	if len(args) == 0 || args[0] != "nexmark" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 || strings.HasPrefix(args[0], "-") {
			return 2, errors.New("bench what? the one benchmark is nexmark: riffle bench nexmark")
		}
		return 2, fmt.Errorf("unknown benchmark %q: the one benchmark is nexmark", args[0])
	}
	fs := flag.NewFlagSet("riffle bench nexmark", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	var (
		o       Options
		queries string
		brokers string
		asJSON  bool
		pars    string
	)
	fs.StringVar(&o.Dir, "nexmark-dir", defaultDir(), "the Nexmark folder (queries/, flink-ddl/)")
	fs.StringVar(&queries, "queries", "", "queries to run, e.g. q0,q5,q8 (default: q0–q22 but "+strings.Join(sortedUnsupported(), ", ")+", which riffle cannot run)")
	fs.Int64Var(&o.Events, "events", 1_000_000, "events in the source table ('events.num')")
	fs.Int64Var(&o.TPS, "tps", 10_000_000, "the generator's event rate ('first-event.rate'): event-time spacing, not pacing")
	fs.BoolVar(&o.Kafka, "kafka", false, "write the events to a Kafka topic first, and run the queries over a 'kafka' table")
	fs.StringVar(&brokers, "brokers", "", "external Kafka brokers, comma-separated (default: each riffle's embedded broker)")
	fs.IntVar(&o.Partitions, "partitions", 1, "partitions of the topics riffle creates")
	fs.StringVar(&pars, "parallelism", "", "parallelisms to run each query at, e.g. 1,2 (default: the server's, the number of cores)")
	fs.IntVar(&o.MiniBatch, "mini-batch", 0, fmt.Sprintf("the most events a query reads per round, 'table.exec.mini-batch.size' (default: the server's, %d)", runtime.DefaultBatch))
	fs.StringVar(&o.WorkDir, "work-dir", "", "where each query's data directory goes (default: the temporary directory)")
	fs.BoolVar(&o.Keep, "keep", false, "keep each query's data directory")
	fs.DurationVar(&o.Timeout, "timeout", 30*time.Minute, "longest a query may run")
	fs.BoolVar(&asJSON, "json", false, "print the figures as JSON")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of each query's run to `file` (with several queries, file.qN)")
	fs.StringVar(&o.MemProfile, "memprofile", "", "write a heap profile at each query's end to `file` (with several queries, file.qN)")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, nil
		}
		return 2, nil
	}
	if fs.NArg() > 0 {
		return 2, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for _, q := range strings.Split(queries, ",") {
		if q = strings.ToLower(strings.TrimSpace(q)); q != "" {
			o.Queries = append(o.Queries, q)
		}
	}
	if brokers != "" {
		o.Brokers = strings.Split(brokers, ",")
		o.Kafka = true
	}
	for _, p := range strings.Split(pars, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return 2, fmt.Errorf("--parallelism: %q is not a number of tasks", p)
		}
		o.Parallelism = append(o.Parallelism, n)
	}
	o.Progress = stderr
	r, err := Run(ctx, o)
	if err != nil {
		return 1, err
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return 1, err
		}
	} else {
		printTable(stdout, r)
	}
	for _, res := range r.Results {
		if res.Error != "" {
			return 1, fmt.Errorf("%s failed: %s", res.Query, res.Error)
		}
	}
	return 0, nil
}

// defaultDir is ../shared/nexmark from the repository root, looked for
// from the working directory upwards.
func defaultDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return filepath.Join("..", "shared", "nexmark")
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "nexmark")
		}
		if filepath.Dir(dir) == dir {
			return filepath.Join("..", "shared", "nexmark")
		}
	}
}

func sortedUnsupported() []string {
	var out []string
	for i := 0; i <= 22; i++ {
		if q := fmt.Sprintf("q%d", i); Unsupported[q] != "" {
			out = append(out, q)
		}
	}
	return out
}

func printTable(w io.Writer, r *Report) {
	batch := fmt.Sprintf("rounds of at most %d events", runtime.DefaultBatch)
	if r.MiniBatch > 0 {
		batch = fmt.Sprintf("mini-batch %d", r.MiniBatch)
	}
	fmt.Fprintf(w, "Nexmark over %d events (%s, first-event.rate %d, %s), %d CPUs (GOMAXPROCS %d) %s, load average %s\n\n",
		r.Events, r.Source, r.TPS, batch, r.CPUs, r.GOMAXPROCS, r.CPUModel, r.LoadAvg)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "query\tparallelism\tevents/s\tscaling\tevents/s/core\tp50 ms\tp99 ms\tpeak RSS MiB\tstate MiB\toutput rows\tseconds\t")
	first := map[string]Result{} // each query's first run, the base of its scaling
	for _, res := range r.Results {
		if res.Error != "" {
			fmt.Fprintf(tw, "%s\t%d\tfailed: %s\t\t\t\t\t\t\t\t\t\n", res.Query, res.Parallelism, res.Error)
			continue
		}
		base, ok := first[res.Query]
		if !ok {
			base, first[res.Query] = res, res
		}
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.2fx\t%.0f\t%.2f\t%.2f\t%.1f\t%.1f\t%d\t%.2f\t\n", res.Query, res.Parallelism,
			res.EventsPerSecond, res.EventsPerSecond/base.EventsPerSecond, res.EventsPerCoreSecond,
			res.LatencyP50ms, res.LatencyP99ms, mib(res.PeakRSSBytes), mib(res.StateBytes), res.OutputRows, res.Seconds)
	}
	tw.Flush()
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
