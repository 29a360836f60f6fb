package operator_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"riffle/catalog"
	"riffle/exec/expr"
	"riffle/exec/operator"
	"riffle/exec/state"
	"riffle/planner/bind"
	"riffle/planner/logical"
	"riffle/planner/scalar"
	"riffle/sql/parse"
	"riffle/sql/types"

	"github.com/cockroachdb/datadriven"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// harness runs one chain of operators over a table t whose schema the test
// declares, with state in a real Pebble store on an in-memory filesystem.
type harness struct {
	layout int // the joins' state layout (0: the newest)
	ttl    time.Duration
	now    int64 // ms, the operators' clock
	cat    *catalog.Catalog
	schema types.Schema
	fs     vfs.FS
	store  *state.Store
	txn    *state.Txn
	ops    []operator.Operator
	out    types.Batch
	// windows is set by the window directive: outputs are printed
	// sorted (the two ways of running a window aggregate emit a
	// watermark's windows in different orders), followed by the rows
	// reported late, collected in late.
	windows bool
	late    []string
}

// TestOperators runs testdata/exec: each file declares a schema, builds a
// chain of operators, feeds it batches of changes and prints what comes out.
//
//	schema        column definitions of the input table t; starts a new chain. With the argument
//	              changelog t is a Debezium table, whose changes retract (else it is append-only)
//	filter        a predicate over t's columns, appended to the chain
//	project       a select list over the chain's input, appended to the chain
//	calc          a SELECT over t of filters and projections (subqueries in FROM stack them): starts a
//	              new chain with them fused into one Calc, and prints the steps it runs
//	materialize   appends a Materialize (state table 1)
//	topn          partition=(cols) order=(col [desc], …) limit=N [offset=N] [func=rank|dense_rank] [rownumber] [append-only]
//	              [layout=N]: appends a TopN (over a retracting input, or t's append-only scan: then it keeps only each
//	              partition's top) with state layout N (default: the newest)
//	batch         lines "+1 (v, …)" / "-1 (v, …)", fed to the chain; prints the output changes
//	barrier       ends the epoch: operators flush and the state commits
//	contents      prints the materialized rows with their multiplicity
//	restart       reopens the store (uncommitted writes are lost) and the operators
//	aggregate     a grouping SELECT over t; appends its Aggregate ([layout=N]: its state layout, default the newest)
//	normalize     appends a Normalize keyed by t's first column
//	over          a SELECT over t with window functions of one window; appends its Over (prints how it runs)
//	ttl, clock    set the state TTL (ms; before adding operators) and the operators' clock (ms)
//	right         column definitions of a second table u, the right input of a join (changelog as for schema)
//	join          a SELECT joining t and u; appends its Join, which must come first in the chain. Its
//	              state layout is the newest, or layout=N, or the harness's layout when it sets one
//	batch wm=T    stamps the changes with the watermark they were read under (2006-01-02T15:04:05.999)
//	batch input=1 feeds changes of u to the chain's first operator (its right input)
//	watermark     "wm [wm2]" (timestamps, or end) to the chain's first operator, if it acts on time; prints what it emits
//	entries       how many entries each state table of the chain's first operator holds (the first acting on time, if any)
//	window        [layout=N] [lateness=ms] a window aggregate over t (GROUP BY a window TVF's columns), run as the runtime runs it at planner
//	              version N (default: the newest): prints "sliced" (one SliceAggregate) or "assign, aggregate" (WindowAssign,
//	              then Aggregate); then outputs print sorted, with the rows reported late after them
func TestOperators(t *testing.T) {
	datadriven.Walk(t, "../../testdata/exec", func(t *testing.T, path string) {
		h := &harness{fs: vfs.NewMem()}
		defer h.close()
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			out, err := h.run(t, d)
			if err != nil {
				return "error: " + err.Error() + "\n"
			}
			return out
		})
	})
}

// TestOperatorsSmallCaches runs the files again with the joins' caches so
// small that a probe of more than one row streams from the table and the
// cache forgets keys all the time, and the aggregates' caches of groups and
// DISTINCT values holding about one entry, and the filters of present keys
// growing from two keys and giving up past forty: the results must be the
// same.
func TestOperatorsSmallCaches(t *testing.T) {
	defer operator.SetJoinCache(300, 1)()
	defer operator.SetKeyFilters(2, 40)()
	defer operator.SetCompleteRows(2)()
	defer operator.SetAggregateCaches(200)()
	TestOperators(t)
}

