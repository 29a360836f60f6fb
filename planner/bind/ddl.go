package bind

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"riffle/catalog"
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
	// RegistryColumns returns the columns of the latest schema of subject
	// in the registry at url ("" the engine's own), for a table declared
	// without columns; nil where no registry can be read (riffle check).
	RegistryColumns func(url, subject string) ([]types.Column, error)
	// Registry says that the engine gives an avro-confluent table that
	// names no registry ('avro-confluent.url') its own. Without it such a
	// table is refused: its readers would have no registry to ask.
	Registry bool
	// Generated checks a table whose rows riffle generates rather than
	// reads (generatedConnectors): its columns and options, filling in the
	// defaults fixed at creation. A failure names the option or the column
	// it is about, where the error is positioned. nil: such tables are
	// planned only, as PlanOnly says, or refused.
	Generated func(obj *catalog.Object) (option, column string, err *sqlerr.Error)
}

// generatedConnectors are the connectors whose rows riffle generates
// (connectors/datagen, connectors/nexmark): no topic, no format, and their
// options are the generator's to check.
var generatedConnectors = map[string]bool{"datagen": true, "nexmark": true}

// IsGenerated reports whether obj is a table whose rows riffle generates:
// it has no topic, and it cannot be written.
func IsGenerated(obj *catalog.Object) bool {
	return obj.Kind == catalog.Table && generatedConnectors[obj.Options["connector"]]
}

// IsBlackhole reports whether obj is a 'blackhole' table: a sink that
// discards what is written to it (Flink's connector of the same name), with
// no topic and nothing to read.
func IsBlackhole(obj *catalog.Object) bool {
	return obj.Kind == catalog.Table && obj.Options["connector"] == "blackhole"
}

// planOnlyConnectors are Flink connectors riffle plans but cannot run yet.
var planOnlyConnectors = map[string]bool{
	"datagen": true, "nexmark": true, "print": true,
}

// tableOptions are the WITH options riffle understands for each connector,
// by Flink's names. Options beyond them are an error naming the option:
// a misspelt option silently ignored is a bug the user finds in production.
var tableOptions = map[string][]string{
	"kafka": withFormatOptions(false, "connector", "topic", "format", "value.format", "scan.startup.mode", "error.policy", "error.dead-letter.topic", "json.ignore-parse-errors",
		"scan.bounded.mode", "scan.bounded.timestamp-millis", "scan.watermark.idle-timeout", "scan.watermark.drop-late",
		"scan.event-time-order", "topic.partitions", "topic.auto-create", "sink.delivery-guarantee"),
	"upsert-kafka": withFormatOptions(true, "connector", "topic", "format", "value.format", "key.format", "key.fields", "error.policy", "error.dead-letter.topic", "json.ignore-parse-errors",
		"scan.bounded.mode", "scan.bounded.timestamp-millis", "scan.watermark.idle-timeout", "scan.watermark.drop-late",
		"scan.event-time-order", "value.fields-include", "topic.partitions", "topic.auto-create", "sink.delivery-guarantee"),
}

// laterOptions are Flink options riffle knows but does not act on yet.
// Accepting them silently would let a table behave otherwise than its
// declaration says, so they are refused with a "not yet".
var laterOptions = map[string]string{
	"key.fields":                 "record keys on append-only tables are not supported yet",
	"json.fail-on-missing-field": "a missing field is NULL; declare the column NOT NULL to make a record without it a bad record",
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
	if len(st.Columns) == 0 {
		if err := b.registryColumns(st, obj, d); err != nil {
			return nil, err
		}
	} else if err := b.columns(st, obj); err != nil {
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
	if err := b.checks(st, obj); err != nil {
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
			if c.Type.ID != want.ID && !(want.ID == types.Varbinary && c.Type.IsString()) ||
				want.ID == types.Map && (!c.Type.Key.IsString() || c.Type.Elem.ID != types.Varbinary && !c.Type.Elem.IsString()) {
				return b.Src.Errorf(c.Name.Pos, sqlerr.DatatypeMismatch,
					"metadata %q has type %s, not %s", key, want, c.Type)
			}
			// A record's timestamp, headers and (on a table without a
			// primary key, whose key the key format writes) key are
			// written too; the rest is the broker's to say.
			writable := key == "timestamp" || key == "headers" || key == "key" && len(st.PrimaryKey) == 0
			src = catalog.ColumnSource{Metadata: key, Virtual: c.Metadata.Virtual || !writable}
			anySource = true
		}
		ct, err := b.resolveType(c.Type, c.TypePos)
		if err != nil {
			return err
		}
		obj.Columns = append(obj.Columns, src)
		obj.Schema.Columns = append(obj.Schema.Columns, types.Column{Name: c.Name.Name, Type: ct, Nullable: !c.NotNull})
	}
	if !anySource {
		obj.Columns = nil
	}
	return nil
}

