package operator

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/twmb/franz-go/pkg/sr"

	"riffle/connectors/format"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// A table's value and key codecs come from its options, as planner/bind
// stores them: the value's format is 'format' and its options are bare
// ('csv.field-delimiter'); the key's format is 'key.format' and its options
// are prefixed 'key.'. They are built once per reader or writer of the
// table, never per record.

// formatOf is the format of one side of the records ("" or "key.").
func formatOf(o map[string]string, prefix string) string {
	if f := o[prefix+"format"]; f != "" {
		return f
	}
	return "json"
}

// newFormatDecoder returns the decoder of one side of a table's records.
func newFormatDecoder(o map[string]string, prefix string, schema types.Schema, regs *Registries) (format.Decoder, error) {
	switch f := formatOf(o, prefix); f {
	case "json":
		return format.NewJSONDecoder(schema), nil
	case "csv":
		opts, err := csvOptions(o, prefix)
		if err != nil {
			return nil, err
		}
		return format.NewCSVDecoder(schema, opts)
	case "raw":
		return format.NewRawDecoder(schema)
	case "avro":
		return format.NewAvroDecoder(schema)
	case "avro-confluent":
		if _, err := format.AvroSchema(schema); err != nil {
			return nil, err // the columns have no Avro form
		}
		reg, err := regs.For(registryURL(o, prefix))
		if err != nil {
			return nil, err
		}
		// The decoder fetches writer schemas as records name them; each
		// request is bounded by the registry client's timeout.
		return format.NewConfluentAvroDecoder(context.Background(), reg, schema), nil
	default:
		return nil, fmt.Errorf("format %q is not supported", f)
	}
}

// registryURL is the schema registry of one side of a table: its
// 'avro-confluent.url' ("" the engine's), with the credentials of
// 'avro-confluent.basic-auth.user-info' when the table gives them.
func registryURL(o map[string]string, prefix string) string {
	url := o[prefix+"avro-confluent.url"]
	if ui := o[prefix+"avro-confluent.basic-auth.user-info"]; ui != "" && url != "" {
		return WithUserInfo(url, ui)
	}
	return url
}

// newChangelogDecoder returns the decoder of a CDC format's records.
func newChangelogDecoder(o map[string]string, schema types.Schema, regs *Registries) (format.ChangelogDecoder, error) {
	switch f := formatOf(o, ""); f {
	case "debezium-json":
		return format.NewDebeziumJSONDecoder(schema, o["debezium-json.schema-include"] == "true"), nil
	case "debezium-avro-confluent":
		reg, err := regs.For(registryURL(o, "debezium-"))
		if err != nil {
			return nil, err
		}
		return format.NewDebeziumDecoder(format.NewConfluentAvroDecoder(context.Background(), reg, format.DebeziumEnvelope(schema))), nil
	default:
		return nil, fmt.Errorf("format %q is not supported", f)
	}
}

// newFormatEncoder returns the encoder of one side of a table's records;
// subject is the default avro-confluent subject of that side.
func newFormatEncoder(o map[string]string, prefix string, schema types.Schema, regs *Registries, subject string) (format.Encoder, error) {
	switch f := formatOf(o, prefix); f {
	case "json":
		return format.NewJSONEncoder(schema), nil
	case "csv":
		opts, err := csvOptions(o, prefix)
		if err != nil {
			return nil, err
		}
		return format.NewCSVEncoder(schema, opts)
	case "raw":
		return format.NewRawEncoder(schema)
	case "debezium-json":
		return format.NewDebeziumJSONEncoder(schema), nil
	case "debezium-avro-confluent":
		reg, err := regs.For(registryURL(o, prefix+"debezium-"))
		if err != nil {
			return nil, err
		}
		if s := o[prefix+"debezium-avro-confluent.subject"]; s != "" {
			subject = s
		}
		return format.NewDebeziumEncoder(&registeringEncoder{reg: reg, subject: subject, schema: format.DebeziumEnvelope(schema)}), nil
	case "avro":
		return format.NewAvroEncoder(schema)
	case "avro-confluent":
		if _, err := format.AvroSchema(schema); err != nil {
			return nil, err // the columns have no Avro form: fail now, not at the first row
		}
		reg, err := regs.For(registryURL(o, prefix))
		if err != nil {
			return nil, err
		}
		if s := o[prefix+"avro-confluent.subject"]; s != "" {
			subject = s
		}
		return &registeringEncoder{reg: reg, subject: subject, schema: schema}, nil
	default:
		return nil, fmt.Errorf("format %q is not supported", f)
	}
}

// csvOptions reads the csv format's options of one side.
func csvOptions(o map[string]string, prefix string) (format.CSVOptions, error) {
	var opts format.CSVOptions
	for k, dst := range map[string]*byte{
		"csv.field-delimiter":  &opts.FieldDelimiter,
		"csv.quote-character":  &opts.QuoteCharacter,
		"csv.escape-character": &opts.EscapeCharacter,
	} {
		if v, ok := o[prefix+k]; ok {
			if len(v) != 1 {
				return opts, fmt.Errorf("option '%s%s' must be one character, not %q", prefix, k, v)
			}
			*dst = v[0]
		}
	}
	opts.DisableQuoteCharacter = o[prefix+"csv.disable-quote-character"] == "true"
	if v, ok := o[prefix+"csv.null-literal"]; ok {
		opts.NullLiteral = &v
	}
	return opts, nil
}

// registeringEncoder is the avro-confluent encoder of a table, which
// registers the table's schema under its subject before the first record it
// writes rather than when it is built: building a writer never waits on the
// registry, and a registry that was unreachable is asked again by the next
// write.
type registeringEncoder struct {
	reg     format.Registry
	subject string
	schema  types.Schema
	enc     format.Encoder
}

var _ format.Encoder = (*registeringEncoder)(nil)

func (e *registeringEncoder) Encode(dst []byte, row types.Row) ([]byte, error) {
	if e.enc == nil {
		enc, err := format.NewConfluentAvroEncoder(context.Background(), e.reg, e.subject, e.schema, format.AvroOptions{})
		if err != nil {
			return dst, registrationError(e.subject, err)
		}
		e.enc = enc
	}
	return e.enc.Encode(dst, row)
}

// registrationError gives a failed registration its SQLSTATE: a schema the
// registry refuses (it breaks the subject's compatibility rule, or is
// invalid) is the table's definition at fault; anything else is the
// registry out of reach.
func registrationError(subject string, err error) error {
	var fe *format.Error
	if errors.As(err, &fe) {
		return err
	}
	var re *sr.ResponseError
	if errors.As(err, &re) && (re.StatusCode == http.StatusConflict || re.StatusCode == http.StatusUnprocessableEntity) {
		return sqlerr.New(sqlerr.InvalidTableDefinition, "%v", err).
			WithHint("the schema registry refuses the table's Avro schema under subject %q; "+
				"its compatibility rule decides which changes it accepts", subject)
	}
	return sqlerr.New(sqlerr.ConnectionFailure, "%v", err)
}
