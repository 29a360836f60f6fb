package format

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"riffle/sql/types"
)

// TestConfluentAvro runs testdata/connectors/avro_confluent.test against
// franz-go's in-memory schema registry (srfake, real HTTP). See codecFile
// for the common directives; schema takes topic=NAME and registers the
// table's schema under NAME-value. It adds:
//
//	register subject=S [refs=S2]  a schema (JSON) registered by a producer,
//	                              referencing subject S2's version 1 → its id
//	registry                      every subject's versions: id and schema
//	write id=N                    one record per line in Avro's JSON encoding
//	                              of schema N, written by hamba/avro with the
//	                              Confluent header → the hex and the row
func TestConfluentAvro(t *testing.T) {
	fake := srfake.New()
	defer fake.Close()
	cl, err := sr.NewClient(sr.URLs(fake.URL()))
	if err != nil {
		t.Fatal(err)
	}
	reg := NewSRRegistry(cl)
	ctx := context.Background()
	codecFile{
		build: func(d *datadriven.TestData, schema types.Schema) (Decoder, Encoder, error) {
			var topic string
			d.ScanArgs(t, "topic", &topic)
			enc, err := NewConfluentAvroEncoder(ctx, reg, ValueSubject(topic), schema, AvroOptions{})
			if err != nil {
				return nil, nil, err
			}
			return NewConfluentAvroDecoder(ctx, reg, schema), enc, nil
		},
		extra: func(t *testing.T, d *datadriven.TestData, c *codecState) (string, bool) {
			switch d.Cmd {
			case "register":
				return registerWithRefs(ctx, t, d, cl), true
			case "registry":
				return listRegistry(ctx, t, cl), true
			case "write":
				var id int
				d.ScanArgs(t, "id", &id)
				ws, err := reg.SchemaByID(ctx, id)
				if err != nil {
					d.Fatalf(t, "%v", err)
				}
				cache := &avro.SchemaCache{}
				for _, ref := range ws.References {
					if _, err := avro.ParseWithCache(ref, "", cache); err != nil {
						d.Fatalf(t, "%v", err)
					}
				}
				w, err := avro.ParseWithCache(ws.Schema, "", cache)
				if err != nil {
					d.Fatalf(t, "%v", err)
				}
				header := binary.BigEndian.AppendUint32([]byte{0}, uint32(id))
				return writeConfluent(t, d, w, header, c), true
			}
			return "", false
		},
	}.run(t, "../../testdata/connectors/avro_confluent.test")
}

func registerWithRefs(ctx context.Context, t *testing.T, d *datadriven.TestData, cl *sr.Client) string {
	var subject string
	d.ScanArgs(t, "subject", &subject)
	s := sr.Schema{Schema: d.Input, Type: sr.TypeAvro}
	if d.HasArg("refs") {
		var refSubject string
		d.ScanArgs(t, "refs", &refSubject)
		ss, err := cl.SchemaByVersion(ctx, refSubject, 1)
		if err != nil {
			d.Fatalf(t, "%v", err)
		}
		named, err := avro.ParseWithCache(ss.Schema.Schema, "", &avro.SchemaCache{})
		if err != nil {
			d.Fatalf(t, "%v", err)
		}
		s.References = []sr.SchemaReference{{Name: named.(avro.NamedSchema).FullName(), Subject: refSubject, Version: 1}}
	}
	id, err := cl.RegisterSchema(ctx, subject, s, -1, -1)
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	return fmt.Sprintf("id %d\n", id)
}

