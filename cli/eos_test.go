package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"riffle/connectors/kafka"
)

// The exactly-once tests run riffle as a process against a Kafka broker
// (kfake, over TCP) hosted by the test itself, so that only riffle dies.
// Two queries read a stream of orders and a table of customers:
//
//	enriched:   the join of each order with its customer (append-only output)
//	per_region: orders joined with customers, counted and summed per region
//	            (an upsert table)
//
// Each test disturbs one riffle (kills it, or fails its requests to the
// broker) while a second riffle, never disturbed, runs the same queries over
// the same orders against a broker of its own. The committed outputs of the
// two, read with read_committed by a plain Kafka client, must be the same
// (compareRuns says how far a run determines them), and both must be what
// the queries compute, worked out in Go: the inputs are a pure function of
// the order number.

const customers = 1000

func orderOf(i int) (cid, amount int) { return i * 7919 % customers, i%997 + 1 }

func regionOf(cid int) string { return "r" + strconv.Itoa(cid%7) }

// eosBroker starts a one-broker kfake cluster listening on TCP, with the
// customers in their topic and an empty orders topic of 4 partitions.
func eosBroker(t *testing.T) (*kfake.Cluster, string) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DefaultNumPartitions(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	addr := c.ListenAddrs()[0]
	ctx := context.Background()
	kc, err := kafka.Connect(ctx, []string{addr})
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	for topic, parts := range map[string]int32{"customers": 1, "orders": 4} {
		if err := kc.CreateTopic(ctx, topic, parts); err != nil {
			t.Fatal(err)
		}
	}
	var recs []*kgo.Record
	for c := range customers {
		recs = append(recs, &kgo.Record{Topic: "customers", Value: fmt.Appendf(nil, `{"cid":%d,"region":%q}`, c, regionOf(c))})
	}
	produceAll(t, addr, recs)
	return c, addr
}

// produceOrders writes orders [from, to) to the orders topic, round-robin
// over its partitions, as fast as the broker takes them.
func produceOrders(t *testing.T, broker string, from, to int) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(broker), kgo.ProducerLinger(5*time.Millisecond),
		kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx := context.Background()
	var first error
	var mu sync.Mutex
	for i := from; i < to; i++ {
		cid, amount := orderOf(i)
		cl.Produce(ctx, &kgo.Record{Topic: "orders", Value: fmt.Appendf(nil, `{"oid":%d,"cid":%d,"amount":%d}`, i, cid, amount)},
			func(_ *kgo.Record, err error) {
				mu.Lock()
				defer mu.Unlock()
				if err != nil && first == nil {
					first = err
				}
			})
	}
	if err := cl.Flush(ctx); err != nil {
		return err
	}
	return first
}

func produceAll(t *testing.T, broker string, recs []*kgo.Record) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(broker))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// eosFlush waits, longer than mustExec does, for every query to catch up:
// a backlog of a million orders, read by two riffles at once, takes
// minutes on a loaded machine.
func eosFlush(t *testing.T, c *pgx.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	if _, err := c.Exec(ctx, "FLUSH"); err != nil {
		t.Fatalf("FLUSH: %v", err)
	}
}

// eosServer starts riffle on dir against the test's broker.
func eosServer(t *testing.T, dir, addr, broker string) *server {
	return startServer(t, dir, addr, "127.0.0.1:0", "--kafka", broker, "--partitions", "2", "--epoch-interval", "300ms", "--log-level", "info")
}

func eosDeclare(t *testing.T, c *pgx.Conn, guarantee string) {
	mustExec(t, c, `CREATE TABLE orders (oid BIGINT, cid BIGINT, amount BIGINT) WITH ('topic' = 'orders')`)
	mustExec(t, c, `CREATE TABLE customers (cid BIGINT, region STRING) WITH ('topic' = 'customers')`)
	mustExec(t, c, `CREATE TABLE enriched (oid BIGINT, amount BIGINT, region STRING)
		WITH ('topic' = 'enriched', 'sink.delivery-guarantee' = '`+guarantee+`')`)
	mustExec(t, c, `CREATE TABLE per_region (region STRING, n BIGINT, total BIGINT, PRIMARY KEY (region) NOT ENFORCED)
		WITH ('topic' = 'per_region', 'sink.delivery-guarantee' = '`+guarantee+`')`)
	mustExec(t, c, `INSERT INTO enriched SELECT o.oid, o.amount, c.region FROM orders o JOIN customers c ON o.cid = c.cid`)
	mustExec(t, c, `INSERT INTO per_region SELECT c.region, COUNT(*), SUM(o.amount)
		FROM orders o JOIN customers c ON o.cid = c.cid GROUP BY c.region`)
}

