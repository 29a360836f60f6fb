package catalog

import "strings"

// Error policies of a table ('error.policy'): what a query does with a
// record of the table it cannot read.
const (
	// PolicyFail stops the query with an error naming the record; it
	// resumes from its last commit, at that record, once restarted
	// (ALTER TABLE … SET ('error.policy' = …) restarts it).
	PolicyFail = "fail"
	// PolicySkip counts the record and goes on.
	PolicySkip = "skip"
	// PolicyDeadLetter writes the record as read (key, value, headers),
	// with its coordinates and the error in headers, to the table's
	// dead-letter topic, counts it and goes on.
	PolicyDeadLetter = "dead-letter"
)

// ErrorPolicy is the table's error policy. Without one, a table with a
// primary key fails: skipping a keyed record would silently keep a stale
// or deleted row, so the table would no longer be its topic's (the book's
// FS-15); an append-only table of independent events skips.
func (o *Object) ErrorPolicy() string {
	if p := o.Options["error.policy"]; p != "" {
		return p
	}
	if o.Options["json.ignore-parse-errors"] == "true" {
		return PolicySkip // Flink's spelling of skip
	}
	if len(o.PrimaryKey) > 0 || o.Options["json.ignore-parse-errors"] == "false" {
		return PolicyFail
	}
	return PolicySkip
}

// DeadLetterTopic is the topic the table's dead-letter policy writes to:
// 'error.dead-letter.topic', or the table's topic with ".dead-letter".
func (o *Object) DeadLetterTopic() string {
	if t := o.Options["error.dead-letter.topic"]; t != "" {
		return t
	}
	return o.Options["topic"] + ".dead-letter"
}

// Changelog reports whether the table's records carry changes rather than
// rows (a CDC format such as 'debezium-json'): its rows are inserted and
// retracted as the records say, and a primary key it declares keys the
// rows, not the records.
func (o *Object) Changelog() bool {
	return o.Kind == Table && strings.HasPrefix(o.Options["format"], "debezium-")
}