// columnPos is where column i of the table was declared: its name, or the
// table's for a column taken from the registry.
func columnPos(st *parse.CreateTable, i int) int {
	if i < len(st.Columns) {
		return st.Columns[i].Name.Pos
	}
	return st.Name.Pos
}

// registryColumns gives a table declared without columns those of the
// latest schema of its value subject in its registry: the table then reads
// (and writes) the topic's records as their producers define them.
func (b *Binder) registryColumns(st *parse.CreateTable, obj *catalog.Object, d TableDefaults) error {
	opt := func(k string) string {
		for _, o := range st.Options {
			if strings.EqualFold(o.Key, k) || strings.EqualFold(o.Key, "value."+k) {
				return o.Value
			}
		}
		return ""
	}
	if opt("format") != "avro-confluent" || opt("connector") == "upsert-kafka" {
		return b.Src.Errorf(st.Name.Pos, sqlerr.InvalidTableDefinition, "table %q declares no columns", st.Name.Name).
			WithHint("only a 'kafka' table whose values are 'avro-confluent' takes its columns from the registry's latest schema")
	}
	if d.RegistryColumns == nil {
		return b.Src.Errorf(st.Name.Pos, sqlerr.FeatureNotSupported,
			"table %q takes its columns from a schema registry, which is read only by a running riffle", st.Name.Name)
	}
	subject := opt("avro-confluent.subject")
	if subject == "" {
		topic := opt("topic")
		if topic == "" {
			topic = st.Name.Name
		}
		subject = topic + "-value"
	}
	cols, err := d.RegistryColumns(opt("avro-confluent.url"), subject)
	if err != nil {
		if e, ok := sqlerr.As(err); ok {
			return e.SetPos(b.Src.Input, b.Src.Offset+st.Name.Pos)
		}
		return b.Src.Errorf(st.Name.Pos, sqlerr.InvalidTableDefinition,
			"table %q takes its columns from the latest schema of subject %q: %v", st.Name.Name, subject, err)
	}
	obj.Schema.Columns = cols
	return nil
}

// metadataTypes are the Kafka record fields a column can read, with the
// type the column must have (Flink's names and types).
var metadataTypes = map[string]types.Type{
	"timestamp":      {ID: types.TimestampLTZ, Precision: 3},
	"partition":      types.TInt,
	"offset":         types.TBigInt,
	"topic":          types.TString,
	"timestamp-type": types.TString,
	"key":            tBytes,
	"headers":        {ID: types.Map, Key: &types.TString, Elem: &tBytes},
}

