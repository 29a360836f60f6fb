package embedded

import (
	"os"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestCrashAbortedTransaction kills a broker (a copy of its data directory
// taken while a transaction is open stands for what SIGKILL leaves on disk)
// and checks that, after the restart, a read_committed reader sees the
// transactions the same transactional id commits next. kfake treats the
// open transaction as aborted on reload but writes no abort marker, and a
// franz-go reader then drops every later batch of that producer id: the
// broker must write the marker.
func TestCrashAbortedTransaction(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	b, err := StartBroker(dir+"/live", "127.0.0.1:0", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	admin, err := kgo.NewClient(kgo.SeedBrokers(b.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	createTopic(ctx, t, admin, "out", 1)
	admin.Close()

	produce := func(addr string, value string, commit bool) {
		t.Helper()
		cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.TransactionalID("q1"), kgo.DefaultProduceTopic("out"))
		if err != nil {
			t.Fatal(err)
		}
		if err := cl.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte(value)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
		if commit {
			if err := cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
				t.Fatal(err)
			}
			cl.Close()
		}
		// Not committed: the client stays open, as the killed process's
		// producer would have.
	}
	produce(b.Addr(), "committed", true)
	produce(b.Addr(), "open", false)
	if err := os.CopyFS(dir+"/crashed", os.DirFS(dir+"/live")); err != nil {
		t.Fatal(err)
	}

	r, err := StartBroker(dir+"/crashed", "127.0.0.1:0", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	produce(r.Addr(), "after", true)

	cl, err := kgo.NewClient(kgo.SeedBrokers(r.Addr()), kgo.ConsumeTopics("out"),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var got []string
	for len(got) < 2 {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("read_committed reader saw %q, want [committed after]", got)
		}
		fs.EachRecord(func(rec *kgo.Record) { got = append(got, string(rec.Value)) })
	}
	if len(got) != 2 || got[0] != "committed" || got[1] != "after" {
		t.Fatalf("read_committed reader saw %q, want [committed after]", got)
	}
}
