package kafka

import (
	"errors"
	"testing"
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
	if err := w2.Write(ctx, rec("d")); err != nil {
		t.Fatal(err)
	}
	if err := w2.Commit(ctx); err != nil {
		t.Fatal(err)
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
