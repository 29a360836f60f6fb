package scenario

// Config is one way of running every scenario. All configurations must
// produce the same output for a file.
type Config struct {
	// Name names the configuration's subtest.
	Name string
	// Kafka produces input records straight to the table's topic with a
	// Kafka client, as JSON built from the tuple and the table's column
	// names, honouring key=, partition= and ts=. Otherwise records are
	// written with INSERT INTO t VALUES through the gateway, which ignores
	// those options and skips raw lines.
	Kafka bool
	// PerRecord writes each record of a step as its own step (FLUSH after
	// each); the changes consolidated over the original step are compared.
	PerRecord bool
	// Restart stops riffle after each step's input is written, before it is
	// flushed, and starts it again over the same data directory.
	Restart bool
	// Crash makes those stops (and `restart crash`) a SIGKILL. It needs
	// Binary: an in-process node cannot be killed.
	Crash bool
	// Binary runs the riffle binary at this path as a child process instead
	// of a node inside the test process.
	Binary string
	// Parallelism, when set, runs every query (the fresh copies the runner
	// compares with too) as that many tasks: SET 'parallelism.default' on
	// every connection. Scans of one-partition topics are then read by one
	// of the tasks, and keyed operators are spread over all of them.
	Parallelism int
}

// Configs are the configurations every scenario runs in, first the one
// whose output -rewrite writes. The crash configuration needs the riffle
// binary; with binary empty it is left out. The parallel and crash
// configurations run every query as two tasks (where its sources have
// fewer partitions, the keyed operators still run in two), so that every
// scenario also runs through exchanges, and restarts of them.
func Configs(binary string) []Config {
	cs := []Config{
		{Name: "insert"},
		{Name: "kafka", Kafka: true},
		{Name: "per-record", Kafka: true, PerRecord: true},
		{Name: "restart", Restart: true},
		{Name: "parallel", Parallelism: 2},
	}
	if binary != "" {
		cs = append(cs, Config{Name: "crash", Kafka: true, Restart: true, Crash: true, Binary: binary, Parallelism: 2})
	}
	return cs
}
