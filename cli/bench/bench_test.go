package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// nexmarkDir is the Nexmark folder beside the checkout; the tests that
// run queries skip without it.
func nexmarkDir(t *testing.T) string {
	dir := filepath.Join("..", "..", "..", "shared", "nexmark")
	if err := checkDir(dir); err != nil {
		t.Skipf("the Nexmark material is absent (%v)", err)
	}
	return dir
}

// bench runs `riffle bench nexmark` with args and decodes its JSON.
func bench(t *testing.T, args ...string) *Report {
	t.Helper()
	var out, errOut bytes.Buffer
	code, err := Main(context.Background(), append([]string{"nexmark", "--json", "--work-dir", t.TempDir()}, args...), &out, &errOut)
	if err != nil || code != 0 {
		t.Fatalf("riffle bench nexmark %s: exit %d, %v\n%s", strings.Join(args, " "), code, err, errOut.String())
	}
	var r Report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("the output is not the report's JSON: %v\n%s", err, out.String())
	}
	return &r
}

// checkSane checks every figure of a result is there and plausible; it
// never judges speed.
func checkSane(t *testing.T, res Result, events int64) {
	t.Helper()
	if res.Error != "" {
		t.Fatalf("%s: %s", res.Query, res.Error)
	}
	if res.Events != events || res.Seconds <= 0 || res.CPUSeconds <= 0 || res.EventsPerSecond <= 0 || res.EventsPerCoreSecond <= 0 {
		t.Errorf("%s: events %d in %gs (%g CPU s): %g events/s, %g per core", res.Query, res.Events, res.Seconds, res.CPUSeconds,
			res.EventsPerSecond, res.EventsPerCoreSecond)
	}
	if d := res.EventsPerSecond*res.Seconds - float64(events); d > 1 || d < -1 {
		t.Errorf("%s: %g events/s over %gs is not %d events", res.Query, res.EventsPerSecond, res.Seconds, events)
	}
	if res.OutputRows <= 0 {
		t.Errorf("%s: no output rows reached the blackhole", res.Query)
	}
	if !(0 < res.LatencyP50ms && res.LatencyP50ms <= res.LatencyP99ms && res.LatencyP99ms <= res.LatencyMaxms &&
		res.LatencyMaxms <= res.Seconds*1000) {
		t.Errorf("%s: latency p50 %g ms, p99 %g ms, max %g ms over a %g s run", res.Query, res.LatencyP50ms, res.LatencyP99ms,
			res.LatencyMaxms, res.Seconds)
	}
	if res.PeakRSSBytes < 1<<20 || res.StateBytes <= 0 {
		t.Errorf("%s: peak RSS %d bytes, state %d bytes", res.Query, res.PeakRSSBytes, res.StateBytes)
	}
}

// TestBenchGenerated runs a stateless query, a join and a window query
// over 5,000 generated events, and checks the JSON report: its fields, and
// q0's output being exactly the bids (46 of every 50 events).
func TestBenchGenerated(t *testing.T) {
	dir := nexmarkDir(t)
	r := bench(t, "--nexmark-dir", dir, "--events", "5000", "--tps", "1000", "--queries", "q0,q3,q7")
	if r.Source != "generator" || r.Events != 5000 || r.TPS != 1000 || r.CPUs <= 0 || r.GoVersion == "" || len(r.Results) != 3 {
		t.Fatalf("report: %+v", r)
	}
	for i, q := range []string{"q0", "q3", "q7"} {
		if r.Results[i].Query != q {
			t.Fatalf("result %d is %s, want %s", i, r.Results[i].Query, q)
		}
		checkSane(t, r.Results[i], 5000)
	}
	if got := r.Results[0].OutputRows; got != 5000*46/50 {
		t.Errorf("q0 wrote %d rows, want the %d bids", got, 5000*46/50)
	}
}

// TestBenchParallelism runs a stateless query and a window join at
// parallelism 1 and 2: each run reports its parallelism, and the stateless
// query writes the same rows at both. (q5's changes include the
// retractions of a join whose maximum grows, and how many there are
// depends on the order in which windows fire: the node tests compare
// parallel results, server/node/parallel_test.go.)
func TestBenchParallelism(t *testing.T) {
	dir := nexmarkDir(t)
	r := bench(t, "--nexmark-dir", dir, "--events", "5000", "--tps", "1000", "--queries", "q0,q5", "--parallelism", "1,2")
	if len(r.Results) != 4 {
		t.Fatalf("report: %+v", r)
	}
	for i, want := range []struct {
		q   string
		par int
	}{{"q0", 1}, {"q0", 2}, {"q5", 1}, {"q5", 2}} {
		res := r.Results[i]
		if res.Query != want.q || res.Parallelism != want.par {
			t.Fatalf("result %d is %s at parallelism %d, want %s at %d", i, res.Query, res.Parallelism, want.q, want.par)
		}
		checkSane(t, res, 5000)
	}
	if one, two := r.Results[0].OutputRows, r.Results[1].OutputRows; one != 5000*46/50 || two != one {
		t.Errorf("q0 wrote %d rows at parallelism 1 and %d at 2, want the %d bids", one, two, 5000*46/50)
	}
}

