package operator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"riffle/catalog"
	"riffle/connectors/filesystem"
	"riffle/connectors/format"
	"riffle/exec/state"
	"riffle/sql/types"
)

// Committer is a sink whose output becomes visible only after the epoch
// that wrote it has committed: the runtime calls Committed right after
// each commit of the query's state and positions (durably), and again on
// nothing else. A crash between the two is the sink's to finish when it
// opens again.
type Committer interface {
	Committed() error
}

// FileSink writes a query's rows to part files under a 'filesystem'
// table's path (connectors/filesystem), one file per partition directory
// per epoch. At the barrier it ends the epoch's files (synced, still
// hidden) and records their names, with the next file sequence number, in
// its state table, so they commit with the query's positions; once the
// commit is durable (Committed) it renames them to their visible names.
// Opening again, it finishes the renames of the last commit and removes
// the hidden files of an epoch that never committed, whose rows the
// query writes again from its committed positions: every row is in
// exactly one visible file.
//
// Only inserts reach it (the planner refuses an updating query). The
// files hold the table's columns that are neither computed nor
// PARTITIONED BY; the partition columns' values name the directories.
type FileSink struct {
	root     string
	sink     *filesystem.Sink
	enc      format.Encoder
	fileCols []int // indexes of the written row that the files hold
	partCols []int // indexes of the written row that name the directories
	partEnc  []format.Encoder
	names    []string
	def      string
	state    *state.Table
	seq      int64
	pending  []filesystem.Pending // prepared at the barrier, renamed once committed
	recorded bool                 // the state table holds a pending list
	rec      types.Row
	vals     []string
	buf      []byte
}

var _ Operator = (*FileSink)(nil)
var _ Committer = (*FileSink)(nil)

// FileSinkTables is how many state tables a FileSink uses.
const FileSinkTables = 1

// NewFileSink returns the sink writing table t's files for the query
// named query (its part files carry the name, so that queries writing to
// one directory never touch each other's files).
func NewFileSink(t *catalog.Object, query string) (*FileSink, error) {
	s := &FileSink{root: t.Options["path"], def: t.Options["partition.default-name"]}
	if s.def == "" {
		s.def = filesystem.DefaultPartition
	}
	fileCols, partCols := FileColumns(t)
	var cols []types.Column
	for _, c := range fileCols {
		cols = append(cols, t.Schema.Columns[c])
	}
	enc, err := newFormatEncoder(t.Options, "", types.Schema{Columns: cols}, nil, "")
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", t.Name, err)
	}
	s.enc, s.fileCols, s.partCols = enc, fileCols, partCols
	for _, c := range partCols {
		col := t.Schema.Columns[c]
		e, err := format.NewCSVEncoder(types.Schema{Columns: []types.Column{col}}, format.CSVOptions{})
		if err != nil {
			return nil, err
		}
		s.partEnc, s.names = append(s.partEnc, e), append(s.names, col.Name)
	}
	s.rec, s.vals = make(types.Row, len(fileCols)), make([]string, len(partCols))
	s.sink = filesystem.NewSink(s.root, partPrefix(query), formatOf(t.Options, ""))
	return s, nil
}

// FileColumns are the schema indexes of the columns a 'filesystem'
// table's files hold (neither computed nor partition columns) and of its
// partition columns. The table has no virtual columns, so these are also
// indexes of the rows written to it.
func FileColumns(t *catalog.Object) (file, part []int) {
	for i := range t.Schema.Columns {
		if t.Columns != nil && (t.Columns[i].Computed != "" || t.Columns[i].Metadata != "") || slices.Contains(t.PartitionedBy, i) {
			continue
		}
		file = append(file, i)
	}
	return file, t.PartitionedBy
}

// FileDecoder is the decoder of the records of a 'filesystem' table's
// files: rows of its FileColumns.
func FileDecoder(t *catalog.Object) (format.Decoder, error) {
	file, _ := FileColumns(t)
	var cols []types.Column
	for _, c := range file {
		cols = append(cols, t.Schema.Columns[c])
	}
	return newFormatDecoder(t.Options, "", types.Schema{Columns: cols}, nil)
}

// partPrefix makes a query's name safe in a file name.
func partPrefix(query string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return '_'
	}, query)
}

var (
	fileSeqKey     = []byte("seq")
	filePendingKey = []byte("pending")
)

