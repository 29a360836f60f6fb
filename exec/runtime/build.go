package runtime

import (
	"strings"
	"sync/atomic"
	"time"

	"riffle/catalog"
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
	parent int // index in Query.nodes; -1 is the sink
	input  int // which input of the parent
	tables int // how many state tables it keeps
	ttl    time.Duration
	in     types.Schema // its (first) input's schema, for reporting late rows
	inWm   []int64      // each input's watermark (µs; 0 none)
	outWm  int64        // the watermark its output carries
	ticked time.Time    // when it last had OnTick (operator.Ticker)
}

// route carries one scan's records: decoded as its table, into an input of
// an operator (or of the sink, for a query that is a bare scan).
type route struct {
	id      int               // the scan's place in build order: stable across restarts
	topic   string            // the topic it reads ("" for a generated table)
	gen     *generated        // a generated table's source (nil for a topic)
	table   string            // the table's name, for errors
	options map[string]string // the table's options
	bound   map[int32]int64   // a bounded scan's end offsets (nil: unbounded)
	done    bool              // a bounded scan that has read to its end
	dec     *operator.RecordDecoder
	width   int
	parent  int
	input   int
	wm      *sourceWatermark // nil: the table has no watermark
	sent    int64            // the watermark last carried downstream
	// dropLate: the table drops rows behind its watermark at the source
	// ('scan.watermark.drop-late'), reading each row's time with time and
	// reporting the dropped ones to late.
	dropLate bool
	time     expr.Func
	late     func(operator.LateRow)
	// policy is the table's error policy (catalog.Object.ErrorPolicy; ""
	// skips: a one-shot read), deadLetter its dead-letter topic.
	policy, deadLetter string
	// bad counts the table's bad records this scan met (nil: a one-shot
	// read, which counts nothing).
	bad *atomic.Int64
	// checks are the table's CHECK constraints, checks[i] named
	// checkNames[i]: a row one of them finds false is a bad record.
	checks     []expr.Func
	checkNames []string
}

// build turns the plan's tree into operators, in pre-order from the root,
// and its scans into routes from topics. The order is deterministic, so
// state tables are handed out the same way after every restart.
func (q *Query) build() error {
	q.routes = map[string][]route{}
	if err := q.walk(q.plan.Root, -1, 0); err != nil {
		return err
	}
	switch s := q.plan.Sink.(type) {
	case *physical.ViewSink:
		q.sink, q.sinkTables = operator.NewMaterialize(), 1
	case *physical.TableSink:
		sink, err := operator.NewKafkaSinkWith(q.writer(), s.Table, q.deps.Registries)
		if err != nil {
			return err
		}
		if attrs := logical.TimeAttrs(q.plan.Root); len(attrs) > 0 {
			sink.SetEventTime(attrs[0])
		}
		q.sink = sink
	case *physical.BlackholeSink:
		q.sink = operator.NewBlackhole()
	}
	return nil
}

