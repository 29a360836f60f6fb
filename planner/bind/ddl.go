package bind

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"riffle/catalog"
	"riffle/planner/physical"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// TableDefaults are the engine settings a CREATE TABLE falls back on.
type TableDefaults struct {
	Partitions int  // partitions of a topic riffle creates
	AutoCreate bool // create a missing topic
	// PlanOnly accepts the connectors of dialect.md that riffle can plan but
	// not run yet (planOnlyConnectors), with their options unchecked, so
	// that scripts such as Nexmark's bind and EXPLAIN. The engine leaves it
	// unset until their runtime exists: a table that cannot be read or
	// written must not be created.
	PlanOnly bool
}

// planOnlyConnectors are Flink connectors riffle plans but cannot run yet.
var planOnlyConnectors = map[string]bool{
	"datagen": true, "nexmark": true, "blackhole": true, "print": true, "filesystem": true,
}

// tableOptions are the WITH options riffle understands for each connector,
// by Flink's names. Options beyond them are an error naming the option:
// a misspelt option silently ignored is a bug the user finds in production.
var tableOptions = map[string][]string{
	"kafka": {"connector", "topic", "format", "value.format", "scan.startup.mode",
		"scan.bounded.mode", "scan.bounded.timestamp-millis", "scan.watermark.idle-timeout",
		"topic.partitions", "topic.auto-create"},
	"upsert-kafka": {"connector", "topic", "format", "value.format", "key.format", "key.fields",
		"scan.bounded.mode", "scan.bounded.timestamp-millis", "scan.watermark.idle-timeout",
		"value.fields-include", "topic.partitions", "topic.auto-create"},
}

// laterOptions are Flink options riffle knows but does not act on yet.
// Accepting them silently would let a table behave otherwise than its
// declaration says, so they are refused with a "not yet".
var laterOptions = map[string]string{
	"key.fields":                 "record keys on append-only tables arrive with the formats work",
	"avro-confluent.url":         "Avro with a schema registry arrives with the formats work",
	"value.avro-confluent.url":   "Avro with a schema registry arrives with the formats work",
	"key.avro-confluent.url":     "Avro with a schema registry arrives with the formats work",
	"json.ignore-parse-errors":   "error policies arrive with the formats work; bad records are skipped and counted today",
	"json.fail-on-missing-field": "error policies arrive with the formats work",
}

// ignoredOptions are Flink options whose effect riffle has already: they
// are accepted with a notice saying why.
var ignoredOptions = map[string]string{
	"sink.partitioner": "riffle writes each record to the partition of its key, and spreads records without a key",
}

// optionPrefixes are option families accepted for compatibility with Flink
// DDL: Kafka client properties. riffle reads and writes with its own client
// on the cluster it was started with, and says so in a notice.
var optionPrefixes = []string{"properties."}

// CreateTable binds CREATE TABLE into a catalog object.
func (b *Binder) CreateTable(st *parse.CreateTable, d TableDefaults) (*catalog.Object, error) {
	if st.As != nil {
		return nil, b.Src.Errorf(st.Name.Pos, sqlerr.FeatureNotSupported, "CREATE TABLE … AS SELECT is not supported yet").
			WithHint("use CREATE MATERIALIZED VIEW, or CREATE TABLE then INSERT INTO … SELECT")
	}
	b.surfaceWarnings()
	obj := &catalog.Object{Name: st.Name.Name, Kind: catalog.Table, SQL: st.Src.Text, Options: map[string]string{}}
	if err := b.columns(st, obj); err != nil {
		return nil, err
	}
	if err := b.primaryKey(st, obj); err != nil {
		return nil, err
	}
	if err := b.computed(st, obj); err != nil {
		return nil, err
	}
	if err := b.watermark(st, obj); err != nil {
		return nil, err
	}
	if err := b.options(st, obj, d); err != nil {
		return nil, err
	}
	if len(st.PartitionedBy) > 0 && obj.Options["connector"] != "filesystem" {
		return nil, b.Src.Errorf(st.PartitionedBy[0].Pos, sqlerr.FeatureNotSupported,
			"PARTITIONED BY applies only to 'filesystem' tables").
			WithHint("a Kafka table is partitioned by its key")
	}
	return obj, nil
}

