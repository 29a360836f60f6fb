// Package datagen generates rows of any schema, as Flink's datagen
// connector does ('connector' = 'datagen'): each column random (within
// 'fields.<col>.min'/'max', of 'fields.<col>.length', NULL at
// 'fields.<col>.null-rate') or a sequence ('fields.<col>.kind' =
// 'sequence', from 'fields.<col>.start' to 'fields.<col>.end'), at
// 'rows-per-second', for 'number-of-rows' rows or until a sequence ends.
//
//	CREATE TABLE orders (id BIGINT, amount DECIMAL(10, 2), customer STRING, ts TIMESTAMP(3),
//	    WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
//	WITH ('connector' = 'datagen', 'rows-per-second' = '100',
//	      'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '1000000',
//	      'fields.amount.min' = '1', 'fields.amount.max' = '500', 'fields.customer.length' = '8')
//
// New checks a table's columns and options and returns its Source (the
// connectors/gen contract): row n is a function of the table's seed, its
// base time and n alone. Each column draws from its own random stream
// (seeded by the seed, the column and n), so adding a column leaves the
// others' values as they were.
//
// Time columns follow the row's nominal time, base time + n/'rows-per-second'
// seconds: the wall-clock time at which the row comes due. DATE and TIME
// are its date and time of day (Flink: the current date and time);
// TIMESTAMP is it less a random part of 'fields.<col>.max-past' (default
// 0), so a watermark on a datagen timestamp advances as rows come, and a
// restart regenerates the same times.
//
// Nested columns: a ROW's fields take options by their path
// ('fields.<col>.<field>.min'); ARRAY and MAP take 'length' elements
// (default 3), each random with its type's defaults. Strings are random
// lower-case hex (Flink's nextHexString); JSON values are JSON strings of
// such hex.
package datagen