// committed reads every committed record of topic with read_committed,
// each partition in offset order, with a plain Kafka client.
func committed(t *testing.T, broker, topic string) []*kgo.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	kc, err := kafka.Connect(ctx, []string{broker})
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	end, err := kc.EndOffsets(ctx, topic) // the last stable offsets
	if err != nil {
		t.Fatal(err)
	}
	from := map[int32]kgo.Offset{}
	for p := range end {
		from[p] = kgo.NewOffset().At(0)
	}
	// Transaction markers are kept so that the reader knows it has passed
	// a partition's last stable offset even when a marker sits just below.
	cl, err := kgo.NewClient(kgo.SeedBrokers(broker), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: from}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.KeepControlRecords())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var out []*kgo.Record
	pos := map[int32]int64{}
	done := func() bool {
		for p, e := range end {
			if pos[p] < e {
				return false
			}
		}
		return true
	}
	for !done() {
		fs := cl.PollFetches(ctx)
		if err := fs.Err(); err != nil {
			t.Fatalf("read %s: %v", topic, err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if r.Offset >= end[r.Partition] {
				return
			}
			pos[r.Partition] = r.Offset + 1
			if !r.Attrs.IsControl() {
				out = append(out, r)
			}
		})
	}
	return out
}

// eosRig is one riffle process running the two queries, and the broker it
// works against.
type eosRig struct {
	t       *testing.T
	cluster *kfake.Cluster
	broker  string
	dir     string
	addr    string
	s       *server
}

// newEOSRig starts a broker and riffle, and declares the tables and the
// queries; the customers are in the joins' state when it returns.
func newEOSRig(t *testing.T) *eosRig {
	t.Helper()
	r := &eosRig{t: t, dir: t.TempDir(), addr: freePort(t)}
	r.cluster, r.broker = eosBroker(t)
	r.s = eosServer(t, r.dir, r.addr, r.broker)
	c := r.s.conn(t)
	eosDeclare(t, c, "exactly-once")
	mustExec(t, c, "FLUSH")
	return r
}

// produce writes orders [from, to).
func (r *eosRig) produce(from, to int) {
	r.t.Helper()
	if err := produceOrders(r.t, r.broker, from, to); err != nil {
		r.t.Fatal(err)
	}
}

// progress is the sum of the enriched topic's last stable offsets (records
// and transaction markers): it grows with every epoch committed.
func (r *eosRig) progress() int64 {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	kc, err := kafka.Connect(ctx, []string{r.broker})
	if err != nil {
		r.t.Fatal(err)
	}
	defer kc.Close()
	end, err := kc.EndOffsets(ctx, "enriched")
	if err != nil {
		r.t.Fatal(err)
	}
	var sum int64
	for _, e := range end {
		sum += e
	}
	return sum
}