// TestOperatorsJoinSidesPartlyWhole runs the files again with a join side
// known whole (its probe cache holding every row, so that a key it does not
// hold has none: join_complete.go) for only two writes, with caches large
// enough not to forget: every side goes from whole, through stale keys read
// again, to not whole, within the files' few rows, and at restarts is read
// whole again. The results must be the same.
func TestOperatorsJoinSidesPartlyWhole(t *testing.T) {
	defer operator.SetCompleteRows(2)()
	TestOperators(t)
}

func (h *harness) close() {
	if h.txn != nil {
		h.txn.Close()
	}
	if h.store != nil {
		h.store.Close()
	}
}

func (h *harness) run(t *testing.T, d *datadriven.TestData) (string, error) {
	ctx := context.Background()
	switch d.Cmd {
	case "schema":
		return "ok\n", h.setSchema(d.Input, d.HasArg("changelog"))
	case "filter":
		node, err := h.bind("SELECT * FROM t WHERE " + d.Input)
		if err != nil {
			return "", err
		}
		f, err := operator.NewCalc([]logical.Node{node.(*logical.Project).Input}, expr.Env{})
		return "ok\n", h.add(f, err)
	case "project":
		node, err := h.bind("SELECT " + d.Input + " FROM t")
		if err != nil {
			return "", err
		}
		p, err := operator.NewCalc([]logical.Node{node}, expr.Env{})
		return "ok\n", h.add(p, err)
	case "calc":
		node, err := h.bind(d.Input)
		if err != nil {
			return "", err
		}
		var chain []logical.Node
		for n := node; ; n = n.Inputs()[0] {
			if _, ok := n.(*logical.Scan); ok {
				break
			}
			chain = append(chain, n)
		}
		c, err := operator.NewCalc(chain, expr.Env{})
		if err != nil {
			return "", err
		}
		h.ops = nil
		return c.String() + "\n", h.add(c, nil)
	case "materialize":
		return "ok\n", h.add(operator.NewMaterialize(), nil)
	case "topn":
		n, err := h.topN(d)
		if err != nil {
			return "", err
		}
		t, err := operator.NewTopN(n)
		return "ok\n", h.add(t, err)
	case "batch":
		input, table := 0, "t"
		if d.HasArg("input") {
			d.ScanArgs(t, "input", &input)
			table = "u"
		}
		b, err := h.batch(table, d.Input)
		if err != nil {
			return "", err
		}
		if d.HasArg("wm") {
			// The watermark the rows were read under (Change.Wm).
			var at string
			d.ScanArgs(t, "wm", &at)
			ts, err := time.Parse("2006-01-02T15:04:05.999", at)
			if err != nil {
				return "", err
			}
			for i := range b {
				b[i].Wm = ts.UnixMicro()
			}
		}
		h.out, h.late = nil, nil
		if err := h.push(ctx, 0, input, b); err != nil {
			return "", err
		}
		return h.render(), nil
	case "right":
		return "ok\n", h.declare("u", d.Input, d.HasArg("changelog"))
	case "watermark":
		return h.watermark(ctx, d.Input)
	case "entries":
		return h.entries()
	case "join":
		node, err := h.bind(d.Input)
		if err != nil {
			return "", err
		}
		j, ok := findJoin(node)
		if !ok {
			return "", fmt.Errorf("no join in the plan")
		}
		j.Layout = h.layout
		if d.HasArg("layout") {
			d.ScanArgs(t, "layout", &j.Layout)
		}
		op, err := operator.NewJoin(j, expr.Env{})
		return "ok\n", h.add(op, err)
	case "barrier":
		for _, op := range h.ops {
			if err := op.OnBarrier(ctx); err != nil {
				return "", err
			}
		}
		return "ok\n", h.txn.Commit(false)
	case "contents":
		return h.contents()
	case "ttl":
		var ms int64
		fmt.Sscan(d.Input, &ms)
		h.ttl = time.Duration(ms) * time.Millisecond
		return "ok\n", nil
	case "clock":
		fmt.Sscan(d.Input, &h.now)
		return "ok\n", nil
	case "aggregate":
		node, err := h.bind(d.Input)
		if err != nil {
			return "", err
		}
		agg := node.(*logical.Project).Input.(*logical.Aggregate)
		if d.HasArg("layout") {
			d.ScanArgs(t, "layout", &agg.Layout)
		}
		a, err := operator.NewAggregate(agg, expr.Env{})
		return "ok\n", h.add(a, err)
	case "normalize":
		return "ok\n", h.add(operator.NewNormalize([]int{0}), nil)
	case "over":
		node, err := h.bind(d.Input)
		if err != nil {
			return "", err
		}
		o, ok := findOver(node)
		if !ok {
			return "", fmt.Errorf("no over window in the plan")
		}
		if o.EventTime() {
			op, err := operator.NewTimeOver(o, expr.Env{})
			return "event time\n", h.add(op, err)
		}
		op, err := operator.NewOver(o, expr.Env{})
		return "updating\n", h.add(op, err)
	case "restart":
		return "ok\n", h.restart()
	case "window":
		return h.window(t, d)
	}
	return "", fmt.Errorf("unknown directive %q", d.Cmd)
}

