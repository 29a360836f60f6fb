package kafka

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"riffle/connectors/embedded"
)

// testCluster starts an embedded broker (kfake over TCP) with 3 default
// partitions and connects to it.
func testCluster(t *testing.T) (context.Context, *Cluster) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	b, err := embedded.StartBroker(t.TempDir(), "127.0.0.1:0", 3)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	c, err := Connect(ctx, []string{b.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return ctx, c
}

func TestAdmin(t *testing.T) {
	ctx, c := testCluster(t)
	if err := c.CreateTopic(ctx, "bids", 4); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateTopic(ctx, "auctions", -1); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateTopic(ctx, "bids", 4); !errors.Is(err, ErrTopicExists) {
		t.Fatalf("second CreateTopic: %v, want ErrTopicExists", err)
	}
	if err := c.EnsureTopic(ctx, "bids", 8); err != nil {
		t.Fatalf("EnsureTopic of an existing topic: %v", err)
	}
	if err := c.EnsureTopic(ctx, "people", 2); err != nil {
		t.Fatal(err)
	}
	for topic, want := range map[string]int32{"bids": 4, "auctions": 3, "people": 2} {
		if n, err := c.TopicPartitions(ctx, topic); err != nil || n != want {
			t.Errorf("TopicPartitions(%q) = %d, %v; want %d", topic, n, err, want)
		}
	}
	_, err := c.TopicPartitions(ctx, "nope")
	if !errors.Is(err, ErrNoTopic) || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("TopicPartitions of a missing topic: %v", err)
	}
	if _, err := c.EndOffsets(ctx, "nope"); !errors.Is(err, ErrNoTopic) {
		t.Errorf("EndOffsets of a missing topic: %v", err)
	}
	topics, err := c.ListTopics(ctx)
	if err != nil || !slices.Equal(topics, []string{"auctions", "bids", "people"}) {
		t.Errorf("ListTopics = %v, %v", topics, err)
	}
	if err := c.DeleteTopic(ctx, "people"); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteTopic(ctx, "people"); !errors.Is(err, ErrNoTopic) {
		t.Errorf("deleting a deleted topic: %v", err)
	}
	if _, err := c.TopicPartitions(ctx, "people"); !errors.Is(err, ErrNoTopic) {
		t.Errorf("deleted topic still described: %v", err)
	}
	start, err := c.StartOffsets(ctx, "bids")
	if err != nil || !maps.Equal(start, map[int32]int64{0: 0, 1: 0, 2: 0, 3: 0}) {
		t.Errorf("StartOffsets = %v, %v", start, err)
	}
}

func TestConnectFails(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if _, err := Connect(ctx, []string{"127.0.0.1:1"}); err == nil {
		t.Fatal("Connect to a closed port succeeded")
	}
	if _, err := Connect(ctx, nil); err == nil {
		t.Fatal("Connect without brokers succeeded")
	}
}