// waitProgress waits until riffle has committed output past since: it is
// working, not just starting. A riffle that commits nothing for minutes
// while orders wait fails the test.
func (r *eosRig) waitProgress(since int64) {
	r.t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for r.progress() <= since {
		if time.Now().After(deadline) {
			r.t.Fatalf("riffle committed nothing in 3 minutes while orders waited:\n%s", r.s.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// eosOutputs are the committed records of a run's output topics.
type eosOutputs struct{ enriched, perRegion []*kgo.Record }

// outputs waits for riffle to process every order produced and reads the
// committed outputs; riffle stops.
func (r *eosRig) outputs() eosOutputs {
	r.t.Helper()
	eosFlush(r.t, r.s.conn(r.t))
	out := eosOutputs{enriched: committed(r.t, r.broker, "enriched"), perRegion: committed(r.t, r.broker, "per_region")}
	r.s.stop(r.t)
	return out
}

// compareRuns compares the committed outputs of a disturbed run with those
// of an uninterrupted run of the same riffle over the same input, record
// for record, as far as a run determines them. A key's records all go to
// one partition (murmur2 of the key), in the order the key changed, so the
// last one is the key's final row; but the sink consolidates each key's
// changes per epoch, so which intermediate values are written depends on
// where epochs ended, and only the last is compared. Keyless records are
// spread round-robin (the count restarts with the producer), so neither
// their partition nor their order is the same from run to run: they are
// compared as a multiset of (key, value), each record as many times.
func compareRuns(t *testing.T, got, want eosOutputs) {
	t.Helper()
	kv := func(r *kgo.Record) string {
		if r.Key == nil {
			return "null\t" + string(r.Value)
		}
		return strconv.Quote(string(r.Key)) + "\t" + string(r.Value)
	}
	count := map[string]int{}
	for _, r := range want.enriched {
		count[kv(r)]++
	}
	for _, r := range got.enriched {
		count[kv(r)]--
	}
	var diffs []string
	for _, k := range slices.Sorted(maps.Keys(count)) {
		switch d := count[k]; {
		case d > 0:
			diffs = append(diffs, fmt.Sprintf("missing %d× %s", d, k))
		case d < 0:
			diffs = append(diffs, fmt.Sprintf("extra %d× %s", -d, k))
		}
	}
	if len(diffs) > 0 {
		t.Errorf("enriched: %d records committed, the uninterrupted run %d; %d differ, the first: %s",
			len(got.enriched), len(want.enriched), len(diffs), strings.Join(diffs[:min(5, len(diffs))], "; "))
	}
	final := func(name string, recs []*kgo.Record) map[string]string {
		last, part := map[string]string{}, map[string]int32{}
		for _, r := range recs {
			k := string(r.Key)
			if p, ok := part[k]; ok && p != r.Partition {
				t.Errorf("%s: key %q in partitions %d and %d", name, k, p, r.Partition)
			}
			part[k] = r.Partition
			last[k] = fmt.Sprintf("partition %d: %s", r.Partition, r.Value)
		}
		return last
	}
	g, w := final("per_region", got.perRegion), final("per_region of the uninterrupted run", want.perRegion)
	if !maps.Equal(g, w) {
		t.Errorf("per_region: final rows\n%v\nthe uninterrupted run's\n%v", g, w)
	}
}

// checkComputed checks a run's committed outputs against what the
// queries compute over n orders, worked out in Go: each order enriched
// once, one final row per region, and each region's count rising strictly
// from one committed value to the next (an epoch written twice would
// repeat one).
func checkComputed(t *testing.T, out eosOutputs, n int) {
	t.Helper()
	got := make([]bool, n)
	for _, r := range out.enriched {
		var oid, amount int
		var region string
		if _, err := fmt.Sscanf(string(r.Value), `{"oid":%d,"amount":%d,"region":%q}`, &oid, &amount, &region); err != nil {
			t.Fatalf("enriched record %s: %v", r.Value, err)
		}
		if oid < 0 || oid >= n {
			t.Fatalf("enriched record for order %d of %d", oid, n)
		}
		cid, want := orderOf(oid)
		if got[oid] {
			t.Fatalf("order %d enriched twice", oid)
		}
		if amount != want || region != regionOf(cid) {
			t.Fatalf("order %d enriched as %s", oid, r.Value)
		}
		got[oid] = true
	}
	if len(out.enriched) != n {
		t.Fatalf("%d enriched orders committed, want %d", len(out.enriched), n)
	}
	wantN, wantTotal := map[string]int{}, map[string]int{}
	for i := range n {
		cid, amount := orderOf(i)
		wantN[regionOf(cid)]++
		wantTotal[regionOf(cid)] += amount
	}
	last := map[string]int{}
	final := map[string]string{}
	for _, r := range out.perRegion {
		var region string
		var k, total int
		if _, err := fmt.Sscanf(string(r.Value), `{"region":%q,"n":%d,"total":%d}`, &region, &k, &total); err != nil {
			t.Fatalf("per_region record %s: %v", r.Value, err)
		}
		if k <= last[region] {
			t.Fatalf("region %s counted %d after %d: an epoch's output was committed twice", region, k, last[region])
		}
		last[region] = k
		final[region] = fmt.Sprintf("%d/%d", k, total)
	}
	for region, k := range wantN {
		if want := fmt.Sprintf("%d/%d", k, wantTotal[region]); final[region] != want {
			t.Errorf("region %s: committed %s, want %s", region, final[region], want)
		}
	}
	if len(final) != len(wantN) {
		t.Errorf("%d regions committed, want %d", len(final), len(wantN))
	}
}

// checkRuns checks the disturbed run against the uninterrupted one, and
// both against the computation in Go.
func checkRuns(t *testing.T, got, want eosOutputs, n int) {
	t.Helper()
	checkComputed(t, want, n)
	compareRuns(t, got, want)
	checkComputed(t, got, n)
}

// TestExactlyOnceSIGKILL kills riffle with SIGKILL at random moments while
// it works through a stream of a million orders, ten times, restarting it
// each time; the committed outputs must be those of an uninterrupted run of
// riffle over the same orders, which runs meanwhile against a broker of its
// own. The orders come in eleven parts, one before each kill and the rest
// at the end, so that every kill finds work: most come at a random moment
// after the restarted riffle has committed again (in an epoch, a commit, a
// write), every third at a random moment after the restart (in the
// restore, or before it).
func TestExactlyOnceSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("a million records and ten SIGKILLs: skipped with -short (CI runs it)")
	}
	const n, kills = 1_000_000, 10
	ref := newEOSRig(t)
	refProduced := make(chan error, 1)
	go func() { refProduced <- produceOrders(t, ref.broker, 0, n) }()
	r := newEOSRig(t)
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	t.Logf("seed %d", seed)
	start := time.Now()
	part := n / (kills + 1)
	for kill := 1; kill <= kills; kill++ {
		before := r.progress()
		r.produce((kill-1)*part, kill*part)
		if kill%3 != 0 {
			r.waitProgress(before)
		}
		time.Sleep(time.Duration(rng.IntN(1000)) * time.Millisecond)
		r.s.kill(t)
		t.Logf("kill %d after %v: offsets up to %d of the enriched topic committed", kill, time.Since(start).Round(time.Millisecond), r.progress())
		r.s = eosServer(t, r.dir, r.addr, r.broker)
	}
	r.produce(kills*part, n)
	got := r.outputs()
	t.Logf("all %d orders processed after %v", n, time.Since(start).Round(time.Millisecond))
	if err := <-refProduced; err != nil {
		t.Fatal(err)
	}
	checkRuns(t, got, ref.outputs(), n)
}

// riffleCommit selects the commits (EndTxn with commit) of riffle's
// transactional producers, and riffleProduce their produce requests.
func riffleCommit(req kmsg.Request) bool {
	r, ok := req.(*kmsg.EndTxnRequest)
	return ok && r.Commit && strings.HasPrefix(r.TransactionalID, "riffle-")
}

func riffleProduce(req kmsg.Request) bool {
	r, ok := req.(*kmsg.ProduceRequest)
	return ok && r.TransactionID != nil && strings.HasPrefix(*r.TransactionID, "riffle-")
}

// brokerFault is a fault injected into the broker for one request, and
// what riffle must do about it.
type brokerFault struct {
	name string
	// inject installs the fault; wait returns once it has hit a request.
	inject func(c *kfake.Cluster) (wait func(context.Context) error)
	// code is the error a hit fails a transaction with, which must
	// restart a query ("": the client retries the request, and a hit
	// may restart a query or not).
	code string
}

// failWith fails one request of key that when selects with err.
func failWith(key kmsg.Key, err *kerr.Error, when func(kmsg.Request) bool) func(*kfake.Cluster) func(context.Context) error {
	return func(c *kfake.Cluster) func(context.Context) error {
		h := c.Fault(kfake.Fault{Keys: []kmsg.Key{key}, Err: err, TopLevel: key == kmsg.EndTxn, When: when})
		return func(ctx context.Context) error { return h.Wait(ctx, 1) }
	}
}

// dropConn closes the connection of one request of key that when selects,
// unanswered and not applied.
func dropConn(key kmsg.Key, when func(kmsg.Request) bool) func(*kfake.Cluster) func(context.Context) error {
	return func(c *kfake.Cluster) func(context.Context) error {
		hit := make(chan struct{})
		var done atomic.Bool
		// A request the control does not handle leaves it installed
		// (KeepControl would keep it even after it handles one).
		c.ControlKey(int16(key), func(req kmsg.Request) (kmsg.Response, error, bool) {
			if done.Load() || !when(req) {
				return nil, nil, false
			}
			done.Store(true)
			close(hit)
			return nil, errors.New("connection dropped by the test"), true
		})
		return func(ctx context.Context) error {
			select {
			case <-hit:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
}

// commitLost applies one of riffle's commits and answers it with a
// timeout: the commit took effect, but riffle cannot know it, stops the
// query and restarts it with its state store one epoch behind Kafka, which
// the changelog must make up. The commit is applied by sending a copy of
// the request from another client while the original sleeps (kfake
// applies no request it answers with a fault).
func commitLost(broker string) func(*kfake.Cluster) func(context.Context) error {
	return func(c *kfake.Cluster) func(context.Context) error {
		hit := make(chan struct{})
		var applying atomic.Bool
		c.ControlKey(int16(kmsg.EndTxn), func(req kmsg.Request) (kmsg.Response, error, bool) {
			if applying.Load() || !riffleCommit(req) {
				return nil, nil, false // the copy, or another request
			}
			applying.Store(true)
			c.SleepControl(func() {
				cl, err := kgo.NewClient(kgo.SeedBrokers(broker))
				if err != nil {
					return
				}
				defer cl.Close()
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				cp := *req.(*kmsg.EndTxnRequest)
				cp.Version = -1
				_, _ = cp.RequestWith(ctx, cl) // if it fails, the commit is not applied: unknown to riffle all the same
			})
			close(hit)
			resp := req.ResponseKind().(*kmsg.EndTxnResponse)
			resp.ErrorCode = kerr.RequestTimedOut.Code
			return resp, nil, true
		})
		return func(ctx context.Context) error {
			select {
			case <-hit:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
}

// TestExactlyOnceBrokerFaults injects broker faults into riffle's
// transactions while it works through a stream of orders: produces that
// fail, commits (EndTxn) refused with an error and with a timeout (whose
// outcome riffle cannot know), and connections dropped in the middle of a
// produce and of a commit, and a commit applied whose answer is a timeout.
// A failed transaction stops the query, which restarts from its last
// commit; the committed outputs must be those of an uninterrupted run of
// riffle over the same orders. The orders come in parts, one after each
// fault is installed, so that every fault finds a request to fail, and
// riffle catches up (FLUSH) before the next.
func TestExactlyOnceBrokerFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("two hundred thousand records and twelve broker faults: skipped with -short")
	}
	const n, rounds = 200_000, 12
	faults := []brokerFault{
		{"failed produce", failWith(kmsg.Produce, kerr.CorruptMessage, riffleProduce), "CORRUPT_MESSAGE"},
		{"failed commit", failWith(kmsg.EndTxn, kerr.UnknownServerError, riffleCommit), "UNKNOWN_SERVER_ERROR"},
		{"commit answered with a timeout", failWith(kmsg.EndTxn, kerr.RequestTimedOut, riffleCommit), "REQUEST_TIMED_OUT"},
		{"connection dropped during a produce", dropConn(kmsg.Produce, riffleProduce), ""},
		{"connection dropped during a commit", dropConn(kmsg.EndTxn, riffleCommit), ""},
		{"commit applied, answered with a timeout", nil, "REQUEST_TIMED_OUT"},
	}
	ref := newEOSRig(t)
	refProduced := make(chan error, 1)
	go func() { refProduced <- produceOrders(t, ref.broker, 0, n) }()
	r := newEOSRig(t)
	faults[len(faults)-1].inject = commitLost(r.broker)
	start := time.Now()
	part := n / (rounds + 1)
	hits := map[string]int{}
	c := r.s.conn(t)
	for i := range rounds {
		f := faults[i%len(faults)]
		wait := f.inject(r.cluster)
		r.produce(i*part, (i+1)*part)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		err := wait(ctx)
		cancel()
		if err != nil {
			t.Fatalf("fault %q found no request to fail in 3 minutes while orders waited:\n%s", f.name, r.s.stderr)
		}
		hits[f.code]++
		t.Logf("%s after %v: offsets up to %d of the enriched topic committed", f.name, time.Since(start).Round(time.Millisecond), r.progress())
		// The next fault comes once riffle has recovered from this one
		// (restarting the query it stopped) and caught up.
		eosFlush(t, c)
	}
	r.produce(rounds*part, n)
	got := r.outputs()
	t.Logf("all %d orders processed after %v", n, time.Since(start).Round(time.Millisecond))
	if err := <-refProduced; err != nil {
		t.Fatal(err)
	}
	checkRuns(t, got, ref.outputs(), n)
	// Each fault that fails a transaction restarts the query it hit, and a
	// commit applied unanswered leaves the state store behind Kafka: the
	// restart restores that epoch from the changelog.
	restarts, restores := map[string]int{}, 0
	for line := range strings.Lines(r.s.stderr.String()) {
		if strings.Contains(line, "restored query state from changelog") && !strings.Contains(line, " records=0 ") {
			restores++
		}
		if !strings.Contains(line, "restarting it from its last commit") {
			continue
		}
		for code := range hits {
			if code != "" && strings.Contains(line, code) {
				restarts[code]++
			}
		}
	}
	t.Logf("faults that fail a transaction hit %v; queries restarted after them %v; state restored from the changelog %d times", hits, restarts, restores)
	for code, n := range hits {
		if code != "" && restarts[code] < n {
			t.Errorf("%d queries restarted after a %s, which hit %d transactions:\n%s", restarts[code], code, n, r.s.stderr)
		}
	}
	if lost := rounds / len(faults); restores < lost {
		t.Errorf("state restored from the changelog %d times, after %d commits applied unanswered:\n%s", restores, lost, r.s.stderr)
	}
}
