package format

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"

	"riffle/sql/types"
)

// The 'avro-confluent' format is Confluent's wire format: a magic byte 0,
// the writer schema's registry id as 4 bytes big-endian, then the Avro
// binary encoding of the record in that schema.
const confluentHeader = 5

// Registry is the part of a Confluent schema registry the avro-confluent
// format uses. Implementations must be safe for concurrent use: every task
// of a query shares one. NewSRRegistry adapts franz-go's client.
type Registry interface {
	// Register registers an Avro schema (JSON text) under subject and
	// returns its id; a schema already registered under it keeps its id.
	// The registry refuses a schema that breaks the subject's compatibility
	// rule, which is how a sink learns, before it writes, that its output
	// would break the topic's readers.
	Register(ctx context.Context, subject, schema string) (id int, err error)
	// SchemaByID returns the schema with the given id. An id the registry
	// does not know is an error wrapping ErrUnknownSchema; any other error
	// (an unreachable registry) is taken as transient.
	SchemaByID(ctx context.Context, id int) (RegistrySchema, error)
}

// RegistrySchema is an Avro schema held by a registry.
type RegistrySchema struct {
	// Schema is the schema's JSON text.
	Schema string
	// References are the texts of the schemas it references by name, each
	// before the schemas that use it (so the named types they define are
	// known when a later text names them).
	References []string
}

// ErrUnknownSchema is the error a Registry wraps for an id it does not
// know: the record was written against another registry, or its schema was
// deleted.
var ErrUnknownSchema = errors.New("no Avro schema with this id")

// ValueSubject and KeySubject are the subjects of a topic's value and key
// schemas under Confluent's default TopicNameStrategy, the subjects Flink's
// avro-confluent format uses unless told otherwise.
func ValueSubject(topic string) string { return topic + "-value" }

// KeySubject is the subject of a topic's key schema; see ValueSubject.
func KeySubject(topic string) string { return topic + "-key" }

// NewSRRegistry returns a Registry over franz-go's schema registry client.
func NewSRRegistry(cl *sr.Client) Registry { return srRegistry{cl} }

type srRegistry struct{ cl *sr.Client }

var _ Registry = srRegistry{}

func (r srRegistry) Register(ctx context.Context, subject, schema string) (int, error) {
	return r.cl.RegisterSchema(ctx, subject, sr.Schema{Schema: schema, Type: sr.TypeAvro}, -1, -1)
}

func (r srRegistry) SchemaByID(ctx context.Context, id int) (RegistrySchema, error) {
	s, err := r.cl.SchemaByID(ctx, id)
	if err != nil {
		var re *sr.ResponseError
		if errors.As(err, &re) && (re.ErrorCode == sr.ErrSchemaNotFound.Code || re.StatusCode == http.StatusNotFound) {
			return RegistrySchema{}, ErrUnknownSchema
		}
		return RegistrySchema{}, err
	}
	if s.Type != sr.TypeAvro {
		return RegistrySchema{}, fmt.Errorf("%w: it is a %s schema", ErrUnknownSchema, s.Type)
	}
	out := RegistrySchema{Schema: s.Schema}
	seen := map[string]bool{}
	if err := r.references(ctx, s.References, &out, seen, 0); err != nil {
		return RegistrySchema{}, err
	}
	return out, nil
}

// references appends the texts of refs, depth first, so that each comes
// after the schemas it references in turn.
func (r srRegistry) references(ctx context.Context, refs []sr.SchemaReference, out *RegistrySchema, seen map[string]bool, depth int) error {
	if depth > 32 {
		return errors.New("schema references nested too deep")
	}
	for _, ref := range refs {
		key := ref.Subject + "/" + strconv.Itoa(ref.Version)
		if seen[key] {
			continue
		}
		seen[key] = true
		ss, err := r.cl.SchemaByVersion(ctx, ref.Subject, ref.Version)
		if err != nil {
			return fmt.Errorf("referenced schema %s version %d: %w", ref.Subject, ref.Version, err)
		}
		if err := r.references(ctx, ss.References, out, seen, depth+1); err != nil {
			return err
		}
		out.References = append(out.References, ss.Schema.Schema)
	}
	return nil
}

// NewConfluentAvroEncoder returns an Encoder for Flink's 'avro-confluent'
// format: the schema AvroSchemaWith derives from the table is registered
// under subject (ValueSubject(topic) or KeySubject(topic) by default) now,
// once, and every record starts with its id. Registration failing — an
// unreachable registry, or a schema the subject's compatibility rule
// refuses — is the returned error, so that a query learns it before it
// writes anything.
func NewConfluentAvroEncoder(ctx context.Context, reg Registry, subject string, schema types.Schema, opts AvroOptions) (Encoder, error) {
	text, err := AvroSchemaWith(schema, opts)
	if err != nil {
		return nil, err
	}
	body, err := NewAvroEncoder(schema)
	if err != nil {
		return nil, err
	}
	id, err := reg.Register(ctx, subject, text)
	if err != nil {
		return nil, fmt.Errorf("register the avro schema under subject %q: %w", subject, err)
	}
	return &confluentEncoder{body: body, id: uint32(id)}, nil
}

