package kafka

import (
	"errors"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestTxnWriter writes transactions: committed ones are read back with
// read_committed, aborted ones and the one a crashed writer left open are
// not, and a writer opened with the same id fences the old one, whose
// later writes and commits fail with a TxnError.
func TestTxnWriter(t *testing.T) {
	ctx, c := testCluster(t)
	if err := c.CreateTopic(ctx, "out", 1); err != nil {
		t.Fatal(err)
	}
	rec := func(v string) []Record { return []Record{{Topic: "out", Partition: 0, Value: []byte(v)}} }
	w, err := NewTxnWriter(ctx, c, "t1")
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		v      string
		commit bool
	}{{"a", true}, {"b", false}, {"c", true}}
	for _, s := range steps {
		recs := rec(s.v)
		if err := w.Write(ctx, recs); err != nil {
			t.Fatal(err)
		}
		if recs[0].Offset < 0 {
			t.Fatalf("write of %s: no offset", s.v)
		}
		if s.commit {
			err = w.Commit(ctx)
		} else {
			err = w.Abort(ctx)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	// A crash with a transaction open: the next writer of the id settles it.
	if err := w.Write(ctx, rec("zombie")); err != nil {
		t.Fatal(err)
	}
	w2, err := NewTxnWriter(ctx, c, "t1")
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	if err := w.Commit(ctx); err == nil {
		t.Fatal("the fenced writer committed")
	} else if !isTxnError(err) {
		t.Fatalf("the fenced writer's error is not a TxnError: %v", err)
	}
	w.Close()
	if err := c.CreateTopic(ctx, "in", 2); err != nil {
		t.Fatal(err)
	}
	if err := w2.Write(ctx, rec("d")); err != nil {
		t.Fatal(err)
	}
	if err := w2.CommitOffsets(ctx, "g", Positions{"in": {0: 42, 1: 7}}); err != nil {
		t.Fatal(err)
	}
	if got := groupOffsets(t, c, "g", "in"); len(got) != 0 {
		t.Fatalf("offsets visible before the commit: %v", got)
	}
	if err := w2.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got := groupOffsets(t, c, "g", "in"); got[0] != 42 || got[1] != 7 {
		t.Fatalf("group offsets after the commit: %v, want 0:42 1:7", got)
	}
	end, err := c.EndOffsets(ctx, "out")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := ReadRange(ctx, c, "out", nil, end)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range recs {
		got = append(got, string(r.Value))
	}
	if len(got) != 3 || got[0] != "a" || got[1] != "c" || got[2] != "d" {
		t.Fatalf("read_committed sees %q, want [a c d]", got)
	}
}

func isTxnError(err error) bool {
	var te *TxnError
	return errors.As(err, &te)
}

// groupOffsets fetches the committed offsets of group for topic (stable
// ones only: pending transactional offsets are not).
func groupOffsets(t *testing.T, c *Cluster, group, topic string) map[int32]int64 {
	t.Helper()
	req := kmsg.NewPtrOffsetFetchRequest()
	req.Group = group
	req.RequireStable = true
	rt := kmsg.NewOffsetFetchRequestTopic()
	rt.Topic, rt.Partitions = topic, []int32{0, 1}
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(t.Context(), c.Client())
	if err != nil {
		t.Fatal(err)
	}
	out := map[int32]int64{}
	for _, g := range resp.Groups {
		for _, gt := range g.Topics {
			for _, p := range gt.Partitions {
				if p.Offset >= 0 {
					out[p.Partition] = p.Offset
				}
			}
		}
	}
	for _, rt := range resp.Topics {
		for _, p := range rt.Partitions {
			if p.Offset >= 0 {
				out[p.Partition] = p.Offset
			}
		}
	}
	return out
}
