package pipeline

import (
	"fmt"
	"io"
)

// CheckDir checks the pipeline in dir, printing every error as
// file:line:col: message (SQLSTATE) and a summary line; it returns the
// process exit code: 0 when everything binds and plans, 1 otherwise.
func CheckDir(dir string, out io.Writer) (int, error) {
	decls, diags, err := Load(dir)
	if err != nil {
		return 1, err
	}
	c := Check(decls)
	diags = append(diags, c.Diags...)
	printDiags(out, dir, diags)
	if len(diags) > 0 {
		fmt.Fprintf(out, "%s: %d error(s)\n", dir, len(diags))
		return 1, nil
	}
	counts := map[Kind]int{}
	for _, d := range c.Order {
		counts[d.Kind]++
	}
	fmt.Fprintf(out, "%s: ok (%d tables, %d views, %d materialized views, %d queries)\n",
		dir, counts[Table], counts[View], counts[MaterializedView], counts[Query])
	return 0, nil
}
