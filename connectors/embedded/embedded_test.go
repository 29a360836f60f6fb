package embedded

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sr"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestBrokerPersistsAcrossRestart(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	b, err := StartBroker(dir, "127.0.0.1:0", 3)
	if err != nil {
		t.Fatal(err)
	}
	addr := b.Addr()
	if !strings.HasPrefix(addr, "127.0.0.1:") || strings.HasSuffix(addr, ":0") {
		t.Fatalf("Addr() = %q, want 127.0.0.1 with a chosen port", addr)
	}

	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic("bids"))
	if err != nil {
		t.Fatal(err)
	}
	// -1 asks for the broker's default partition count.
	if n := createTopic(ctx, t, cl, "bids", -1); n != 3 {
		t.Fatalf("default partitions = %d, want 3", n)
	}
	var want []string
	for i := range 10 {
		v := fmt.Sprintf("bid-%d", i)
		want = append(want, v)
		r := &kgo.Record{Value: []byte(v), Partition: 0}
		if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	cl.Close()
	b.Close()

	b, err = StartBroker(dir, "127.0.0.1:0", 3)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	cl, err = kgo.NewClient(kgo.SeedBrokers(b.Addr()), kgo.ConsumeTopics("bids"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var got []string
	for len(got) < len(want) {
		fs := cl.PollFetches(ctx)
		if err := fs.Err(); err != nil {
			t.Fatal(err)
		}
		fs.EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		// Every record went to one partition, so order is the produce order.
		t.Fatalf("after restart read %v, want %v", got, want)
	}
}

func TestBrokerNoAutoCreate(t *testing.T) {
	ctx := testCtx(t)
	b, err := StartBroker(t.TempDir(), "127.0.0.1:0", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr()), kgo.AllowAutoTopicCreation(),
		kgo.RecordRetries(1), kgo.UnknownTopicRetries(1))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	err = cl.ProduceSync(ctx, &kgo.Record{Topic: "nope", Value: []byte("x")}).FirstErr()
	if err == nil {
		t.Fatal("produce to a missing topic succeeded; auto-creation should be off")
	}
	req := kmsg.NewPtrMetadataRequest()
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range resp.Topics {
		if tp.Topic != nil && *tp.Topic == "nope" {
			t.Fatal("topic was auto-created")
		}
	}
}

func TestBrokerBadArgs(t *testing.T) {
	if _, err := StartBroker(t.TempDir(), "127.0.0.1:0", 0); err == nil {
		t.Error("partitions 0 accepted")
	}
	if _, err := StartBroker(t.TempDir(), "no-port", 1); err == nil {
		t.Error("address without port accepted")
	}
}

func TestRegistry(t *testing.T) {
	ctx := testCtx(t)
	r, err := StartRegistry("", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cl, err := sr.NewClient(sr.URLs(r.URL()))
	if err != nil {
		t.Fatal(err)
	}
	schema := sr.Schema{Type: sr.TypeAvro, Schema: `{"type":"record","name":"bid","fields":[{"name":"price","type":"long"}]}`}
	ss, err := cl.CreateSchema(ctx, "bids-value", schema)
	if err != nil {
		t.Fatal(err)
	}
	got, err := cl.SchemaByID(ctx, ss.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Type != sr.TypeAvro || !strings.Contains(got.Schema, `"price"`) {
		t.Fatalf("schema by id %d = %+v", ss.ID, got)
	}

	// A plain HTTP client sees the Confluent REST API too.
	resp, err := http.Get(r.URL() + "/subjects")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.TrimSpace(string(body)) != `["bids-value"]` {
		t.Fatalf("GET /subjects = %s", body)
	}

	r.Close()
	r.Close() // idempotent
	if _, err := http.Get(r.URL() + "/subjects"); err == nil {
		t.Fatal("registry still serving after Close")
	}
}

// createTopic creates a topic with the plain protocol request (the kadm
// module is not a direct dependency) and returns its partition count.
func createTopic(ctx context.Context, t *testing.T, cl *kgo.Client, name string, partitions int32) int32 {
	t.Helper()
	req := kmsg.NewPtrCreateTopicsRequest()
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic, rt.NumPartitions, rt.ReplicationFactor = name, partitions, -1
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	if err := kerr.ErrorForCode(resp.Topics[0].ErrorCode); err != nil {
		t.Fatal(err)
	}
	return resp.Topics[0].NumPartitions
}

// TestRegistryRestart checks that a registry over a directory gives the
// same ids to the same schemas after a restart, and keeps handing out new
// ones after them.
func TestRegistryRestart(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	schema := func(field string) sr.Schema {
		return sr.Schema{Type: sr.TypeAvro, Schema: `{"type":"record","name":"r","fields":[{"name":"` + field + `","type":"long"}]}`}
	}
	r, err := StartRegistry(dir, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl, err := sr.NewClient(sr.URLs(r.URL()))
	if err != nil {
		t.Fatal(err)
	}
	a, err := cl.CreateSchema(ctx, "a-value", schema("x"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := cl.CreateSchema(ctx, "b-value", schema("y"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.CreateSchema(ctx, "c-value", schema("x")); err != nil { // a's id, under another subject
		t.Fatal(err)
	}
	r.Close()

	r, err = StartRegistry(dir, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cl, err = sr.NewClient(sr.URLs(r.URL()))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []sr.SubjectSchema{a, b} {
		got, err := cl.SchemaByID(ctx, want.ID)
		if err != nil || got.Schema != want.Schema.Schema {
			t.Errorf("schema %d after a restart: %+v, %v", want.ID, got, err)
		}
	}
	c, err := cl.CreateSchema(ctx, "d-value", schema("z"))
	if err != nil {
		t.Fatal(err)
	}
	if c.ID <= b.ID {
		t.Errorf("a new schema after a restart got id %d, not after %d", c.ID, b.ID)
	}
	subjects, err := cl.Subjects(ctx)
	if err != nil || strings.Join(subjects, " ") != "a-value b-value c-value d-value" {
		t.Errorf("subjects after a restart: %q, %v", subjects, err)
	}
}
