// Package bench is `riffle bench nexmark`: it runs Nexmark queries, each in
// a fresh in-process riffle with its own data directory, over events the
// nexmark connector generates in process or that the command first writes
// to Kafka, into 'blackhole' sink tables, and reports for each query its
// throughput, CPU cost per event, output latency, peak memory and state
// size (docs/performance.md defines every figure).
//
// The queries and their source DDL are read at run time from the Nexmark
// folder (../shared/nexmark beside the checkout by default), exactly as
// written there, with only Flink's ${…} placeholders filled in.
package bench