func listRegistry(ctx context.Context, t *testing.T, cl *sr.Client) string {
	subjects, err := cl.Subjects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(subjects)
	var out strings.Builder
	for _, s := range subjects {
		all, err := cl.Schemas(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		for _, ss := range all {
			fmt.Fprintf(&out, "%s v%d id %d: %s\n", s, ss.Version, ss.ID, ss.Schema.Schema)
		}
	}
	return out.String()
}

func writeConfluent(t *testing.T, d *datadriven.TestData, w avro.Schema, header []byte, c *codecState) string {
	var out strings.Builder
	row := make(types.Row, c.schema.Len())
	for _, line := range strings.Split(d.Input, "\n") {
		dec := json.NewDecoder(strings.NewReader(line))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			d.Fatalf(t, "%s: %v", line, err)
		}
		g, err := avroGeneric(w, v)
		if err != nil {
			d.Fatalf(t, "%s: %v", line, err)
		}
		body, err := avro.Marshal(w, g)
		if err != nil {
			d.Fatalf(t, "%s: hamba: %v", line, err)
		}
		data := append(header[:len(header):len(header)], body...)
		out.WriteString(hex.EncodeToString(data) + "\n  ")
		if err := c.dec.Decode(data, row); err != nil {
			fmt.Fprintf(&out, "error: %v\n", err)
			continue
		}
		out.WriteString(renderRow(c.schema, row) + "\n")
	}
	return out.String()
}

// memRegistry is a Registry in a map, counting lookups.
type memRegistry struct {
	schemas map[int]string
	lookups atomic.Int32
	down    bool
}

func (m *memRegistry) Register(_ context.Context, _, schema string) (int, error) {
	if m.down {
		return 0, errors.New("connection refused")
	}
	for id, s := range m.schemas {
		if s == schema {
			return id, nil
		}
	}
	id := len(m.schemas) + 1
	m.schemas[id] = schema
	return id, nil
}

func (m *memRegistry) SchemaByID(_ context.Context, id int) (RegistrySchema, error) {
	m.lookups.Add(1)
	if m.down {
		return RegistrySchema{}, errors.New("connection refused")
	}
	s, ok := m.schemas[id]
	if !ok {
		return RegistrySchema{}, ErrUnknownSchema
	}
	return RegistrySchema{Schema: s}, nil
}

// TestConfluentCache checks that a writer schema, or the absence of one,
// is fetched once, and that an unreachable registry is not a bad record and
// is asked again.
func TestConfluentCache(t *testing.T) {
	ctx := context.Background()
	reg := &memRegistry{schemas: map[int]string{}}
	enc, err := NewConfluentAvroEncoder(ctx, reg, "bids-value", bidSchema, AvroOptions{})
	if err != nil {
		t.Fatal(err)
	}
	row, err := jsonRow(bidSchema, string(bidJSON))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := enc.Encode(nil, row)
	if err != nil {
		t.Fatal(err)
	}
	dec := NewConfluentAvroDecoder(ctx, reg, bidSchema)
	unknown := append([]byte{0, 0, 0, 0, 9}, rec[confluentHeader:]...)
	for range 10 {
		if err := dec.Decode(rec, row); err != nil {
			t.Fatal(err)
		}
		err := dec.Decode(unknown, row)
		if _, ok := err.(*Error); !ok || !strings.Contains(err.Error(), "schema id 9 ") {
			t.Fatalf("unknown id: %v", err)
		}
	}
	if n := reg.lookups.Load(); n != 2 {
		t.Errorf("%d registry lookups for two ids, want 2", n)
	}

	reg.down = true
	fresh := NewConfluentAvroDecoder(ctx, reg, bidSchema)
	for range 2 {
		err := fresh.Decode(rec, row)
		if _, bad := err.(*Error); err == nil || bad {
			t.Fatalf("registry down: got %v (%T), want a transient error", err, err)
		}
	}
	if n := reg.lookups.Load(); n != 4 {
		t.Errorf("%d registry lookups, want 4: a failed lookup must be retried", n)
	}
	reg.down = false
	if err := fresh.Decode(rec, row); err != nil {
		t.Errorf("registry back: %v", err)
	}
	reg.down = true
	if _, err := NewConfluentAvroEncoder(ctx, reg, "bids-value", bidSchema, AvroOptions{}); err == nil {
		t.Error("an encoder registered its schema with the registry down")
	}
}