func (b *Binder) columns(st *parse.CreateTable, obj *catalog.Object) error {
	seen := map[string]bool{}
	anySource := false
	for _, c := range st.Columns {
		lower := strings.ToLower(c.Name.Name)
		if seen[lower] {
			return b.Src.Errorf(c.Name.Pos, sqlerr.DuplicateObject, "column %q specified more than once", c.Name.Name)
		}
		seen[lower] = true
		var src catalog.ColumnSource
		switch {
		case c.Computed != nil:
			// Typed by computed(), once every column is known; never written.
			src = catalog.ColumnSource{Computed: c.Computed.Text, Virtual: true}
			anySource = true
		case c.Metadata != nil:
			key := c.Metadata.Key
			if key == "" {
				key = lower
			}
			want, ok := metadataTypes[key]
			if !ok {
				return b.Src.Errorf(c.Name.Pos, sqlerr.InvalidParameter, "unknown metadata key %q", key).
					WithHint("the Kafka connector offers %s", strings.Join(sortedKeys(metadataTypes), ", "))
			}
			if c.Type.ID != want.ID {
				return b.Src.Errorf(c.Name.Pos, sqlerr.DatatypeMismatch,
					"metadata %q has type %s, not %s", key, want, c.Type)
			}
			src = catalog.ColumnSource{Metadata: key, Virtual: c.Metadata.Virtual || key != "timestamp"}
			anySource = true
		}
		obj.Columns = append(obj.Columns, src)
		obj.Schema.Columns = append(obj.Schema.Columns, types.Column{Name: c.Name.Name, Type: c.Type, Nullable: !c.NotNull})
	}
	if !anySource {
		obj.Columns = nil
	}
	return nil
}

// metadataTypes are the Kafka record fields a column can read, with the
// type the column must have (Flink's names and types).
var metadataTypes = map[string]types.Type{
	"timestamp": {ID: types.TimestampLTZ, Precision: 3},
	"partition": types.TInt,
	"offset":    types.TBigInt,
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func (b *Binder) options(st *parse.CreateTable, obj *catalog.Object, d TableDefaults) error {
	pos := map[string]int{}
	for _, o := range st.Options {
		k := strings.ToLower(o.Key)
		if _, dup := obj.Options[k]; dup {
			return b.Src.Errorf(o.KeyPos, sqlerr.InvalidParameter, "option %q is given twice", o.Key)
		}
		obj.Options[k] = o.Value
		pos[k] = o.KeyPos
	}
	if _, ok := obj.Options["connector"]; !ok && d.PlanOnly && obj.Options["connector.type"] != "" {
		// Flink's legacy descriptor options ('connector.type', 'connector.path').
		obj.Options["connector"] = obj.Options["connector.type"]
		b.Notices = append(b.Notices, "'connector.type' is Flink's legacy spelling of 'connector'")
	}
	if _, ok := obj.Options["connector"]; !ok {
		// A table of riffle's own: a topic of the same name on the default
		// cluster, JSON values, keyed by its primary key if it has one.
		obj.Options["connector"] = "kafka"
		if len(obj.PrimaryKey) > 0 {
			obj.Options["connector"] = "upsert-kafka"
		}
	}
	if d.PlanOnly && planOnlyConnectors[obj.Options["connector"]] {
		if len(obj.PrimaryKey) > 0 && obj.Options["connector"] != "filesystem" {
			b.Notices = append(b.Notices, "the primary key of a '"+obj.Options["connector"]+"' table is recorded, not enforced")
		}
		b.Notices = append(b.Notices, fmt.Sprintf("connector %q is planned but cannot run yet", obj.Options["connector"]))
		return nil
	}
	if err := b.connectorKey(obj, pos, st); err != nil {
		return err
	}
	conn := obj.Options["connector"]
	allowed, ok := tableOptions[conn]
	if !ok {
		return b.Src.Errorf(pos["connector"], sqlerr.FeatureNotSupported, "connector %q is not supported yet", conn).
			WithHint("supported connectors: %s", strings.Join(sortedKeys(tableOptions), ", "))
	}
	for _, o := range st.Options {
		k, p := strings.ToLower(o.Key), o.KeyPos
		if why, ok := laterOptions[k]; ok && !contains(allowed, k) {
			return b.Src.Errorf(p, sqlerr.FeatureNotSupported, "option %q is not supported yet", k).WithHint("%s", why)
		}
		if why, ok := ignoredOptions[k]; ok {
			b.Notices = append(b.Notices, fmt.Sprintf("option %q is accepted but not applied: %s", k, why))
			continue
		}
		if hasPrefix(optionPrefixes, k) {
			b.Notices = append(b.Notices, fmt.Sprintf("option %q is accepted but not applied: riffle uses its own Kafka client on the cluster it was started with", k))
			continue
		}
		if !contains(allowed, k) {
			return b.Src.Errorf(p, sqlerr.InvalidParameter, "unknown option %q for connector %q", k, conn).
				WithHint("%s", suggest(k, allowed))
		}
	}
	return b.kafkaDefaults(obj, pos, d)
}

func (b *Binder) kafkaDefaults(obj *catalog.Object, pos map[string]int, d TableDefaults) error {
	o := obj.Options
	if o["topic"] == "" {
		o["topic"] = obj.Name
	}
	if f, ok := o["value.format"]; ok {
		if _, both := o["format"]; both {
			return b.Src.Errorf(pos["value.format"], sqlerr.InvalidParameter, "give 'format' or 'value.format', not both")
		}
		o["format"] = f
		delete(o, "value.format")
	}
	if o["format"] == "" {
		o["format"] = "json"
	}
	if o["format"] != "json" {
		p, ok := pos["format"]
		if !ok {
			p = pos["value.format"]
		}
		return b.Src.Errorf(p, sqlerr.FeatureNotSupported, "format %q is not supported yet", o["format"]).
			WithHint("'json' is supported; Avro, CSV, raw and Debezium arrive with the formats work")
	}
	if v, ok := o["topic.partitions"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return b.Src.Errorf(pos["topic.partitions"], sqlerr.InvalidParameter, "'topic.partitions' must be a positive integer, not %q", v)
		}
	} else {
		o["topic.partitions"] = strconv.Itoa(max(d.Partitions, 1))
	}
	if v, ok := o["topic.auto-create"]; ok {
		if v != "true" && v != "false" {
			return b.Src.Errorf(pos["topic.auto-create"], sqlerr.InvalidParameter, "'topic.auto-create' must be 'true' or 'false', not %q", v)
		}
	} else {
		o["topic.auto-create"] = strconv.FormatBool(d.AutoCreate)
	}
	if m, ok := o["scan.startup.mode"]; ok && m != "earliest-offset" && m != "latest-offset" {
		return b.Src.Errorf(pos["scan.startup.mode"], sqlerr.InvalidParameter,
			"'scan.startup.mode' must be 'earliest-offset' or 'latest-offset', not %q", m)
	}
	return b.scanOptions(o, pos)
}