// TestBenchProfiles: --cpuprofile and --memprofile write one profile of
// each kind per query, named after it, in pprof's format (gzipped).
func TestBenchProfiles(t *testing.T) {
	dir := nexmarkDir(t)
	out := t.TempDir()
	bench(t, "--nexmark-dir", dir, "--events", "2000", "--tps", "1000", "--queries", "q0,q4",
		"--cpuprofile", filepath.Join(out, "cpu.pprof"), "--memprofile", filepath.Join(out, "mem.pprof"))
	for _, name := range []string{"cpu.q0.pprof", "cpu.q4.pprof", "mem.q0.pprof", "mem.q4.pprof"} {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatalf("no profile %s: %v", name, err)
		}
		if len(b) < 64 || b[0] != 0x1f || b[1] != 0x8b {
			t.Errorf("%s: %d bytes, not a gzipped pprof profile", name, len(b))
		}
	}
}

// TestBenchKafka fills the embedded broker's topic with 3,000 events
// (insert_kafka.sql) and runs q1 over the 'kafka' table of ddl_kafka.sql.
func TestBenchKafka(t *testing.T) {
	dir := nexmarkDir(t)
	r := bench(t, "--nexmark-dir", dir, "--events", "3000", "--tps", "1000", "--queries", "q1", "--kafka")
	if r.Source != "kafka" || len(r.Results) != 1 {
		t.Fatalf("report: %+v", r)
	}
	checkSane(t, r.Results[0], 3000)
	if got := r.Results[0].OutputRows; got != 3000*46/50 {
		t.Errorf("q1 over Kafka wrote %d rows, want the %d bids", got, 3000*46/50)
	}
}

// TestBenchErrors: a missing Nexmark folder, an unknown query and a bad
// command are clear errors, before anything runs.
func TestBenchErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nowhere")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"nexmark", "--nexmark-dir", missing}, "has no queries/"},
		{[]string{"tpch"}, `unknown benchmark "tpch"`},
		{[]string{"nexmark", "--parallelism", "1,none"}, `"none" is not a number of tasks`},
		{[]string{}, "the one benchmark is nexmark"},
	} {
		var out, errOut bytes.Buffer
		code, err := Main(context.Background(), c.args, &out, &errOut)
		if code == 0 || err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: exit %d, %v; want an error saying %q", c.args, code, err, c.want)
		}
	}
	dir := nexmarkDir(t)
	if _, err := Run(context.Background(), Options{Dir: dir, Queries: []string{"q99"}, Events: 10, TPS: 10}); err == nil ||
		!strings.Contains(err.Error(), "q99") {
		t.Errorf("an unknown query: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "queries", "q6.sql")); err == nil && Unsupported["q6"] == "" {
		t.Error("q6 is run by default, though riffle cannot run it")
	}
}

// TestProfileFile: each run of a bench writes its own profiles, named
// after its query and, with several parallelisms, its parallelism, so
// that no run overwrites another's.
func TestProfileFile(t *testing.T) {
	for _, c := range []struct {
		queries []string
		pars    []int
		par     int
		want    string
	}{
		{[]string{"q4"}, nil, 0, "cpu.pprof"},
		{[]string{"q4"}, []int{2}, 2, "cpu.pprof"},
		{[]string{"q0", "q4"}, nil, 0, "cpu.q4.pprof"},
		{[]string{"q4"}, []int{1, 2}, 2, "cpu.q4.p2.pprof"},
		{[]string{"q0", "q4"}, []int{1, 2}, 1, "cpu.q4.p1.pprof"},
	} {
		if got := profileFile(Options{Queries: c.queries, Parallelism: c.pars}, "cpu.pprof", "q4", c.par); got != c.want {
			t.Errorf("queries %v at parallelisms %v: %s, want %s", c.queries, c.pars, got, c.want)
		}
	}
}