func (h *harness) setSchema(cols string, changelog bool) error {
	if err := h.setSchemaOnly(cols, changelog); err != nil {
		return err
	}
	h.close()
	h.store, h.txn, h.fs = nil, nil, vfs.NewMem() // a new chain starts from empty state
	return h.restart()
}

// setSchemaOnly declares table t in a fresh catalog, without a store.
func (h *harness) setSchemaOnly(cols string, changelog bool) error {
	cat, err := catalog.Open(catalog.NewMemStore())
	if err != nil {
		return err
	}
	h.cat, h.ops, h.windows = cat, nil, false
	return h.declare("t", cols, changelog)
}

// declare creates table name in the harness's catalog: a changelog
// (Debezium) table, whose changes retract, or an append-only one.
func (h *harness) declare(name, cols string, changelog bool) error {
	sql := "CREATE TABLE " + name + " (" + cols + ")"
	if changelog {
		sql += " WITH ('format' = 'debezium-json')"
	}
	st, err := parse.ParseOne(sql)
	if err != nil {
		return err
	}
	b := &bind.Binder{Cat: h.cat, Src: st.Source()}
	obj, err := b.CreateTable(st.(*parse.CreateTable), bind.TableDefaults{Partitions: 1})
	if err != nil {
		return err
	}
	if name == "t" {
		h.schema = obj.Schema
	}
	return h.cat.Create(obj, nil)
}

// watermark hands the chain's first operator its inputs' watermarks,
// given as timestamps, one per input.
func (h *harness) watermark(ctx context.Context, input string) (string, error) {
	first := h.firstTimed()
	t, ok := h.ops[first].(operator.Watermarker)
	if !ok {
		return "", fmt.Errorf("no operator of the chain acts on time")
	}
	var wms []int64
	for _, f := range strings.Split(strings.TrimSpace(input), ",") {
		if strings.TrimSpace(f) == "end" {
			wms = append(wms, math.MaxInt64) // the end of input
			continue
		}
		ts, err := time.Parse("2006-01-02 15:04:05.999", strings.TrimSpace(f))
		if err != nil {
			return "", err
		}
		wms = append(wms, ts.UnixMicro())
	}
	h.out, h.late = nil, nil
	if _, err := t.OnWatermark(ctx, wms, operator.EmitFunc(func(ctx context.Context, b types.Batch) error {
		return h.push(ctx, first+1, 0, b)
	})); err != nil {
		return "", err
	}
	return h.render(), nil
}

// entries counts the keys in each state table of the chain's first
// operator (tables 1, 2, … of the store).
func (h *harness) entries() (string, error) {
	var out []string
	base := uint32(1 + 16*h.firstTimed())
	for id := base; id < base+4; id++ {
		it, err := h.txn.Table(id).Iter(nil, nil)
		if err != nil {
			return "", err
		}
		n := 0
		for ok := it.First(); ok; ok = it.Next() {
			n++
		}
		if err := it.Close(); err != nil {
			return "", err
		}
		out = append(out, fmt.Sprintf("table %d: %d", id-base+1, n))
	}
	return strings.Join(out, "\n") + "\n", nil
}

// findOver finds the first Over in a plan.
func findOver(n logical.Node) (*logical.Over, bool) {
	if o, ok := n.(*logical.Over); ok {
		return o, true
	}
	for _, c := range n.Inputs() {
		if o, ok := findOver(c); ok {
			return o, true
		}
	}
	return nil, false
}