// Open finishes the last commit's renames and removes the files of an
// epoch that did not commit.
func (s *FileSink) Open(_ context.Context, env *Env) error {
	s.state = env.Table(0)
	if err := os.MkdirAll(s.root, 0o755); err != nil {
		return fmt.Errorf("filesystem sink: %w", err)
	}
	if b, ok, err := s.state.Get(fileSeqKey); err != nil {
		return err
	} else if ok {
		if s.seq, err = strconv.ParseInt(string(b), 10, 64); err != nil {
			return fmt.Errorf("filesystem sink: corrupt sequence number %q", b)
		}
	}
	b, ok, err := s.state.Get(filePendingKey)
	if err != nil {
		return err
	}
	var pending []filesystem.Pending
	if ok {
		if err := json.Unmarshal(b, &pending); err != nil {
			return fmt.Errorf("filesystem sink: corrupt pending files: %w", err)
		}
		if err := filesystem.Commit(s.root, pending); err != nil {
			return err
		}
		s.recorded = true
	}
	return s.sink.Abort(nil)
}

func (s *FileSink) OnBatch(_ context.Context, _ int, b types.Batch, _ Emitter) error {
	for _, c := range b {
		if c.Diff <= 0 {
			return fmt.Errorf("filesystem sink: a retraction reached an append-only sink")
		}
		for i, col := range s.fileCols {
			s.rec[i] = c.Row[col]
		}
		var err error
		if s.buf, err = s.enc.Encode(s.buf[:0], s.rec); err != nil {
			return fmt.Errorf("filesystem sink: %w", err)
		}
		dir, err := s.dir(c.Row)
		if err != nil {
			return err
		}
		for range c.Diff {
			if err := s.sink.Write(dir, s.buf); err != nil {
				return err
			}
		}
	}
	return nil
}

// dir is the partition directory of a written row.
func (s *FileSink) dir(row types.Row) (string, error) {
	if len(s.partCols) == 0 {
		return "", nil
	}
	for i, col := range s.partCols {
		v := row[col]
		if v.IsNull() {
			s.vals[i] = s.def
			continue
		}
		text, err := s.partEnc[i].Encode(nil, row[col:col+1])
		if err != nil {
			return "", fmt.Errorf("filesystem sink: partition %s: %w", s.names[i], err)
		}
		s.vals[i] = csvUnquote(text)
	}
	return filesystem.PartitionDir(s.names, s.vals), nil
}

// csvUnquote is the text of one csv field as the encoder wrote it.
func csvUnquote(f []byte) string {
	if len(f) >= 2 && f[0] == '"' && f[len(f)-1] == '"' {
		return string(bytes.ReplaceAll(f[1:len(f)-1], []byte(`""`), []byte(`"`)))
	}
	return string(f)
}

// OnBarrier ends the epoch's files and records them, to commit with the
// epoch.
func (s *FileSink) OnBarrier(context.Context) error {
	pending, err := s.sink.Prepare(s.seq)
	if err != nil {
		return err
	}
	s.pending = pending
	if len(pending) == 0 {
		if s.recorded {
			s.state.Delete(filePendingKey)
			s.recorded = false
		}
		return nil
	}
	s.seq++
	b, _ := json.Marshal(pending)
	s.state.Put(filePendingKey, b)
	s.state.Put(fileSeqKey, strconv.AppendInt(nil, s.seq, 10))
	s.recorded = true
	return nil
}

// Committed makes the committed epoch's files visible.
func (s *FileSink) Committed() error {
	err := filesystem.Commit(s.root, s.pending)
	s.pending = nil
	return err
}

func (s *FileSink) Close() error {
	s.sink.Close()
	return nil
}

// WriteFileRows writes rows to table t's files at once, as INSERT INTO …
// VALUES does: part files named with prefix, hidden until every one is
// written and synced, then renamed. A crash on the way leaves only hidden
// files, which no reader sees.
func WriteFileRows(t *catalog.Object, prefix string, rows []types.Row) error {
	s, err := NewFileSink(t, prefix)
	if err != nil {
		return err
	}
	b := make(types.Batch, len(rows))
	for i, r := range rows {
		b[i] = types.Change{Row: r, Diff: 1}
	}
	if err := s.OnBatch(context.Background(), 0, b, nil); err != nil {
		s.sink.Abort(nil)
		return err
	}
	pending, err := s.sink.Prepare(0)
	if err != nil {
		return err
	}
	return filesystem.Commit(s.root, pending)
}
