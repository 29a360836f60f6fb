package filesystem

import (
	"fmt"
	"path/filepath"
	"strings"

	"riffle/connectors/format"
	"riffle/connectors/gen"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// DefaultPartition is the directory value of a NULL partition value
// (Flink's 'partition.default-name' default).
const DefaultPartition = "__DEFAULT_PARTITION__"

// SourceSpec is what a Source reads: a table's files and how their records
// become rows.
type SourceSpec struct {
	Table gen.Table // its name, schema and options ('path')
	// FileCols are the schema indexes of the columns a record holds, in
	// order; Decoder decodes a record into a row of those columns.
	FileCols []int
	Decoder  format.Decoder
	// PartCols are the schema indexes of the PARTITIONED BY columns, read
	// from the directory names.
	PartCols []int
	// Skip skips a bad record ('error.policy' = 'skip'), counting it;
	// otherwise a bad record is an error naming its file and line.
	Skip bool
}

// Source is a bounded table read from files: the connectors/gen contract,
// with row n the n-th record of the files in path order. The files are
// read, and their records decoded, once, when the Source is built, so a
// bad record stops the query before it reads anything. It is read whole at
// once (Eager): a side table looked up by a processing-time join is
// complete before the first probe row.
type Source struct {
	rows    []types.Row
	fill    []int
	skipped int64
}

var _ gen.Source = (*Source)(nil)

// NewSource reads the files of spec's table.
func NewSource(spec SourceSpec) (*Source, error) {
	root := spec.Table.Options["path"]
	files, err := Files(root)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", spec.Table.Name, err)
	}
	s := &Source{fill: append(append([]int{}, spec.FileCols...), spec.PartCols...)}
	names := make([]string, len(spec.PartCols))
	parts := make([]format.Decoder, len(spec.PartCols))
	for i, c := range spec.PartCols {
		col := spec.Table.Schema.Columns[c]
		names[i] = col.Name
		if parts[i], err = format.NewCSVDecoder(types.Schema{Columns: []types.Column{col}}, format.CSVOptions{}); err != nil {
			return nil, err
		}
	}
	def := spec.Table.Options["partition.default-name"]
	if def == "" {
		def = DefaultPartition
	}
	width := len(spec.Table.Schema.Columns)
	rec := make(types.Row, len(spec.FileCols))
	for _, f := range files {
		vals, oks, err := Partition(root, f, names)
		if err != nil {
			return nil, fmt.Errorf("table %s: %w", spec.Table.Name, err)
		}
		prow := make(types.Row, len(names))
		for i := range names {
			if !oks[i] || vals[i] == def {
				continue // NULL
			}
			quoted := `"` + strings.ReplaceAll(vals[i], `"`, `""`) + `"`
			if err := parts[i].Decode([]byte(quoted), prow[i:i+1]); err != nil {
				return nil, fmt.Errorf("table %s: file %s: partition %s=%s: %w", spec.Table.Name, f, names[i], vals[i], err)
			}
		}
		err = Lines(f, func(line []byte, n int) error {
			if err := spec.Decoder.Decode(line, rec); err != nil {
				if spec.Skip {
					s.skipped++
					return nil
				}
				return sqlerr.New(sqlerr.InvalidText, "bad record in table %s (file %s, line %d): %v", spec.Table.Name, rel(root, f), n, err).
					WithHint("its 'error.policy' is 'fail': fix the file, or declare the table with 'error.policy' = 'skip' to skip such lines")
			}
			row := make(types.Row, width)
			for i, c := range spec.FileCols {
				row[c] = rec[i]
			}
			for i, c := range spec.PartCols {
				row[c] = prow[i]
			}
			s.rows = append(s.rows, row)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Len: the files' records, and the table ends after them.
func (s *Source) Len() (int64, bool) { return int64(len(s.rows)), true }

// Splits: one; the files are read in path order.
func (s *Source) Splits() int { return 1 }

// Rate: unpaced.
func (s *Source) Rate() float64 { return 0 }

// Eager: read whole at once (gen.Eager).
func (s *Source) Eager() bool { return true }

// Skipped is how many bad records were skipped.
func (s *Source) Skipped() int64 { return s.skipped }

// Fill copies rows first, first+stride, … into rows.
func (s *Source) Fill(first, stride int64, rows []types.Row) {
	for i, row := range rows {
		src := s.rows[first+int64(i)*stride]
		for _, c := range s.fill {
			row[c] = src[c]
		}
	}
}

// rel names a file by its path below the table's path (its name when the
// path is the file), as the user knows it.
func rel(root, file string) string {
	if r, err := filepath.Rel(root, file); err == nil && r != "." {
		return r
	}
	return filepath.Base(file)
}
