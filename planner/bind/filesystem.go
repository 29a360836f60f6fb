package bind

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"riffle/catalog"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
)

// IsFilesystem reports whether obj is a 'filesystem' table (Flink's
// connector of that name, connectors/filesystem): files under a path, read
// as a bounded source and written as part files committed with each epoch.
func IsFilesystem(obj *catalog.Object) bool {
	return obj.Kind == catalog.Table && obj.Options["connector"] == "filesystem"
}

// filesystemOptions are the options a 'filesystem' table takes; the format's
// own ('csv.field-delimiter', …) come on top.
var filesystemOptions = []string{"connector", "path", "format", "error.policy", "json.ignore-parse-errors", "partition.default-name"}

// filesystemLegacy are Flink's legacy descriptor spellings, as Nexmark's
// q13 writes them, and their names today.
var filesystemLegacy = map[string]string{"connector.type": "connector", "connector.path": "path", "format.type": "format"}

// filesystemIgnored are the option families of Flink's filesystem sink
// about when files roll and when partitions are announced: riffle rolls a
// part file at every epoch and makes it visible when the epoch commits.
var filesystemIgnored = []string{"sink.rolling-policy.", "sink.partition-commit.", "partition.time-extractor.",
	"auto-compaction", "compaction.", "sink.parallelism", "sink.shuffle-by-partition.enable"}

// filesystem checks a 'filesystem' table: its path, its format (csv or
// json) and options, and its PARTITIONED BY columns.
func (b *Binder) filesystem(st *parse.CreateTable, obj *catalog.Object, pos map[string]int, d TableDefaults) error {
	o := obj.Options
	for old, now := range filesystemLegacy {
		if v, ok := o[old]; ok {
			if _, both := o[now]; both && old != "connector.type" {
				return b.Src.Errorf(pos[old], sqlerr.InvalidParameter, "give '%s' or '%s', not both", now, old)
			}
			o[now], pos[now] = v, pos[old]
			delete(o, old)
		}
	}
	allowed := slices.Concat(filesystemOptions, formatOptions["csv"])
	var ignored []string
	for _, opt := range st.Options {
		k := strings.ToLower(opt.Key)
		if now, ok := filesystemLegacy[k]; ok {
			k = now
		}
		switch {
		case contains(allowed, k):
		case hasPrefix(filesystemIgnored, k):
			ignored = append(ignored, fmt.Sprintf("%q", k))
		case strings.HasPrefix(k, "source.monitor-interval"):
			return b.Src.Errorf(opt.KeyPos, sqlerr.FeatureNotSupported, "option %q is not supported yet", k).
				WithHint("a 'filesystem' table is read once, as a bounded source")
		default:
			return b.Src.Errorf(opt.KeyPos, sqlerr.InvalidParameter, "unknown option %q for connector \"filesystem\"", k).
				WithHint("%s", suggest(k, allowed))
		}
	}
	if len(ignored) > 0 {
		b.Notices = append(b.Notices, fmt.Sprintf("options %s are accepted but not applied: riffle writes a part file per partition at every epoch and makes it visible when the epoch commits",
			strings.Join(ignored, ", ")))
	}
	path := strings.TrimPrefix(o["path"], "file://")
	if path == "" {
		return b.Src.Errorf(pos["connector"], sqlerr.InvalidParameter, "a 'filesystem' table needs 'path': a file or a directory").
			WithHint("'path' = '/data/orders/' reads every file under the directory and writes part files there")
	}
	if !filepath.IsAbs(path) {
		return b.Src.Errorf(pos["path"], sqlerr.InvalidParameter, "'path' must be absolute, not %q", o["path"]).
			WithHint("give it from the root, as 'file:///data/orders/' or '/data/orders/'")
	}
	o["path"] = path
	if o["format"] == "" {
		return b.Src.Errorf(pos["connector"], sqlerr.InvalidParameter, "a 'filesystem' table needs 'format': 'csv' or 'json'")
	}
	if f := o["format"]; f != "csv" && f != "json" {
		return b.Src.Errorf(pos["format"], sqlerr.FeatureNotSupported, "format %q of a 'filesystem' table is not supported yet", f).
			WithHint("a 'filesystem' table's format is 'csv' or 'json'")
	}
	if o["error.policy"] == catalog.PolicyDeadLetter {
		return b.Src.Errorf(pos["error.policy"], sqlerr.InvalidParameter, "a 'filesystem' table has no dead-letter topic").
			WithHint("its 'error.policy' is 'fail' or 'skip'")
	}
	if err := b.scanOptions(o, pos); err != nil {
		return err
	}
	for i, c := range obj.Columns {
		if c.Metadata != "" {
			return b.Src.Errorf(columnPos(st, i), sqlerr.InvalidTableDefinition,
				"a 'filesystem' table has no Kafka records: column %q cannot read metadata %q", obj.Schema.Columns[i].Name, c.Metadata).
				WithHint("use a computed column instead, such as PROCTIME()")
		}
	}
	for _, n := range st.PartitionedBy {
		i := obj.Schema.Find(n.Name)
		if i < 0 {
			return b.Src.Errorf(n.Pos, sqlerr.UndefinedColumn, "partition column %q does not exist", n.Name)
		}
		if obj.Columns != nil && obj.Columns[i].Computed != "" {
			return b.Src.Errorf(n.Pos, sqlerr.InvalidTableDefinition, "partition column %q is computed", n.Name)
		}
		if slices.Contains(obj.PartitionedBy, i) {
			return b.Src.Errorf(n.Pos, sqlerr.InvalidTableDefinition, "partition column %q is listed twice", n.Name)
		}
		obj.PartitionedBy = append(obj.PartitionedBy, i)
	}
	// The files hold the columns that are neither computed nor partition
	// columns, in declared order (Flink's filesystem sink leaves the
	// partition columns to the directory names).
	var cols []int
	for _, i := range valueColumns(obj) {
		if !slices.Contains(obj.PartitionedBy, i) {
			cols = append(cols, i)
		}
	}
	return b.formatSide(obj, pos, st, formatSide{what: "value", cols: cols}, map[string]string{}, d)
}