// TestConfluentUnreachable checks the franz-go adapter's errors: an
// unreachable registry is transient, not ErrUnknownSchema.
func TestConfluentUnreachable(t *testing.T) {
	fake := srfake.New()
	url := fake.URL()
	fake.Close()
	cl, err := sr.NewClient(sr.URLs(url))
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewSRRegistry(cl).SchemaByID(context.Background(), 1)
	if err == nil || errors.Is(err, ErrUnknownSchema) {
		t.Errorf("unreachable registry: %v", err)
	}
}

func TestConfluentAllocs(t *testing.T) {
	ctx := context.Background()
	reg := &memRegistry{schemas: map[int]string{}}
	enc, _ := NewConfluentAvroEncoder(ctx, reg, "bids-value", bidSchema, AvroOptions{})
	row, _ := jsonRow(bidSchema, string(bidJSON))
	rec, _ := enc.Encode(nil, row)
	dec := NewConfluentAvroDecoder(ctx, reg, bidSchema)
	if err := dec.Decode(rec, row); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		if err := dec.Decode(rec, row); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 2 {
		t.Errorf("decoding a Confluent Avro bid allocates %v times, want at most 2", allocs)
	}
}

// FuzzConfluentDecode checks that no record makes the decoder panic or
// fail with anything but an *Error while the registry is up.
func FuzzConfluentDecode(f *testing.F) {
	ctx := context.Background()
	reg := &memRegistry{schemas: map[int]string{2: fuzzWriterSchema}}
	schema := avroFuzzSchema(f)
	enc, err := NewConfluentAvroEncoder(ctx, reg, "t-value", schema, AvroOptions{})
	if err != nil {
		f.Fatal(err)
	}
	for _, line := range avroFuzzRows {
		row, _ := jsonRow(schema, line)
		rec, _ := enc.Encode(nil, row)
		f.Add(rec)
	}
	f.Add([]byte{0, 0, 0, 0, 2, 2, 2})
	f.Add([]byte{1})
	dec := NewConfluentAvroDecoder(ctx, reg, schema)
	row := make(types.Row, schema.Len())
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := dec.Decode(data, row); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
		}
	})
}

func BenchmarkConfluentAvroDecodeBid(b *testing.B) {
	ctx := context.Background()
	reg := &memRegistry{schemas: map[int]string{}}
	enc, _ := NewConfluentAvroEncoder(ctx, reg, "bids-value", bidSchema, AvroOptions{})
	row, _ := jsonRow(bidSchema, string(bidJSON))
	rec, _ := enc.Encode(nil, row)
	benchDecode(b, NewConfluentAvroDecoder(ctx, reg, bidSchema), bidSchema.Len(), rec)
}

func BenchmarkConfluentAvroEncodeBid(b *testing.B) {
	ctx := context.Background()
	reg := &memRegistry{schemas: map[int]string{}}
	enc, _ := NewConfluentAvroEncoder(ctx, reg, "bids-value", bidSchema, AvroOptions{})
	row, _ := jsonRow(bidSchema, string(bidJSON))
	benchEncode(b, enc, row)
}

// TestConfluentHeaderMatchesFranz checks the wire header against franz-go's
// own ConfluentHeader, both ways.
func TestConfluentHeaderMatchesFranz(t *testing.T) {
	ctx := context.Background()
	reg := &memRegistry{schemas: map[int]string{1: "x", 2: "y", 3: "z"}}
	enc, err := NewConfluentAvroEncoder(ctx, reg, "bids-value", bidSchema, AvroOptions{})
	if err != nil {
		t.Fatal(err)
	}
	row, _ := jsonRow(bidSchema, string(bidJSON))
	rec, err := enc.Encode(nil, row)
	if err != nil {
		t.Fatal(err)
	}
	var h sr.ConfluentHeader
	want, err := h.AppendEncode(nil, 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rec[:confluentHeader], want) {
		t.Errorf("header %x, franz-go writes %x", rec[:confluentHeader], want)
	}
	id, body, err := h.DecodeID(rec)
	if err != nil || id != 4 || len(body) != len(rec)-confluentHeader {
		t.Errorf("franz-go reads id %d, %d body bytes, %v", id, len(body), err)
	}
}
