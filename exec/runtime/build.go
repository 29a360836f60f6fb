package runtime

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"riffle/catalog"
	"riffle/connectors/gen"
	"riffle/exec/expr"
	"riffle/exec/operator"
	"riffle/planner/logical"
	"riffle/planner/physical"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// opNode is one running operator and where its output goes.
type opNode struct {
	op     operator.Operator
	parent int // index in task.nodes; -1 is the fragment's output
	input  int // which input of the parent
	tables int // how many state tables it keeps
	base   int // the first of them, in the query's tables
	ttl    time.Duration
	in     types.Schema // its (first) input's schema, for reporting late rows
	inWm   []int64      // each input's watermark (µs; 0 none)
	outWm  int64        // the watermark its output carries
	ticked time.Time    // when it last had OnTick (operator.Ticker)
}

// scan is what the query knows of one of its scans, whichever tasks read
// it: the table, where it ends, its watermark over every partition, the
// reading position of a generated table.
type scan struct {
	id      int               // the scan's place in build order: stable across restarts
	topic   string            // the topic it reads ("" for a generated table)
	table   string            // the table's name, for errors
	object  *catalog.Object   // the table
	options map[string]string // the table's options
	frag    *fragment         // the fragment whose tasks read it
	bound   map[int32]int64   // a bounded scan's end offsets (nil: unbounded)
	done    bool              // a bounded scan that has read to its end
	gen     *generated        // a generated table's reading state (nil for a topic)
	view    bool              // it reads a materialized view's changes topic
	// wm is the scan's watermark over all its partitions (nil: the table
	// has none): the tasks' copies are merged into it after every read.
	wm *sourceWatermark
	// policy is the table's error policy, deadLetter its dead-letter topic;
	// bad counts its bad records. first: no scan before it in build order
	// reads the same table from the same topic, so it is the one that
	// counts and dead-letters a bad record both read.
	policy, deadLetter string
	bad                *atomic.Int64
	first              bool
}

// route is one task's reading of a scan: its decoder and its copy of the
// scan's watermark, into an input of an operator of the task (or of the
// fragment's output, for a query that is a bare scan).
type route struct {
	*scan
	src    gen.Source // a generated table's own generator (nil for a topic)
	dec    *operator.RecordDecoder
	width  int
	parent int
	input  int
	wm     *sourceWatermark // the task's copy (nil: the table has no watermark)
	sent   int64            // the watermark last carried downstream
	// owns reports whether the task reads a partition (a split of a
	// generated table); nil: every one.
	owns func(p int32) bool
	// dropLate: the table drops rows behind its watermark at the source
	// ('scan.watermark.drop-late'), reading each row's time with time and
	// reporting the dropped ones to late.
	dropLate bool
	time     expr.Func
	late     func(operator.LateRow)
	// checks are the table's CHECK constraints, checks[i] named
	// checkNames[i]: a row one of them finds false is a bad record.
	checks     []expr.Func
	checkNames []string
	// genBuffers are the task's memory for a generated scan's rows.
	genBuffers
	// order collects the event times of a poll's changes for event-time
	// scheduling (schedule.go); nil for a table that opts out.
	order *orderMarks
}

// fragment is a part of the plan between exchanges, run as tasks that
// each run a copy of its operators (see physical.Parallelize).
type fragment struct {
	id    int
	n     int // its tasks
	nodes []nodeSpec
	scans []scanSpec
	// ins are the exchanges feeding it: which node input each one feeds
	// and which fragment sends.
	ins []inSpec
	// out is the exchange its output goes through; nil in the root
	// fragment, whose output is the sink's input.
	out   *physical.Exchange
	to    *fragment // the fragment out sends to
	toIn  int       // out's index among to.ins
	tasks []*task
	// keyed is set when its tasks keep state of their own: a stateful
	// operator runs in several tasks, each on its part of the tables.
	keyed bool
}

// nodeSpec is one operator of a fragment: the plan node n, or, for a
// chain of filters and projections fused into one operator.Calc, the
// chain's top n down to its lowest node bottom, whose inputs feed it.
type nodeSpec struct {
	n, bottom     logical.Node
	parent, input int
	base          int // its first state table, in the query's tables
}

type scanSpec struct {
	s             *logical.Scan
	sc            *scan
	parent, input int
}

type inSpec struct {
	parent, input int
	from          *fragment
}