func (q *Query) walk(n logical.Node, parent, input int) error {
	if s, ok := n.(*logical.Scan); ok {
		if s.Object.Kind == catalog.MaterializedView {
			return q.walkView(s, parent, input)
		}
		if s.Object.Kind != catalog.Table {
			return sqlerr.New(sqlerr.FeatureNotSupported, "a continuous query over the %s %q is not supported",
				strings.ToLower(string(s.Object.Kind)), s.Object.Name)
		}
		wm, err := newSourceWatermark(s)
		if err != nil {
			return err
		}
		r := route{id: q.nroutes, table: s.Object.Name, options: s.Object.Options,
			width: len(s.Object.Schema.Columns), parent: parent, input: input, wm: wm}
		if wm != nil && s.EventTime != nil && s.Object.Options["scan.watermark.drop-late"] == "true" {
			if r.time, err = expr.Compile(s.EventTime); err != nil {
				return err
			}
			r.dropLate, r.late = true, q.reporter(s.Object.Schema)
		}
		q.nroutes++
		if isGenerated(s.Object) {
			src, err := NewSource(s.Object)
			if err != nil {
				return err
			}
			r.gen = newGenerated(src)
			if parent >= 0 {
				c, ok := q.nodes[parent].op.(*operator.Calc)
				r.gen.reuse = ok && c.CopiesOut()
			}
			q.gens = append(q.gens, r)
			return nil
		}
		for _, c := range s.Checks {
			p, err := expr.Compile(c.Expr)
			if err != nil {
				return err
			}
			r.checks, r.checkNames = append(r.checks, p), append(r.checkNames, c.Name)
		}
		topic := s.Object.Options["topic"]
		if r.dec, err = operator.NewRecordDecoderWith(s.Object, q.deps.Registries); err != nil {
			return err
		}
		r.topic = topic
		r.policy, r.deadLetter, r.bad = s.Object.ErrorPolicy(), s.Object.DeadLetterTopic(), new(atomic.Int64)
		q.routes[topic] = append(q.routes[topic], r)
		if q.latest == nil {
			q.latest = map[string]bool{}
		}
		q.latest[topic] = s.Object.Options["scan.startup.mode"] == "latest-offset"
		return nil
	}
	op, bottom, err := newFused(n, q.deps.exprEnv())
	if err != nil {
		return err
	}
	me := len(q.nodes)
	q.nodes = append(q.nodes, opNode{op: op, parent: parent, input: input, tables: tablesOf(n), ttl: q.plan.TTLOf(n),
		in: bottom.Inputs()[0].Schema(), inWm: make([]int64, len(bottom.Inputs()))})
	for i, c := range bottom.Inputs() {
		if err := q.walk(c, me, i); err != nil {
			return err
		}
	}
	return nil
}

// allRoutes returns every route, in build order.
func (q *Query) allRoutes() []*route {
	out := make([]*route, q.nroutes)
	for topic := range q.routes {
		for i := range q.routes[topic] {
			r := &q.routes[topic][i]
			out[r.id] = r
		}
	}
	for i := range q.gens {
		out[q.gens[i].id] = &q.gens[i]
	}
	return out
}

// newFused is newOperator, but a chain of filters and projections from n
// down runs as one operator (operator.Calc), which copies each row once
// rather than once per node. It returns the lowest node of the chain, whose
// inputs feed the operator (n itself when n is not a filter or a
// projection). Filters and projections keep no state, so the state tables
// are handed out as before.
func newFused(n logical.Node, env expr.Env) (operator.Operator, logical.Node, error) {
	var chain []logical.Node
	bottom := n
	for {
		switch bottom.(type) {
		case *logical.Filter, *logical.Project:
			chain = append(chain, bottom)
			bottom = bottom.Inputs()[0]
			continue
		}
		break
	}
	if len(chain) == 0 {
		op, err := newOperator(n, env)
		return op, n, err
	}
	op, err := operator.NewCalc(chain, env)
	return op, chain[len(chain)-1], err
}

// newOperator builds the operator for n, compiling its expressions in env.
func newOperator(n logical.Node, env expr.Env) (operator.Operator, error) {
	switch n := n.(type) {
	case *logical.Filter, *logical.Project:
		return operator.NewCalc([]logical.Node{n}, env)
	case *logical.Aggregate:
		return operator.NewAggregate(n)
	case *logical.Normalize:
		return operator.NewNormalize(n.Input.Props().Key), nil
	case *logical.Union:
		return operator.NewUnion(len(n.Ins)), nil
	case *logical.TopN:
		return operator.NewTopN(n)
	case *logical.Over:
		if n.EventTime() {
			return operator.NewTimeOver(n)
		}
		return operator.NewOver(n)
	case *logical.GroupingSets:
		return operator.NewGroupingSets(n)
	case *logical.Join:
		if n.Interval != nil {
			return operator.NewIntervalJoin(n)
		}
		return operator.NewJoin(n)
	case *logical.TemporalJoin:
		return operator.NewTemporalJoin(n)
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
	if _, ok := p.Sink.(*physical.ViewSink); ok {
		n++
	}
	return n
}