// alterable are the table options ALTER TABLE … SET may change: how reads
// of the table end and how its watermark treats idle partitions. The others
// say what the records are, which existing data fixes.
var alterable = []string{"scan.bounded.mode", "scan.bounded.timestamp-millis", "scan.watermark.idle-timeout"}

// AlterOptions checks ALTER TABLE … SET on obj and returns the table's
// options with the new values.
func (b *Binder) AlterOptions(st *parse.AlterOptions, obj *catalog.Object) (map[string]string, error) {
	if obj.Kind != catalog.Table {
		return nil, b.Src.Errorf(st.Name.Pos, sqlerr.WrongObjectType, "%q is not a table", obj.Name)
	}
	o := maps.Clone(obj.Options)
	pos := map[string]int{}
	for _, opt := range st.Options {
		k := strings.ToLower(opt.Key)
		if !contains(alterable, k) {
			return nil, b.Src.Errorf(opt.KeyPos, sqlerr.FeatureNotSupported, "option %q cannot be changed on an existing table", k).
				WithHint("these can: %s", strings.Join(alterable, ", "))
		}
		o[k], pos[k] = opt.Value, opt.KeyPos
	}
	return o, b.scanOptions(o, pos)
}

// scanOptions checks how a table's reads end and when an idle partition
// stops holding its watermark back.
func (b *Binder) scanOptions(o map[string]string, pos map[string]int) error {
	switch m := o["scan.bounded.mode"]; m {
	case "", "unbounded", "latest-offset":
	case "timestamp":
		if _, err := strconv.ParseInt(o["scan.bounded.timestamp-millis"], 10, 64); err != nil {
			return b.Src.Errorf(pos["scan.bounded.mode"], sqlerr.InvalidParameter,
				"'scan.bounded.mode' = 'timestamp' needs 'scan.bounded.timestamp-millis' (milliseconds since the epoch)")
		}
	default:
		return b.Src.Errorf(pos["scan.bounded.mode"], sqlerr.InvalidParameter,
			"'scan.bounded.mode' must be 'unbounded', 'latest-offset' or 'timestamp', not %q", m)
	}
	if v, ok := o["scan.watermark.idle-timeout"]; ok {
		if _, ok := physical.ParseDuration(v); !ok {
			return b.Src.Errorf(pos["scan.watermark.idle-timeout"], sqlerr.InvalidParameter,
				"'scan.watermark.idle-timeout' must be a duration such as '30s' or '5min', not %q", v)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func hasPrefix(prefixes []string, s string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// suggest names the closest known option, or lists them all.
func suggest(k string, allowed []string) string {
	best, dist := "", 4
	for _, a := range allowed {
		if d := editDistance(k, a); d < dist {
			best, dist = a, d
		}
	}
	if best != "" {
		return "did you mean '" + best + "'?"
	}
	return "known options: " + strings.Join(allowed, ", ")
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// primaryKey resolves PRIMARY KEY (…) NOT ENFORCED. Key columns cannot be
// NULL: a row must be addressable by its key.
func (b *Binder) primaryKey(st *parse.CreateTable, obj *catalog.Object) error {
	for _, k := range st.PrimaryKey {
		i := obj.Schema.Find(k.Name)
		if i < 0 {
			return b.Src.Errorf(k.Pos, sqlerr.UndefinedColumn, "column %q named in key does not exist", k.Name)
		}
		if obj.Columns != nil && obj.Columns[i].Metadata != "" {
			return b.Src.Errorf(k.Pos, sqlerr.InvalidTableDefinition, "a metadata column cannot be part of the primary key")
		}
		for _, j := range obj.PrimaryKey {
			if j == i {
				return b.Src.Errorf(k.Pos, sqlerr.DuplicateObject, "column %q appears twice in the primary key", k.Name)
			}
		}
		obj.PrimaryKey = append(obj.PrimaryKey, i)
		obj.Schema.Columns[i].Nullable = false
	}
	return nil
}

// connectorKey checks that the key fits the connector: an upsert table
// needs a primary key (its Kafka key), and a plain Kafka table cannot have
// one (nothing would make records with one key replace each other, so the
// key would be a lie), as in Flink.
func (b *Binder) connectorKey(obj *catalog.Object, pos map[string]int, st *parse.CreateTable) error {
	conn := obj.Options["connector"]
	switch {
	case conn == "kafka" && len(obj.PrimaryKey) > 0:
		return b.Src.Errorf(st.PrimaryKey[0].Pos, sqlerr.InvalidTableDefinition,
			"a table with 'connector' = 'kafka' cannot have a PRIMARY KEY").
			WithHint("use 'connector' = 'upsert-kafka' for a table whose records replace each other by key")
	case conn == "upsert-kafka" && len(obj.PrimaryKey) == 0:
		return b.Src.Errorf(pos["connector"], sqlerr.InvalidTableDefinition,
			"an 'upsert-kafka' table needs a PRIMARY KEY … NOT ENFORCED").
			WithHint("the primary key is the Kafka record key")
	case conn != "upsert-kafka":
		return nil
	}
	switch kf := obj.Options["key.format"]; kf {
	case "", "json":
		obj.Options["key.format"] = "json"
	case "raw":
		if len(obj.PrimaryKey) != 1 || !rawKeyType(obj.Schema.Columns[obj.PrimaryKey[0]].Type) {
			return b.Src.Errorf(pos["key.format"], sqlerr.InvalidTableDefinition,
				"'key.format' = 'raw' needs a primary key of one column of a string, bytes or integer type")
		}
	default:
		return b.Src.Errorf(pos["key.format"], sqlerr.FeatureNotSupported, "key format %q is not supported yet", kf).
			WithHint("'json' and 'raw' are supported")
	}
	if kf, ok := obj.Options["key.fields"]; ok {
		// Flink derives an upsert table's key from its primary key; a
		// key.fields that says the same is harmless, anything else a
		// contradiction.
		var pk []string
		for _, i := range obj.PrimaryKey {
			pk = append(pk, obj.Schema.Columns[i].Name)
		}
		var named []string
		for _, f := range strings.Split(kf, ";") {
			named = append(named, strings.TrimSpace(f))
		}
		if !slices.EqualFunc(named, pk, strings.EqualFold) {
			return b.Src.Errorf(pos["key.fields"], sqlerr.InvalidTableDefinition,
				"'key.fields' of an 'upsert-kafka' table must be its primary key (%s), not %q", strings.Join(pk, ";"), kf).
				WithHint("leave 'key.fields' out: the primary key is the record key")
		}
	}
	switch v := obj.Options["value.fields-include"]; v {
	case "":
		obj.Options["value.fields-include"] = "ALL"
	case "ALL", "EXCEPT_KEY":
	default:
		return b.Src.Errorf(pos["value.fields-include"], sqlerr.InvalidParameter,
			"'value.fields-include' must be 'ALL' or 'EXCEPT_KEY', not %q", v)
	}
	return nil
}

// rawKeyType reports whether a key column can be a raw Kafka key: the
// bytes of a string, or an integer in big-endian order (Flink's raw format).
func rawKeyType(t types.Type) bool {
	return t.IsString() || t.ID == types.Binary || t.ID == types.Varbinary || t.IsInteger()
}