// build splits the plan into fragments at its exchanges, walking the tree
// in pre-order from the root, and makes each fragment's tasks. The walk
// hands out state tables and scan ids in the same order whatever the
// parallelism, so a plan's layout does not depend on it.
func (q *Query) build() error {
	q.frags, q.scans, q.tasks = nil, nil, nil
	q.nextTable = 0
	// The sink runs in one task, or, when it only counts (a blackhole), in
	// the tasks of the plan's root.
	root := q.newFragment(q.plan.SinkTasks() == 1)
	if x := q.plan.ExchangeAt(nil, 0); x != nil {
		// The root's output is gathered into a fragment of its own: the
		// sink's.
		child := q.newFragment(q.plan.TasksOf(q.plan.Root) == 1)
		root.ins = append(root.ins, inSpec{parent: -1, input: 0, from: child})
		child.out, child.to, child.toIn = x, root, 0
		if err := q.walk(child, q.plan.Root, -1, 0); err != nil {
			return err
		}
	} else if err := q.walk(root, q.plan.Root, -1, 0); err != nil {
		return err
	}
	q.sinkTables = 0
	switch q.plan.Sink.(type) {
	case *physical.ViewSink:
		q.sinkTables = 1
	case *physical.FileSink:
		q.sinkTables = operator.FileSinkTables
	}
	q.sinkBase = q.nextTable
	saved, err := q.savedGenerated()
	if err != nil {
		return err
	}
	for _, sc := range q.scans {
		if sc.object != nil && isGenerated(sc.object) {
			if sc.gen, err = q.generatedOf(sc, saved); err != nil {
				return err
			}
		}
	}
	for _, f := range q.frags {
		for i := range f.n {
			t, err := q.newTask(f, i)
			if err != nil {
				return err
			}
			f.tasks = append(f.tasks, t)
			q.tasks = append(q.tasks, t)
		}
	}
	for _, f := range q.frags {
		for i, in := range f.ins {
			for _, t := range in.from.tasks {
				if t.out, err = newSender(in.from.out, f, i, t.index); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (q *Query) newFragment(single bool) *fragment {
	n := 1
	if !single {
		n = max(q.plan.Parallelism, 1)
	}
	f := &fragment{id: len(q.frags), n: n}
	q.frags = append(q.frags, f)
	return f
}

// walk adds n's subtree to fragment f, starting new fragments below the
// exchanges it meets.
func (q *Query) walk(f *fragment, n logical.Node, parent, input int) error {
	if s, ok := n.(*logical.Scan); ok {
		return q.addScan(f, s, parent, input)
	}
	bottom := q.chainBottom(n)
	me := len(f.nodes)
	f.nodes = append(f.nodes, nodeSpec{n: n, bottom: bottom, parent: parent, input: input, base: q.nextTable})
	if tables := tablesOf(n); tables > 0 {
		q.nextTable += tables
		f.keyed = f.keyed || f.n > 1
	}
	for i, c := range bottom.Inputs() {
		x := q.plan.ExchangeAt(bottom, i)
		if x == nil {
			if err := q.walk(f, c, me, i); err != nil {
				return err
			}
			continue
		}
		child := q.newFragment(q.plan.TasksOf(c) == 1)
		child.out, child.to, child.toIn = x, f, len(f.ins)
		f.ins = append(f.ins, inSpec{parent: me, input: i, from: child})
		if err := q.walk(child, c, -1, 0); err != nil {
			return err
		}
	}
	return nil
}

// chainBottom is the lowest node of the chain of filters and projections
// from n down that runs as one operator (newFused): n itself when n is
// neither. A chain never reaches across an exchange: the nodes on either
// side run in different tasks. An aggregate by slices (logical.Sliced) is
// the other chain: it runs with its HOP as one operator, so its bottom is
// the HOP.
func (q *Query) chainBottom(n logical.Node) logical.Node {
	if a, ok := n.(*logical.Aggregate); ok {
		if tvf := logical.Sliced(a); tvf != nil {
			// The aggregate and its HOP run as one operator.SliceAggregate
			// (physical.Plan.Parallelize puts no exchange between them).
			return tvf
		}
	}
	bottom := n
	for fusable(bottom) && q.plan.ExchangeAt(bottom, 0) == nil && fusable(bottom.Inputs()[0]) {
		bottom = bottom.Inputs()[0]
	}
	return bottom
}

// fusable reports whether n can be part of a chain that runs as one
// operator.Calc: a filter or a projection.
func fusable(n logical.Node) bool {
	switch n.(type) {
	case *logical.Filter, *logical.Project:
		return true
	}
	return false
}

// addScan records a scan of fragment f.
func (q *Query) addScan(f *fragment, s *logical.Scan, parent, input int) error {
	if s.Object.Kind == catalog.MaterializedView {
		return q.addViewScan(f, s, parent, input)
	}
	if s.Object.Kind != catalog.Table {
		return sqlerr.New(sqlerr.FeatureNotSupported, "a continuous query over the %s %q is not supported",
			strings.ToLower(string(s.Object.Kind)), s.Object.Name)
	}
	wm, err := newSourceWatermark(s)
	if err != nil {
		return err
	}
	sc := &scan{id: len(q.scans), table: s.Object.Name, object: s.Object, options: s.Object.Options, frag: f, wm: wm}
	if !isGenerated(s.Object) {
		sc.topic = s.Object.Options["topic"]
		sc.policy, sc.deadLetter, sc.bad = s.Object.ErrorPolicy(), s.Object.DeadLetterTopic(), new(atomic.Int64)
		sc.first = !slices.ContainsFunc(q.scans, func(o *scan) bool { return o.topic == sc.topic && o.table == sc.table })
		if q.latest == nil {
			q.latest = map[string]bool{}
		}
		q.latest[sc.topic] = s.Object.Options["scan.startup.mode"] == "latest-offset"
	}
	q.scans = append(q.scans, sc)
	f.scans = append(f.scans, scanSpec{s: s, sc: sc, parent: parent, input: input})
	return nil
}

// newRoute makes task t's reading of a scan.
func (q *Query) newRoute(t *task, spec scanSpec) (*route, error) {
	s, sc := spec.s, spec.sc
	r := &route{scan: sc, width: len(s.Object.Schema.Columns), parent: spec.parent, input: spec.input}
	if n := t.frag.n; n > 1 {
		i := int32(t.index)
		r.owns = func(p int32) bool { return p%int32(n) == i }
	}
	if sc.view {
		r.dec = operator.NewViewChangesDecoder(s.Object)
		return r, nil
	}
	var err error
	// The task's own copy of the scan's watermark, with an expression of
	// its own (compiled expressions keep scratch space); shareWatermarks
	// fills it in.
	if r.wm, err = newSourceWatermark(s); err != nil {
		return nil, err
	}
	if r.wm != nil && s.EventTime != nil && s.Object.Options["scan.watermark.drop-late"] == "true" {
		if r.time, err = expr.Compile(s.EventTime); err != nil {
			return nil, err
		}
		r.dropLate, r.late = true, q.reporter(s.Object.Schema)
	}
	if sc.gen != nil {
		if spec.parent >= 0 {
			// The rows' memory serves poll after poll when the operator
			// they go to copies out what it keeps.
			c, ok := t.nodes[spec.parent].op.(*operator.Calc)
			r.reuse = ok && c.CopiesOut()
		}
		r.src, err = NewSource(q.splitsOf(sc.object, sc.gen.splits))
		return r, err
	}
	for _, c := range s.Checks {
		p, err := expr.Compile(c.Expr)
		if err != nil {
			return nil, err
		}
		r.checks, r.checkNames = append(r.checks, p), append(r.checkNames, c.Name)
	}
	var eventTime expr.Func
	if r.wm != nil && s.EventTime != nil {
		if eventTime, err = expr.Compile(s.EventTime); err != nil {
			return nil, err
		}
	}
	r.order = newOrderMarks(s.Object.Options, eventTime)
	r.dec, err = operator.NewRecordDecoderWith(s.Object, q.deps.Registries)
	return r, err
}

// generatedOf makes the reading state of a scan of a generated table. A
// table that does not fix its splits ('scan.parallelism') is read in as
// many as the query has tasks when it first starts, and in as many as it
// was read in ever after, whatever the parallelism: a split's position is
// a count of its rows.
func (q *Query) generatedOf(sc *scan, saved map[string][]int64) (*generated, error) {
	splits := 0
	if _, fixed := sc.options["scan.parallelism"]; !fixed {
		splits = sc.frag.n
		if pos, ok := saved[strconv.Itoa(sc.id)]; ok {
			splits = len(pos)
		}
	}
	src, err := NewSource(q.splitsOf(sc.object, splits))
	if err != nil {
		return nil, err
	}
	return newGenerated(src), nil
}

// splitsOf is table t read in n splits (0: as it says).
func (q *Query) splitsOf(t *catalog.Object, n int) *catalog.Object {
	if _, fixed := t.Options["scan.parallelism"]; fixed || n <= 1 {
		return t
	}
	c := *t
	c.Options = maps.Clone(t.Options)
	c.Options["scan.parallelism"] = strconv.Itoa(n)
	return &c
}

// savedGenerated reads the committed positions of the query's generated
// tables, by scan id.
func (q *Query) savedGenerated() (map[string][]int64, error) {
	b, ok, err := q.deps.Store.GetMeta(generatedKey(q.ID))
	if err != nil || !ok {
		return nil, err
	}
	m := map[string][]int64{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, errCorruptGenerated(q.ID, err)
	}
	return m, nil
}

// sinkOf makes the query's sink, for the root fragment's task; the tasks
// of a blackhole share one, which is safe for concurrent use.
func (q *Query) sinkOf() (operator.Operator, error) {
	if q.blackhole != nil {
		return q.blackhole, nil
	}
	switch s := q.plan.Sink.(type) {
	case *physical.ViewSink:
		return operator.NewMaterialize(), nil
	case *physical.TableSink:
		sink, err := operator.NewKafkaSinkWith(q.writer(), s.Table, q.deps.Registries)
		if err != nil {
			return nil, err
		}
		if attrs := logical.TimeAttrs(q.plan.Root); len(attrs) > 0 {
			sink.SetEventTime(attrs[0])
		}
		return sink, nil
	case *physical.FileSink:
		return operator.NewFileSink(s.Table, q.ID)
	}
	q.blackhole = operator.NewBlackhole()
	return q.blackhole, nil
}

// topics are the topics the query reads, sorted.
func (q *Query) topics() []string {
	set := map[string]bool{}
	for _, sc := range q.scans {
		if sc.topic != "" {
			set[sc.topic] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// newFused is newOperator, but a chain of filters and projections from n
// down to bottom (chainBottom) runs as one operator (operator.Calc), which
// copies each row once rather than once per node. Filters and projections
// keep no state, so the state tables are handed out as before. An
// aggregate by slices runs with its HOP as one operator.SliceAggregate,
// which keeps as many tables as the Aggregate (the HOP keeps none).
func newFused(n, bottom logical.Node, env expr.Env) (operator.Operator, error) {
	if a, ok := n.(*logical.Aggregate); ok && logical.Sliced(a) != nil {
		return operator.NewSliceAggregate(a, env)
	}
	if !fusable(n) {
		return newOperator(n, env)
	}
	chain := []logical.Node{n}
	for c := n; c != bottom; {
		c = c.Inputs()[0]
		chain = append(chain, c)
	}
	return operator.NewCalc(chain, env)
}

// newOperator builds the operator for n, compiling its expressions in env.
func newOperator(n logical.Node, env expr.Env) (operator.Operator, error) {
	switch n := n.(type) {
	case *logical.Filter, *logical.Project:
		return operator.NewCalc([]logical.Node{n}, env)
	case *logical.Aggregate:
		return operator.NewAggregate(n, env)
	case *logical.Normalize:
		return operator.NewNormalize(n.Input.Props().Key), nil
	case *logical.Union:
		return operator.NewUnion(len(n.Ins)), nil
	case *logical.TopN:
		return operator.NewTopN(n)
	case *logical.Over:
		if n.EventTime() {
			return operator.NewTimeOver(n, env)
		}
		return operator.NewOver(n, env)
	case *logical.GroupingSets:
		return operator.NewGroupingSets(n, env)
	case *logical.Join:
		if n.Interval != nil {
			return operator.NewIntervalJoin(n, env)
		}
		return operator.NewJoin(n, env)
	case *logical.TemporalJoin:
		return operator.NewTemporalJoin(n, env)
	case *logical.WindowTVF:
		if n.Kind == "SESSION" {
			return operator.NewSessionWindow(n)
		}
		return operator.NewWindowAssign(n)
	}
	return nil, sqlerr.New(sqlerr.FeatureNotSupported, "%s is not supported in a continuous query yet", n.Describe())
}

// tablesOf is how many state tables the operator for n keeps.
func tablesOf(n logical.Node) int {
	switch n := n.(type) {
	case *logical.Aggregate:
		return operator.AggregateTablesFor(n)
	case *logical.TopN:
		return operator.TopNTables
	case *logical.Over:
		if n.EventTime() {
			return operator.TimeOverTables
		}
		return operator.OverTables
	case *logical.Normalize:
		return 1
	case *logical.Join:
		if n.Interval != nil {
			return operator.IntervalJoinTables
		}
		return operator.JoinTables
	case *logical.TemporalJoin:
		return operator.TemporalJoinTables
	case *logical.WindowTVF:
		if n.Kind == "SESSION" {
			return operator.SessionWindowTables
		}
	}
	return 0
}

// TablesNeeded is how many state tables a plan's operators use, so the
// engine can allocate their ids before the first start. The runtime hands
// them out in the order build visits the operators, then the sink's last.
func TablesNeeded(p *physical.Plan) int {
	n := 0
	var walk func(logical.Node)
	walk = func(node logical.Node) {
		n += tablesOf(node)
		for _, c := range node.Inputs() {
			walk(c)
		}
	}
	walk(p.Root)
	switch p.Sink.(type) {
	case *physical.ViewSink:
		n++
	case *physical.FileSink:
		n += operator.FileSinkTables
	}
	return n
}
