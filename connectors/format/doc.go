// Package format turns the bytes of Kafka records into rows and rows back
// into bytes, in the formats of Flink SQL: json, csv, raw, avro and
// avro-confluent.
//
// A Decoder fills a row of a known schema from one record's bytes; an
// Encoder appends one row's encoding to a buffer. Both are built once per
// schema, when a source or sink starts, so that everything that depends only
// on the schema (field-name lookup, nested decoders, pre-escaped names, a
// writer schema resolved against the table) is done once and the
// per-record path does as little as possible: no reflection, no maps, and
// no allocation per field except for the strings, byte strings, decimals
// and nested values it returns.
//
//	dec := format.NewJSONDecoder(schema)
//	row := make(types.Row, schema.Len())
//	if err := dec.Decode(rec.Value, row); err != nil {
//		return fmt.Errorf("decode json record at offset %d: %w", rec.Offset, err)
//	}
//
// A record that does not decode, or a row that cannot be encoded, gives an
// *Error naming the field ("price", "bid.url", "tags[2]") and, for malformed
// bytes, the byte offset. Decoding never panics, whatever the bytes: each
// format has a fuzz test saying so, and that what decodes is a fixed point
// of encoding and decoding again.
//
// # The formats
//
// json (NewJSONDecoder, NewJSONEncoder): a record is a JSON object whose
// top-level fields are matched to columns by name (exactly first, then
// ignoring case); missing fields and JSON null give SQL NULL; unknown
// fields are ignored. Timestamps are written as "2024-01-01 00:00:01.123",
// decimals as JSON numbers, bytes as base64. The decoder does not use
// encoding/json: reflection-based decoding runs about five times slower
// than this hand-written scanner, which is the difference between a source
// keeping up with a partition or not.
//
// csv (NewCSVDecoder, NewCSVEncoder, CSVOptions): one line of fields in
// column order, values in the json format's text forms; options for the
// delimiter, quote and escape characters and the null literal. Scalar
// columns only.
//
// raw (NewRawDecoder, NewRawEncoder): the record is the value of the single
// column: a string's UTF-8, the bytes, or an integer big-endian in its
// type's width. A record without a value is NULL. It lets a query read what
// no other format can parse, to repair it.
//
// avro (AvroSchema, NewAvroDecoder, NewAvroEncoder): Avro binary with no
// header, in the schema Flink derives from the table (a record named
// org.apache.flink.avro.generated.record, nullable columns as unions with
// null, decimals as bytes with a decimal logical type, timestamps as longs
// with a timestamp logical type). NewAvroResolvingDecoder reads records
// written in another schema by Avro's schema resolution: fields matched by
// name, the table's defaults (NULL) applied only for fields the writer
// lacks, numeric promotions, union branches. Encoding and decoding are
// hand-written over a tree compiled from the schemas; hamba/avro parses and
// builds the schemas (its generic decoding boxes every field in a map and
// runs about five times slower).
//
// avro-confluent (NewConfluentAvroDecoder, NewConfluentAvroEncoder,
// Registry, NewSRRegistry): Confluent's wire format, a magic byte 0 and the
// writer schema's registry id before the Avro binary. The encoder registers
// the table's schema under a subject (ValueSubject, KeySubject) when it is
// built, so a sink learns of an incompatible schema before it writes; the
// decoder fetches each writer schema once, by id, and reads with schema
// resolution. An unreachable registry is an error that is not an *Error: a
// source should retry or fail rather than count the record as bad.
//
// exec/operator builds a table's value and key codecs from its options
// ('format', 'key.format' and their format options, by Flink's names), once
// per reader or writer of the table.
package format