// findJoin finds the first Join in a plan.
func findJoin(n logical.Node) (*logical.Join, bool) {
	if j, ok := n.(*logical.Join); ok {
		return j, true
	}
	for _, c := range n.Inputs() {
		if j, ok := findJoin(c); ok {
			return j, true
		}
	}
	return nil, false
}

// bind plans a query over t with the real binder, so the operators run
// exactly the expressions a continuous query would.
func (h *harness) bind(sql string) (logical.Node, error) {
	st, err := parse.ParseOne(sql)
	if err != nil {
		return nil, err
	}
	b := &bind.Binder{Cat: h.cat, Src: st.Source(), Params: []*string{}}
	return b.Query(st.(*parse.Select).Query)
}

func (h *harness) add(op operator.Operator, err error) error {
	if err != nil {
		return err
	}
	h.ops = append(h.ops, op)
	return op.Open(context.Background(), h.env(len(h.ops)-1))
}

// env is the environment of the chain's operator i: its state tables are
// 1+16i, 2+16i, ….
func (h *harness) env(i int) *operator.Env {
	base := uint32(1 + 16*i)
	return &operator.Env{Table: func(j int) *state.Table { return h.txn.Table(base + uint32(j)) },
		TTL: h.ttl, Now: func() int64 { return h.now }, Late: h.reportLate}
}

func (h *harness) restart() error {
	h.close()
	var err error
	if h.store, err = state.OpenFS(h.fs, "/state"); err != nil {
		return err
	}
	h.txn = h.store.Begin()
	for i, op := range h.ops {
		if err := op.Open(context.Background(), h.env(i)); err != nil {
			return err
		}
	}
	return nil
}

func (h *harness) push(ctx context.Context, i, input int, b types.Batch) error {
	if i == len(h.ops) {
		for _, c := range b {
			h.out = append(h.out, types.Change{Row: append(types.Row(nil), c.Row...), Diff: c.Diff})
		}
		return nil
	}
	return h.ops[i].OnBatch(ctx, input, b, operator.EmitFunc(func(ctx context.Context, b types.Batch) error {
		return h.push(ctx, i+1, 0, b)
	}))
}

// batch parses "+1 (1, 'a')" lines into changes of table's rows, evaluating
// the tuples as INSERT would (so literals are cast to the column types).
func (h *harness) batch(table, input string) (types.Batch, error) {
	var b types.Batch
	for _, line := range strings.Split(strings.TrimSpace(input), "\n") {
		diff, tuple, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok {
			return nil, fmt.Errorf("bad change line %q", line)
		}
		var n int64
		if _, err := fmt.Sscan(diff, &n); err != nil {
			return nil, fmt.Errorf("bad diff in %q", line)
		}
		st, err := parse.ParseOne("INSERT INTO " + table + " VALUES " + tuple)
		if err != nil {
			return nil, err
		}
		bd := &bind.Binder{Cat: h.cat, Src: st.Source(), Params: []*string{}}
		_, node, err := bd.Insert(st.(*parse.Insert))
		if err != nil {
			return nil, err
		}
		for _, exprs := range node.(*logical.Values).Rows {
			row := make(types.Row, len(exprs))
			for i, e := range exprs {
				f, err := expr.Compile(e)
				if err != nil {
					return nil, err
				}
				if row[i], err = f(nil); err != nil {
					return nil, err
				}
			}
			b = append(b, types.Change{Row: row, Diff: types.Diff(n)})
		}
	}
	return b, nil
}

func (h *harness) contents() (string, error) {
	// The chain's last operator is the Materialize.
	it, err := h.store.Table(uint32(1 + 16*(len(h.ops)-1))).Scan(nil)
	if err != nil {
		return "", err
	}
	defer it.Close()
	var b types.Batch
	for ok := it.First(); ok; ok = it.Next() {
		row, n, err := operator.DecodeEntry(it.Value())
		if err != nil {
			return "", err
		}
		b = append(b, types.Change{Row: row, Diff: types.Diff(n)})
	}
	if len(b) == 0 {
		return "(empty)\n", it.Error()
	}
	return render(b), it.Error()
}