type confluentEncoder struct {
	body Encoder
	id   uint32
}

var _ Encoder = (*confluentEncoder)(nil)

func (e *confluentEncoder) Encode(dst []byte, row types.Row) ([]byte, error) {
	dst = append(dst, 0)
	dst = binary.BigEndian.AppendUint32(dst, e.id)
	return e.body.Encode(dst, row)
}

// NewConfluentAvroDecoder returns a Decoder for Flink's 'avro-confluent'
// format: it reads each record's schema id, fetches that writer schema
// from reg the first time it sees the id (with ctx, which should live as
// long as the decoder), and reads the record into the table's columns by
// schema resolution (see NewAvroResolvingDecoder), so that a topic whose
// producers evolve their schema compatibly stays readable.
//
// A record that is not in the wire format, whose id the registry does not
// know, or whose writer schema cannot be read as the table is a bad record:
// an *Error naming the id. A registry that cannot be reached is not the
// record's fault: that error is not an *Error and is not remembered, so the
// next record asks again.
func NewConfluentAvroDecoder(ctx context.Context, reg Registry, schema types.Schema) Decoder {
	return &confluentDecoder{ctx: ctx, reg: reg, schema: schema, byID: map[uint32]*confluentEntry{}}
}

type confluentDecoder struct {
	ctx    context.Context
	reg    Registry
	schema types.Schema
	byID   map[uint32]*confluentEntry
	last   *confluentEntry // the previous record's, as most records share one id
	lastID uint32
}

// confluentEntry is a writer schema's decoder, or why there is none.
type confluentEntry struct {
	dec Decoder
	err *Error
}

var _ Decoder = (*confluentDecoder)(nil)

// maxSchemas bounds the writer schemas a decoder remembers; past it the
// cache starts again (a topic has few schemas; a hostile one may claim
// many ids).
const maxSchemas = 1000

func (d *confluentDecoder) Decode(data []byte, row types.Row) error {
	if len(data) < confluentHeader {
		return &Error{Offset: len(data), Format: "Confluent Avro", Msg: "the record ends inside the 5-byte header"}
	}
	if data[0] != 0 {
		return &Error{Offset: 0, Format: "Confluent Avro", Msg: "magic byte " + strconv.Itoa(int(data[0])) +
			", expected 0: the record is not in the Confluent wire format"}
	}
	id := binary.BigEndian.Uint32(data[1:confluentHeader])
	e := d.last
	if e == nil || id != d.lastID {
		var err error
		if e, err = d.entry(id); err != nil {
			return err
		}
		d.last, d.lastID = e, id
	}
	if e.err != nil {
		c := *e.err // the caller may change it
		return &c
	}
	err := e.dec.Decode(data[confluentHeader:], row)
	if fe, ok := err.(*Error); ok && fe.Offset >= 0 {
		fe.Offset += confluentHeader
	}
	return err
}

// entry returns the decoder for a writer schema id, fetching the schema.
func (d *confluentDecoder) entry(id uint32) (*confluentEntry, error) {
	if e, ok := d.byID[id]; ok {
		return e, nil
	}
	ws, err := d.reg.SchemaByID(d.ctx, int(int32(id)))
	var e *confluentEntry
	switch {
	case errors.Is(err, ErrUnknownSchema):
		msg := "writer schema id " + strconv.Itoa(int(int32(id))) + " is not in the registry"
		if err != ErrUnknownSchema {
			msg = "writer schema id " + strconv.Itoa(int(int32(id))) + ": " + err.Error()
		}
		e = &confluentEntry{err: errorf("", msg)}
	case err != nil:
		return nil, fmt.Errorf("fetch writer schema %d from the schema registry: %w", int32(id), err)
	default:
		dec, err := newResolvingDecoder(ws, d.schema)
		e = &confluentEntry{dec: dec}
		if err != nil {
			fe, ok := err.(*Error)
			if !ok {
				fe = errorf("", err.Error())
			}
			e = &confluentEntry{err: &Error{Field: fe.Field, Offset: -1,
				Msg: "writer schema " + strconv.Itoa(int(int32(id))) + " cannot be read as the table: " + fe.Msg}}
		}
	}
	if len(d.byID) >= maxSchemas {
		clear(d.byID)
	}
	d.byID[id] = e
	return e, nil
}

// newResolvingDecoder is NewAvroResolvingDecoder for a schema with
// references, whose named types are parsed first into the same cache.
func newResolvingDecoder(ws RegistrySchema, schema types.Schema) (Decoder, error) {
	// A fresh cache per schema: hamba's default one is global, and a name
	// defined by one writer schema must not leak into another.
	cache := &avro.SchemaCache{}
	for _, ref := range ws.References {
		if _, err := avro.ParseWithCache(ref, "", cache); err != nil {
			return nil, errorf("", "invalid referenced schema: "+err.Error())
		}
	}
	w, err := avro.ParseWithCache(ws.Schema, "", cache)
	if err != nil {
		return nil, errorf("", "invalid writer schema: "+err.Error())
	}
	root, err := compileAvroRecord(w, schema)
	if err != nil {
		return nil, err
	}
	return &avroDecoder{root: root}, nil
}
