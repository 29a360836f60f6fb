// Package format turns the bytes of Kafka records into rows and rows back
// into bytes.
//
// A Decoder fills a row of a known schema from one record's bytes; an
// Encoder appends one row's encoding to a buffer. Both are built once per
// schema, when a source or sink starts, so that everything that depends only
// on the schema (field-name lookup, nested decoders, pre-escaped names) is
// done once and the per-record path does as little as possible.
//
// The JSON format follows Flink SQL's 'json' format: a record is a JSON
// object whose top-level fields are matched to columns by name (exactly
// first, then ignoring case); missing fields and JSON null give SQL NULL;
// unknown fields are ignored. Timestamps are written as
// "2024-01-01 00:00:01.123", decimals as JSON numbers, bytes as base64.
//
//	dec := format.NewJSONDecoder(schema)
//	row := make(types.Row, schema.Len())
//	if err := dec.Decode(rec.Value, row); err != nil {
//		return fmt.Errorf("decode json record at offset %d: %w", rec.Offset, err)
//	}
//
// The JSON decoder does not use encoding/json: reflection-based decoding
// runs about five times slower than this hand-written scanner, which is the
// difference between a source keeping up with a partition or not.
package format