func render(b types.Batch) string {
	if len(b) == 0 {
		return "(no output)\n"
	}
	lines := make([]string, len(b))
	for i, c := range b {
		vals := make([]string, len(c.Row))
		for j, v := range c.Row {
			if v.K == types.KString {
				vals[j] = "'" + v.S + "'"
			} else {
				vals[j] = types.Text(v, types.Type{})
			}
		}
		lines[i] = fmt.Sprintf("%+d (%s)", c.Diff, strings.Join(vals, ", "))
	}
	return strings.Join(lines, "\n") + "\n"
}

// topN builds a TopN over t from the directive's arguments.
func (h *harness) topN(d *datadriven.TestData) (*logical.TopN, error) {
	n := &logical.TopN{Out: h.schema}
	for _, arg := range d.CmdArgs {
		switch arg.Key {
		case "partition":
			for _, v := range arg.Vals {
				i := h.schema.Find(v)
				if i < 0 {
					return nil, fmt.Errorf("no column %q", v)
				}
				n.PartitionBy = append(n.PartitionBy, i)
			}
		case "order":
			for _, v := range arg.Vals {
				name, dir, _ := strings.Cut(v, " ")
				i := h.schema.Find(name)
				if i < 0 {
					return nil, fmt.Errorf("no column %q", name)
				}
				desc := dir == "desc"
				n.OrderBy = append(n.OrderBy, logical.SortKey{Expr: &scalar.ColRef{Idx: i, Name: name, T: h.schema.Columns[i].Type}, Desc: desc, NullsFirst: desc})
			}
		case "limit":
			fmt.Sscan(arg.Vals[0], &n.Limit)
		case "offset":
			fmt.Sscan(arg.Vals[0], &n.Offset)
		case "func":
			n.Func = arg.Vals[0]
		case "layout":
			fmt.Sscan(arg.Vals[0], &n.Layout)
		case "append-only":
			in, err := h.bind("SELECT * FROM t")
			if err != nil {
				return nil, err
			}
			n.Input = in
		case "rownumber":
			n.RowNumber = true
			n.Out.Columns = append(append([]types.Column(nil), h.schema.Columns...), types.Column{Name: "rn", Type: types.TBigInt})
		}
	}
	return n, nil
}

// window builds the operators the runtime runs for the window aggregate of
// a query at a planner version (see the window directive).
func (h *harness) window(t *testing.T, d *datadriven.TestData) (string, error) {
	layout := 0
	if d.HasArg("layout") {
		d.ScanArgs(t, "layout", &layout)
	}
	node, err := h.bind(d.Input)
	if err != nil {
		return "", err
	}
	logical.StampLayout(node, layout)
	a := findAggregate(node)
	if a == nil {
		return "", fmt.Errorf("no aggregate in the plan")
	}
	if d.HasArg("lateness") {
		var ms int64
		d.ScanArgs(t, "lateness", &ms)
		a.Emit.Lateness = ms * 1000
	}
	h.windows = true
	if logical.Sliced(a) != nil {
		op, err := operator.NewSliceAggregate(a, expr.Env{})
		return "sliced\n", h.add(op, err)
	}
	tvf, ok := a.Input.(*logical.WindowTVF)
	if !ok {
		return "", fmt.Errorf("the aggregate does not read a window TVF")
	}
	wa, err := operator.NewWindowAssign(tvf)
	if err := h.add(wa, err); err != nil {
		return "", err
	}
	op, err := operator.NewAggregate(a, expr.Env{})
	return "assign, aggregate\n", h.add(op, err)
}

// firstTimed is the index of the chain's first operator that acts on
// time, or 0.
func (h *harness) firstTimed() int {
	for i, op := range h.ops {
		if _, ok := op.(operator.Watermarker); ok {
			return i
		}
	}
	return 0
}

// reportLate collects a late row for a window chain's output.
func (h *harness) reportLate(lr operator.LateRow) {
	if h.windows {
		h.late = append(h.late, fmt.Sprintf("late %+d: %s", lr.Diff, strings.TrimPrefix(render(types.Batch{{Row: lr.Row, Diff: lr.Diff}}), fmt.Sprintf("%+d ", lr.Diff))))
	}
}

// render prints the chain's output: sorted, and followed by the late rows,
// for a window chain.
func (h *harness) render() string {
	out := render(h.out)
	if !h.windows {
		return out
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	sort.Strings(lines)
	late := slices.Clone(h.late)
	sort.Strings(late)
	for _, l := range late {
		lines = append(lines, strings.TrimSuffix(l, "\n"))
	}
	return strings.Join(lines, "\n") + "\n"
}