// tBytes is BYTES, the type of a record's key and header values.
var tBytes = types.Type{ID: types.Varbinary}

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
	if _, ok := obj.Options["connector"]; !ok && (d.PlanOnly || obj.Options["connector.type"] == "filesystem") && obj.Options["connector.type"] != "" {
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
	if generatedConnectors[obj.Options["connector"]] && d.Generated != nil {
		return b.generated(st, obj, pos, d)
	}
	if obj.Options["connector"] == "blackhole" {
		return b.blackhole(st, obj, pos)
	}
	if obj.Options["connector"] == "filesystem" {
		return b.filesystem(st, obj, pos, d)
	}
	if d.PlanOnly && planOnlyConnectors[obj.Options["connector"]] {
		if len(obj.PrimaryKey) > 0 {
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
	return b.kafkaDefaults(obj, pos, d, st)
}

// blackhole checks a 'blackhole' table: like Flink's, it takes no option
// but its connector, and any columns.
func (b *Binder) blackhole(st *parse.CreateTable, obj *catalog.Object, pos map[string]int) error {
	for _, o := range st.Options {
		if k := strings.ToLower(o.Key); k != "connector" {
			return b.Src.Errorf(pos[k], sqlerr.InvalidParameter, "unknown option %q for connector \"blackhole\"", k).
				WithHint("a blackhole table discards what is written to it and takes no options")
		}
	}
	if obj.Watermark != nil {
		return b.Src.Errorf(st.Name.Pos, sqlerr.InvalidTableDefinition, "a blackhole table has no rows to read, so no watermark")
	}
	if len(obj.PrimaryKey) > 0 {
		b.Notices = append(b.Notices, "the primary key of a 'blackhole' table is recorded, not enforced")
	}
	return nil
}

// generated checks a table whose rows are generated: it has no Kafka
// record, so no metadata columns; the rest is the generator's to check.
func (b *Binder) generated(st *parse.CreateTable, obj *catalog.Object, pos map[string]int, d TableDefaults) error {
	conn := obj.Options["connector"]
	for i, c := range obj.Columns {
		if c.Metadata != "" {
			return b.Src.Errorf(columnPos(st, i), sqlerr.InvalidTableDefinition,
				"a '%s' table has no Kafka records: column %q cannot read metadata %q", conn, obj.Schema.Columns[i].Name, c.Metadata).
				WithHint("use a computed column instead, such as PROCTIME()")
		}
	}
	option, column, err := d.Generated(obj)
	if err == nil {
		return nil
	}
	at := pos["connector"]
	if p, ok := pos[option]; ok {
		at = p
	}
	if i := obj.Schema.Find(column); column != "" && i >= 0 {
		at = columnPos(st, i)
	}
	return err.SetPos(b.Src.Input, b.Src.Offset+at)
}

func (b *Binder) kafkaDefaults(obj *catalog.Object, pos map[string]int, d TableDefaults, st *parse.CreateTable) error {
	o := obj.Options
	if o["topic"] == "" {
		o["topic"] = obj.Name
	}
	if err := b.formats(obj, pos, st, d); err != nil {
		return err
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
	if g, ok := o["sink.delivery-guarantee"]; ok && g != "exactly-once" && g != "at-least-once" {
		return b.Src.Errorf(pos["sink.delivery-guarantee"], sqlerr.InvalidParameter,
			"'sink.delivery-guarantee' must be 'exactly-once' or 'at-least-once', not %q", g).
			WithHint("queries writing to the table commit their output in Kafka transactions unless it is 'at-least-once'")
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
var alterable = []string{"scan.bounded.mode", "scan.bounded.timestamp-millis", "scan.watermark.idle-timeout",
	"scan.event-time-order", "error.policy", "error.dead-letter.topic"}

// AlterOptions checks ALTER TABLE … SET on obj and returns the table's
// options with the new values.
func (b *Binder) AlterOptions(st *parse.AlterOptions, obj *catalog.Object) (map[string]string, error) {
	if obj.Kind != catalog.Table {
		return nil, b.Src.Errorf(st.Name.Pos, sqlerr.WrongObjectType, "%q is not a table", obj.Name)
	}
	if IsGenerated(obj) {
		return nil, b.Src.Errorf(st.Name.Pos, sqlerr.FeatureNotSupported,
			"the options of table %q cannot be changed: its rows are generated by the '%s' connector", obj.Name, obj.Options["connector"]).
			WithHint("create another table with the options you want")
	}
	if IsBlackhole(obj) {
		return nil, b.Src.Errorf(st.Name.Pos, sqlerr.FeatureNotSupported,
			"the options of table %q cannot be changed: it is a 'blackhole' table, which has none", obj.Name)
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
	switch p := o["error.policy"]; p {
	case "", catalog.PolicyFail, catalog.PolicySkip, catalog.PolicyDeadLetter:
	default:
		return b.Src.Errorf(pos["error.policy"], sqlerr.InvalidParameter,
			"'error.policy' must be 'fail', 'skip' or 'dead-letter', not %q", p).
			WithHint("it says what a query does with a record of the table it cannot read")
	}
	if v, ok := o["json.ignore-parse-errors"]; ok && v != "true" && v != "false" {
		return b.Src.Errorf(pos["json.ignore-parse-errors"], sqlerr.InvalidParameter,
			"'json.ignore-parse-errors' must be 'true' or 'false', not %q", v).WithHint("'error.policy' says the same and more")
	}
	if t, ok := o["error.dead-letter.topic"]; ok && (t == "" || t == o["topic"]) {
		return b.Src.Errorf(pos["error.dead-letter.topic"], sqlerr.InvalidParameter,
			"'error.dead-letter.topic' must name a topic other than the table's own")
	}
	if v, ok := o["scan.watermark.drop-late"]; ok && v != "true" && v != "false" {
		return b.Src.Errorf(pos["scan.watermark.drop-late"], sqlerr.InvalidParameter,
			"'scan.watermark.drop-late' must be 'true' or 'false', not %q", v)
	}
	if v, ok := o["scan.event-time-order"]; ok && v != "true" && v != "false" {
		return b.Src.Errorf(pos["scan.event-time-order"], sqlerr.InvalidParameter,
			"'scan.event-time-order' must be 'true' or 'false', not %q", v)
	}
	if v, ok := o["scan.watermark.idle-timeout"]; ok {
		if _, ok := types.ParseDuration(v); !ok {
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
	case conn == "kafka" && len(obj.PrimaryKey) > 0 && !strings.HasPrefix(obj.Options["format"]+obj.Options["value.format"], "debezium-"):
		// (A CDC table may declare its rows' key: its records say what
		// changes, the key only names the rows.)
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

// A table's records are in a format by Flink's names: 'format' (or
// 'value.format') for the record value and, on an upsert table,
// 'key.format' for the key. A format's options are given bare or prefixed
// 'value.' for the value format ('csv.field-delimiter',
// 'value.csv.field-delimiter'), and prefixed 'key.' for the key format. The
// binder checks them here, where an error can point at the option, and
// stores them for exec/operator, which builds the codecs, in one form:
// value options bare, key options prefixed 'key.', characters unescaped,
// defaults filled in.

// knownFormats are the formats riffle reads and writes.
var knownFormats = []string{"avro", "avro-confluent", "csv", "debezium-avro-confluent", "debezium-json", "json", "raw"}

// formatOptions are each format's options, bare.
var formatOptions = map[string][]string{
	"csv": {"csv.field-delimiter", "csv.quote-character", "csv.disable-quote-character",
		"csv.escape-character", "csv.null-literal"},
	"avro-confluent": {"avro-confluent.url", "avro-confluent.subject", "avro-confluent.basic-auth.credentials-source",
		"avro-confluent.basic-auth.user-info"},
	"debezium-json": {"debezium-json.schema-include"},
	"debezium-avro-confluent": {"debezium-avro-confluent.url", "debezium-avro-confluent.subject",
		"debezium-avro-confluent.basic-auth.credentials-source", "debezium-avro-confluent.basic-auth.user-info"},
}

// withFormatOptions appends the format options a connector accepts: bare
// and 'value.'-prefixed, and 'key.'-prefixed when it has a key format.
func withFormatOptions(key bool, opts ...string) []string {
	for _, f := range sortedKeys(formatOptions) {
		for _, o := range formatOptions[f] {
			opts = append(opts, o, "value."+o)
			if key {
				opts = append(opts, "key."+o)
			}
		}
	}
	return opts
}

// formatSide is the value or the key of a table's records.
type formatSide struct {
	what   string // "value" or "key"
	prefix string // of its options in the table's options: "" or "key."
	cols   []int  // the schema indexes of the columns it holds
}

// formats checks the value and key formats and their options.
func (b *Binder) formats(obj *catalog.Object, pos map[string]int, st *parse.CreateTable, d TableDefaults) error {
	o := obj.Options
	spelled := map[string]string{} // an option's name as written, where it differs
	if f, ok := o["value.format"]; ok {
		if _, both := o["format"]; both {
			return b.Src.Errorf(pos["value.format"], sqlerr.InvalidParameter, "give 'format' or 'value.format', not both")
		}
		o["format"], pos["format"], spelled["format"] = f, pos["value.format"], "value.format"
		delete(o, "value.format")
	}
	if o["format"] == "" {
		o["format"] = "json"
	}
	for _, f := range sortedKeys(formatOptions) {
		for _, k := range formatOptions[f] {
			v, ok := o["value."+k]
			if !ok {
				continue
			}
			if _, both := o[k]; both {
				return b.Src.Errorf(pos["value."+k], sqlerr.InvalidParameter, "give '%s' or 'value.%s', not both", k, k)
			}
			o[k], pos[k], spelled[k] = v, pos["value."+k], "value."+k
			delete(o, "value."+k)
		}
	}
	value := formatSide{what: "value", cols: valueColumns(obj)}
	if err := b.formatSide(obj, pos, st, value, spelled, d); err != nil {
		return err
	}
	if o["connector"] != "upsert-kafka" {
		return nil
	}
	if o["key.format"] == "" {
		o["key.format"] = "json"
	}
	if _, ok := o["key.avro-confluent.url"]; !ok && o["key.format"] == "avro-confluent" && o["avro-confluent.url"] != "" {
		// One registry for both, unless the key names its own.
		o["key.avro-confluent.url"] = o["avro-confluent.url"]
		if ui, ok := o["avro-confluent.basic-auth.user-info"]; ok {
			o["key.avro-confluent.basic-auth.user-info"] = ui
		}
	}
	return b.formatSide(obj, pos, st, formatSide{what: "key", prefix: "key.", cols: obj.PrimaryKey}, spelled, d)
}

// valueColumns are the columns in the record value: not computed, not
// metadata, and not the key's with 'value.fields-include' = 'EXCEPT_KEY'.
func valueColumns(obj *catalog.Object) []int {
	var cols []int
	for i := range obj.Schema.Columns {
		if obj.Columns != nil && (obj.Columns[i].Computed != "" || obj.Columns[i].Metadata != "") {
			continue
		}
		if obj.Options["value.fields-include"] == "EXCEPT_KEY" && slices.Contains(obj.PrimaryKey, i) {
			continue
		}
		cols = append(cols, i)
	}
	return cols
}

// formatSide checks one side's format, its options and its columns.
func (b *Binder) formatSide(obj *catalog.Object, pos map[string]int, st *parse.CreateTable, s formatSide, spelled map[string]string, d TableDefaults) error {
	o := obj.Options
	name := func(k string) string {
		if n, ok := spelled[k]; ok {
			return n
		}
		return k
	}
	fkey := s.prefix + "format"
	f := o[fkey]
	if !contains(knownFormats, f) {
		what := "format"
		if s.what == "key" {
			what = "key format"
		}
		return b.Src.Errorf(pos[fkey], sqlerr.FeatureNotSupported, "%s %q is not supported yet", what, f).
			WithHint("supported formats: %s", strings.Join(knownFormats, ", "))
	}
	for _, g := range sortedKeys(formatOptions) {
		for _, k := range formatOptions[g] {
			if _, ok := o[s.prefix+k]; ok && g != f {
				return b.Src.Errorf(pos[s.prefix+k], sqlerr.InvalidParameter, "option '%s' is for the %s format, not %s",
					name(s.prefix+k), g, f).WithHint("the table's %s format is '%s' = '%s'", s.what, name(fkey), f)
			}
		}
	}
	var err error
	switch f {
	case "debezium-json", "debezium-avro-confluent":
		if s.what == "key" || o["connector"] == "upsert-kafka" {
			return b.Src.Errorf(pos[fkey], sqlerr.InvalidParameter, "'%s' = '%s' is for the value of a 'kafka' table", name(fkey), f).
				WithHint("a Debezium topic is read with 'connector' = 'kafka': its records carry inserts, updates and deletes")
		}
		if v, ok := o["debezium-json.schema-include"]; ok && v != "true" && v != "false" {
			err = b.Src.Errorf(pos["debezium-json.schema-include"], sqlerr.InvalidParameter,
				"'debezium-json.schema-include' must be 'true' or 'false', not %q", v)
		}
	case "csv":
		err = b.csvOptions(o, pos, s.prefix, name)
	case "avro-confluent":
		err = b.registryOptions(obj, pos, s, "", name, d)
	}
	if f == "debezium-avro-confluent" && err == nil {
		err = b.registryOptions(obj, pos, s, "debezium-", name, d)
	}
	if err != nil {
		return err
	}
	return b.formatColumns(obj, st, f, s, pos[fkey], name(fkey))
}

// csvChars are the csv options that name one character, and their defaults.
var csvChars = []struct {
	key string
	def byte
}{{"csv.field-delimiter", ','}, {"csv.quote-character", '"'}, {"csv.escape-character", 0}}

// csvOptions checks the csv format's options and stores each character
// unescaped.
func (b *Binder) csvOptions(o map[string]string, pos map[string]int, prefix string, name func(string) string) error {
	if k := prefix + "csv.disable-quote-character"; has(o, k) {
		v := strings.ToLower(o[k])
		if v != "true" && v != "false" {
			return b.Src.Errorf(pos[k], sqlerr.InvalidParameter, "'%s' must be 'true' or 'false', not %q", name(k), o[k])
		}
		o[k] = v
	}
	var chars [3]byte // the effective delimiter, quote and escape (0: none)
	for i, c := range csvChars {
		k := prefix + c.key
		chars[i] = c.def
		v, ok := o[k]
		if !ok {
			continue
		}
		if v == `\t` {
			v = "\t" // as Flink unescapes it
		}
		if len(v) != 1 || v[0] >= 0x80 || v[0] == '\n' || v[0] == '\r' {
			return b.Src.Errorf(pos[k], sqlerr.InvalidParameter, "'%s' must be one ASCII character other than a line break, not %q", name(k), o[k])
		}
		o[k], chars[i] = v, v[0]
	}
	if o[prefix+"csv.disable-quote-character"] == "true" {
		chars[1] = 0
	}
	for i := range chars {
		for j := range i {
			if chars[i] != 0 && chars[i] == chars[j] {
				k := prefix + csvChars[i].key
				if !has(o, k) {
					k = prefix + csvChars[j].key
				}
				return b.Src.Errorf(pos[k], sqlerr.InvalidParameter, "the csv %s and %s are both %q",
					strings.TrimPrefix(csvChars[j].key, "csv."), strings.TrimPrefix(csvChars[i].key, "csv."), string(chars[i]))
			}
		}
	}
	if k := prefix + "csv.null-literal"; has(o, k) {
		v := o[k]
		if strings.ContainsAny(v, "\r\n") || strings.IndexByte(v, chars[0]) >= 0 || chars[1] != 0 && strings.IndexByte(v, chars[1]) == 0 {
			return b.Src.Errorf(pos[k], sqlerr.InvalidParameter,
				"'%s' %q holds a line break or the field delimiter, or starts with the quote character", name(k), v)
		}
	}
	return nil
}

// registryOptions checks the avro-confluent format's registry URL (absent:
// the registry riffle was started with) and fills in its subject
// (Confluent's TopicNameStrategy: <topic>-value, <topic>-key).
func (b *Binder) registryOptions(obj *catalog.Object, pos map[string]int, s formatSide, format string, name func(string) string, d TableDefaults) error {
	o := obj.Options
	p := s.prefix + format // the options' prefix: "", "key." or "debezium-"
	if k := p + "avro-confluent.url"; has(o, k) {
		u, err := url.Parse(o[k])
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return b.Src.Errorf(pos[k], sqlerr.InvalidParameter, "'%s' must be an http:// or https:// URL, not %q", name(k), o[k]).
				WithHint("leave it out to use the schema registry riffle was started with")
		}
	} else if !d.Registry {
		fkey := s.prefix + "format"
		return b.Src.Errorf(pos[fkey], sqlerr.FeatureNotSupported,
			"an avro-confluent %s needs its schema registry named with '%savro-confluent.url'", s.what, p).
			WithHint("the registry riffle was started with is not yet handed to the tables that name none")
	}
	if k := p + "avro-confluent.basic-auth.credentials-source"; has(o, k) && !strings.EqualFold(o[k], "USER_INFO") {
		return b.Src.Errorf(pos[k], sqlerr.InvalidParameter, "'%s' must be 'USER_INFO', not %q", name(k), o[k]).
			WithHint("give the credentials as '%savro-confluent.basic-auth.user-info' = 'user:password'", p)
	}
	if k := p + "avro-confluent.basic-auth.user-info"; has(o, k) && !has(o, p+"avro-confluent.url") {
		return b.Src.Errorf(pos[k], sqlerr.InvalidParameter, "'%s' needs '%savro-confluent.url'", name(k), p).
			WithHint("riffle's own registry takes its credentials in --registry (http://user:password@host)")
	}
	k := p + "avro-confluent.subject"
	v, ok := o[k]
	switch {
	case !ok:
		o[k] = o["topic"] + "-" + s.what
	case strings.TrimSpace(v) == "":
		return b.Src.Errorf(pos[k], sqlerr.InvalidParameter, "'%s' cannot be empty", name(k))
	}
	return nil
}

// formatColumns checks that a format can hold the columns given to it.
func (b *Binder) formatColumns(obj *catalog.Object, st *parse.CreateTable, f string, s formatSide, fpos int, fname string) error {
	colErr := func(i int, msg, hint string) error {
		c := obj.Schema.Columns[i]
		return b.Src.Errorf(columnPos(st, i), sqlerr.InvalidTableDefinition, "column %q of type %s %s", c.Name, c.Type, msg).
			WithHint("%s", hint)
	}
	switch f {
	case "raw":
		if len(s.cols) != 1 {
			e := b.Src.Errorf(fpos, sqlerr.InvalidTableDefinition, "'%s' = 'raw' needs exactly one %s column, the table has %d", fname, s.what, len(s.cols))
			if s.what == "value" && len(obj.PrimaryKey) > 0 {
				return e.WithHint("'value.fields-include' = 'EXCEPT_KEY' leaves the key columns out of the value")
			}
			return e.WithHint("a raw %s is one string, bytes, integer, FLOAT, DOUBLE or BOOLEAN column", s.what)
		}
		t := obj.Schema.Columns[s.cols[0]].Type
		if !t.IsString() && t.ID != types.Binary && t.ID != types.Varbinary && !t.IsInteger() &&
			t.ID != types.Float && t.ID != types.Double && t.ID != types.Boolean {
			return colErr(s.cols[0], "cannot be a raw "+s.what, "the raw format holds a string, bytes, integer, FLOAT, DOUBLE or BOOLEAN")
		}
	case "csv":
		if len(s.cols) == 0 {
			return b.Src.Errorf(fpos, sqlerr.InvalidTableDefinition, "'%s' = 'csv' needs at least one %s column", fname, s.what)
		}
		for _, i := range s.cols {
			switch obj.Schema.Columns[i].Type.ID {
			case types.Array, types.Map, types.RowType:
				return colErr(i, "cannot be a csv field", "the csv format holds scalar columns; use json or avro for nested ones")
			}
		}
	case "avro", "avro-confluent", "debezium-avro-confluent":
		for _, i := range s.cols {
			c := obj.Schema.Columns[i]
			if msg := avroProblem(c.Name, c.Type); msg != "" {
				return colErr(i, "cannot be an Avro field: "+msg, "Avro names start with a letter or _ and hold letters, digits and _; "+
					"INTERVAL, and MAP with keys that are not strings, have no Avro form")
			}
		}
	}
	return nil
}

// avroProblem says why a column (or a field nested in it) has no Avro form,
// or returns "". It follows connectors/format's AvroSchema.
func avroProblem(name string, t types.Type) string {
	for i, r := range name {
		if r != '_' && (r < 'A' || r > 'Z') && (r < 'a' || r > 'z') && (i == 0 || r < '0' || r > '9') {
			return fmt.Sprintf("%q is not an Avro name", name)
		}
	}
	switch t.ID {
	case types.IntervalYM, types.IntervalDT, types.Unknown:
		return t.String() + " has no Avro type"
	case types.Array:
		return avroProblem("element", elemOf(t.Elem))
	case types.Map:
		if k := elemOf(t.Key); !k.IsString() {
			return "map keys must be strings, not " + k.String()
		}
		return avroProblem("value", elemOf(t.Elem))
	case types.RowType:
		for _, f := range t.Fields {
			if msg := avroProblem(f.Name, f.Type); msg != "" {
				return msg
			}
		}
	}
	return ""
}

// elemOf is a nested type; one left out is a string, as in connectors/format.
func elemOf(t *types.Type) types.Type {
	if t == nil {
		return types.TString
	}
	return *t
}

func has(o map[string]string, k string) bool {
	_, ok := o[k]
	return ok
}