func TestWriteReadPartitioning(t *testing.T) {
	ctx, c := testCluster(t)
	if err := c.CreateTopic(ctx, "t", 3); err != nil {
		t.Fatal(err)
	}
	w := NewWriter(c)
	defer w.Close()
	var recs []Record
	// Keyless: round-robin, two per partition.
	for i := range 6 {
		recs = append(recs, Record{Topic: "t", Partition: AnyPartition, Value: fmt.Appendf(nil, "free-%d", i)})
	}
	// Keyed: by murmur2, as Kafka's default partitioner.
	keys := []string{"alice", "bob", "carol", "dave", "alice"}
	for _, k := range keys {
		recs = append(recs, Record{Topic: "t", Partition: AnyPartition, Key: []byte(k), Value: []byte("v-" + k)})
	}
	// Explicit partition, a tombstone with headers and a timestamp.
	recs = append(recs, Record{Topic: "t", Partition: 2, Key: []byte("gone"), Value: nil,
		Timestamp: 1700000000123, Headers: []Header{{Key: "h", Value: []byte("1")}}})
	if err := w.Write(ctx, recs); err != nil {
		t.Fatal(err)
	}
	end, err := c.EndOffsets(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadRange(ctx, c, "t", nil, end)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(recs) {
		t.Fatalf("read %d records, wrote %d", len(got), len(recs))
	}
	free := map[int32]int{}
	keyPart := map[string]int32{}
	hasher := kgo.StickyKeyPartitioner(nil).ForTopic("t")
	for i, r := range got {
		if i > 0 && r.Partition == got[i-1].Partition && r.Offset <= got[i-1].Offset {
			t.Errorf("records out of offset order: %d then %d", got[i-1].Offset, r.Offset)
		}
		switch {
		case strings.HasPrefix(string(r.Value), "free-"):
			free[r.Partition]++
		case r.Value == nil:
			if r.Partition != 2 || string(r.Key) != "gone" || r.Timestamp != 1700000000123 ||
				len(r.Headers) != 1 || r.Headers[0].Key != "h" || string(r.Headers[0].Value) != "1" {
				t.Errorf("tombstone read back as %+v", r)
			}
		default:
			k := string(r.Key)
			if p, ok := keyPart[k]; ok && p != r.Partition {
				t.Errorf("key %q in partitions %d and %d", k, p, r.Partition)
			}
			keyPart[k] = r.Partition
			want := int32(hasher.Partition(&kgo.Record{Key: r.Key}, 3))
			if r.Partition != want {
				t.Errorf("key %q in partition %d, murmur2 says %d", k, r.Partition, want)
			}
		}
	}
	if !maps.Equal(free, map[int32]int{0: 2, 1: 2, 2: 2}) {
		t.Errorf("keyless records per partition = %v, want 2 each", free)
	}

	err = w.Write(ctx, []Record{{Topic: "t", Partition: 7, Value: []byte("x")}})
	if err == nil {
		t.Error("write to partition 7 of a 3-partition topic succeeded")
	}
	if err := w.Write(ctx, []Record{{Value: []byte("x")}}); err == nil {
		t.Error("write without topic succeeded")
	}
	if err := w.Flush(ctx); err != nil {
		t.Error(err)
	}
}

func TestReaderResume(t *testing.T) {
	ctx, c := testCluster(t)
	if err := c.CreateTopic(ctx, "t", 2); err != nil {
		t.Fatal(err)
	}
	w := NewWriter(c)
	write := func(p int32, vals ...string) {
		t.Helper()
		var recs []Record
		for _, v := range vals {
			recs = append(recs, Record{Topic: "t", Partition: p, Value: []byte(v)})
		}
		if err := w.Write(ctx, recs); err != nil {
			t.Fatal(err)
		}
	}
	write(0, "a0", "a1", "a2")
	write(1, "b0")

	r, err := NewReader(c, "t", map[int32]int64{0: 1, 1: 0})
	if err != nil {
		t.Fatal(err)
	}
	got := readN(ctx, t, r, 3)
	if want := "0:1=a1 0:2=a2 1:0=b0"; got != want {
		t.Fatalf("read %s, want %s", got, want)
	}
	pos := r.Position()["t"]
	if !maps.Equal(pos, map[int32]int64{0: 3, 1: 1}) {
		t.Fatalf("Position = %v", pos)
	}
	r.Close()

	write(0, "a3")
	write(1, "b1")
	r, err = NewReader(c, "t", pos)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got, want := readN(ctx, t, r, 2), "0:3=a3 1:1=b1"; got != want {
		t.Fatalf("after resume read %s, want %s", got, want)
	}

	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := r.Poll(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Poll with nothing to read: %v, want deadline exceeded", err)
	}
	if _, err := NewReader(c, "t", nil); err == nil {
		t.Error("reader without partitions accepted")
	}
	if _, err := NewReader(c, "t", map[int32]int64{0: -1}); err == nil {
		t.Error("negative offset accepted")
	}
}

// TestReaderPollEndedContext: a poll whose context ends just as the client
// hands over a fetch still returns the fetch's records, since the client
// has moved past them; dropping them for the context's error lost them to
// the reader for good (a query waited for them until it restarted).
func TestReaderPollEndedContext(t *testing.T) {
	ctx, c := testCluster(t)
	if err := c.CreateTopic(ctx, "t", 1); err != nil {
		t.Fatal(err)
	}
	var recs []Record
	for i := range 5 {
		recs = append(recs, Record{Topic: "t", Partition: 0, Value: fmt.Appendf(nil, "v%d", i)})
	}
	if err := NewWriter(c).Write(ctx, recs); err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(c, "t", map[int32]int64{0: 0})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	type result struct {
		n   int
		err error
	}
	got, deadline := 0, time.After(10*time.Second)
	for got < 5 {
		done := make(chan result, 1)
		go func() {
			out, err := r.Poll(endedAsFetched{ctx})
			done <- result{len(out), err}
		}()
		select {
		case res := <-done:
			got += res.n
		case <-deadline:
			t.Fatalf("polls whose context ended as the fetch came returned %d of the 5 records; the rest are lost (position %v)", got, r.Position())
		}
	}
	if r.Position()["t"][0] != 5 {
		t.Fatalf("position %v after the 5 records", r.Position())
	}
}

// endedAsFetched is a context that has ended (Err) though its Done channel
// has not fired: as when it ends while the client is handing over a fetch.
type endedAsFetched struct{ context.Context }

func (endedAsFetched) Done() <-chan struct{} { return nil }
func (endedAsFetched) Err() error            { return context.DeadlineExceeded }

// readN polls until n records arrived and renders them sorted as
// partition:offset=value.
func readN(ctx context.Context, t *testing.T, r *Reader, n int) string {
	t.Helper()
	var out []string
	for len(out) < n {
		recs, err := r.Poll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range recs {
			out = append(out, fmt.Sprintf("%d:%d=%s", rec.Partition, rec.Offset, rec.Value))
		}
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

// TestTransactions checks read_committed reading: aborted records are not
// returned, and ranges that end in transaction markers terminate.
func TestTransactions(t *testing.T) {
	ctx, c := testCluster(t)
	if err := c.CreateTopic(ctx, "t", 2); err != nil {
		t.Fatal(err)
	}
	tx, err := kgo.NewClient(kgo.SeedBrokers(c.Brokers()...), kgo.TransactionalID("riffle-test"),
		kgo.DefaultProduceTopic("t"), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	txn := func(commit kgo.TransactionEndTry, vals ...string) {
		t.Helper()
		if err := tx.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			if err := tx.ProduceSync(ctx, &kgo.Record{Partition: 0, Value: []byte(v)}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.EndTransaction(ctx, commit); err != nil {
			t.Fatal(err)
		}
	}
	txn(kgo.TryCommit, "c1", "c2")
	txn(kgo.TryAbort, "x1")
	txn(kgo.TryCommit, "c3")
	txn(kgo.TryAbort, "x2", "x3")

	end, err := c.EndOffsets(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	// c1 c2 M x1 M c3 M x2 x3 M: offsets 0..9, so the end is 10.
	if !maps.Equal(end, map[int32]int64{0: 10, 1: 0}) {
		t.Fatalf("EndOffsets = %v", end)
	}
	got, err := ReadRange(ctx, c, "t", nil, end)
	if err != nil {
		t.Fatal(err)
	}
	var vals []string
	for _, r := range got {
		vals = append(vals, fmt.Sprintf("%d=%s", r.Offset, r.Value))
	}
	if s := strings.Join(vals, " "); s != "0=c1 1=c2 5=c3" {
		t.Fatalf("read_committed range = %s", s)
	}

	// A range over only markers and aborted records is empty and ends.
	got, err = ReadRange(ctx, c, "t", map[int32]int64{0: 6}, end)
	if err != nil || len(got) != 0 {
		t.Fatalf("range of aborted records = %v, %v", got, err)
	}
	// An open transaction holds the read_committed end back.
	if err := tx.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	if err := tx.ProduceSync(ctx, &kgo.Record{Partition: 0, Value: []byte("open")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	if open, err := c.EndOffsets(ctx, "t"); err != nil || open[0] != 10 {
		t.Fatalf("EndOffsets with an open transaction = %v, %v; want partition 0 at 10", open, err)
	}
	if err := tx.EndTransaction(ctx, kgo.TryCommit); err != nil {
		t.Fatal(err)
	}
	if after, err := c.EndOffsets(ctx, "t"); err != nil || after[0] != 12 {
		t.Fatalf("EndOffsets after commit = %v, %v; want partition 0 at 12", after, err)
	}

	// An empty range and empty partitions return nothing at once.
	if got, err := ReadRange(ctx, c, "t", end, end); err != nil || got != nil {
		t.Fatalf("empty range = %v, %v", got, err)
	}
}
