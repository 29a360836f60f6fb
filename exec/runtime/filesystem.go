package runtime

import (
	"riffle/catalog"
	"riffle/connectors/filesystem"
	"riffle/connectors/gen"
	"riffle/exec/operator"
	"riffle/planner/bind"
)

// isFilesystem says whether a scanned table is a 'filesystem' table.
func isFilesystem(t *catalog.Object) bool { return bind.IsFilesystem(t) }

// newFileSource reads a 'filesystem' table as a bounded generated source
// (connectors/gen): row n is the n-th record of its files, read when the
// query starts, so that a restart resumes at the count of rows read. Its
// bad records meet the table's error policy there: 'fail' stops the query
// before it reads anything, naming the file and line; 'skip' leaves them
// out.
func newFileSource(t *catalog.Object) (gen.Source, error) {
	dec, err := operator.FileDecoder(t)
	if err != nil {
		return nil, err
	}
	file, part := operator.FileColumns(t)
	tab := gen.Table{Name: t.Name, Schema: t.Schema, Options: t.Options}
	return filesystem.NewSource(filesystem.SourceSpec{Table: tab, FileCols: file, PartCols: part, Decoder: dec,
		Skip: t.ErrorPolicy() == catalog.PolicySkip})
}
