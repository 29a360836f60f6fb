package pipeline

import (
	"fmt"
	"slices"
	"strings"

	"riffle/catalog"
	"riffle/exec/runtime"
)

// Action is what apply does with one object or query.
type Action string

// Actions, in the plan's words.
const (
	Create    Action = "create"
	Unchanged Action = "unchanged"
	// Replace changes the definition in place; a materialized view's or
	// query's state carries over.
	Replace Action = "replace"
	// Rebuild drops the object (or stops the query) and creates it again:
	// its state is computed anew from its source topics.
	Rebuild Action = "rebuild"
	Drop    Action = "drop" // --prune: not in the directory
	Keep    Action = "keep" // not in the directory, left alone
)

// Step is one line of the plan.
type Step struct {
	Action Action
	Kind   Kind
	Name   string
	Decl   *Decl // what the directory declares (nil for drop and keep)
	Old    *Decl // what runs now (nil for create)
	// QueryID is the running query a query step replaces, rebuilds or
	// drops.
	QueryID string
	// State says what happens to a replaced or rebuilt object's state:
	// "carries over", "rebuilt from the topics", or "cannot be migrated".
	State string
	Why   string
	// Breaking is set for a rebuild: applying it needs --allow-breaking.
	Breaking bool
	// Blocks is set for an object left alone that reads one the plan
	// drops: DROP would refuse, so apply does not start.
	Blocks bool
}

// Plan is what apply will do, in order: Drops (reverse dependency order),
// then Steps (dependency order).
type Plan struct {
	Steps []*Step
	Drops []*Step // rebuilt objects' drops and pruned objects, dependents first
}

// MakePlan diffs the checked directory against the running catalog.
func MakePlan(want *Checked, run *running, prune bool) *Plan {
	p := &Plan{}
	rebuilt := map[string]bool{} // lower-case names of objects dropped and created again
	matched := map[*runningQuery]bool{}
	declared := map[string]bool{}
	for _, d := range want.Order {
		var s *Step
		if d.Kind == Query {
			s = planQuery(d, run, matched, rebuilt, want.Cat)
		} else {
			declared[strings.ToLower(d.Name)] = true
			s = planObject(d, run, rebuilt, want)
		}
		if s.Action == Rebuild && d.Kind != Query {
			rebuilt[strings.ToLower(d.Name)] = true
		}
		p.Steps = append(p.Steps, s)
	}
	// The drops of rebuilt objects and pruned ones, dependents first: the
	// reverse of the running catalog's dependency order.
	var drops []*Step
	for _, o := range run.objects {
		k := strings.ToLower(o.Name)
		switch {
		case rebuilt[k]:
			drops = append(drops, &Step{Action: Drop, Kind: o.Kind, Name: o.Name, Old: o})
		case !declared[k]:
			s := &Step{Action: Keep, Kind: o.Kind, Name: o.Name, Old: o, Why: "not in the directory; --prune drops it"}
			if prune {
				s.Action, s.Why = Drop, "not in the directory"
			}
			p.Steps = append(p.Steps, s)
			if prune {
				drops = append(drops, s)
			}
		}
	}
	for _, q := range run.queries {
		if matched[q] {
			continue
		}
		s := &Step{Action: Keep, Kind: Query, Name: q.ID + " (" + q.Decl.Name + ")", Old: q.Decl, QueryID: q.ID,
			Why: "not in the directory; --prune drops it"}
		if prune {
			s.Action, s.Why = Drop, "not in the directory"
			drops = append(drops, s)
		}
		p.Steps = append(p.Steps, s)
	}
	for _, s := range p.Steps {
		if s.Action == Keep {
			if dep := firstRebuilt(s.Old.Uses, rebuilt); dep != "" {
				s.Blocks = true
				s.Why = "not in the directory, and it reads " + dep + ", which is dropped and created again: declare it, or --prune drops it"
			}
		}
		if s.Action == Rebuild && s.Kind == Query && s.QueryID != "" {
			drops = append(drops, &Step{Action: Drop, Kind: Query, Name: s.Name, Old: s.Old, QueryID: s.QueryID})
		}
	}
	// Queries write into objects and read them: they stop first.
	var objs []*Step
	for _, s := range drops {
		if s.Kind != Query {
			objs = append(objs, s)
		}
	}
	slices.Reverse(objs)
	p.Drops = append(queriesOf(drops), objs...)
	return p
}

func queriesOf(steps []*Step) []*Step {
	var out []*Step
	for _, s := range steps {
		if s.Kind == Query {
			out = append(out, s)
		}
	}
	return out
}

// planObject decides what to do with a table or view.
func planObject(d *Decl, run *running, rebuilt map[string]bool, want *Checked) *Step {
	s := &Step{Kind: d.Kind, Name: d.Name, Decl: d}
	old := run.byName[strings.ToLower(d.Name)]
	s.Old = old
	switch {
	case old == nil:
		s.Action = Create
		return s
	case old.Kind != d.Kind:
		return rebuild(s, fmt.Sprintf("a %s cannot become a %s in place", old.Kind, d.Kind), want)
	}
	if dep := firstRebuilt(d.Uses, rebuilt); dep != "" {
		return rebuild(s, "it reads "+dep+", which is dropped and created again", want)
	}
	if why, ok := run.failed[strings.ToLower(d.Name)]; ok {
		return rebuild(s, "its query failed ("+why+"), so it is created again", want)
	}
	if old.Norm == d.Norm && (d.Kind != MaterializedView || sameSettings(run.settings[strings.ToLower(d.Name)], d)) {
		s.Action = Unchanged
		return s
	}
	if d.Kind != Table {
		if r := columnReader(d, run, want); r != "" {
			return rebuild(s, r, want)
		}
	}
	switch d.Kind {
	case Table:
		return rebuild(s, "a table's definition changes only by dropping and creating it again", want)
	case View:
		if r := changedReader(d, run, want); r != "" {
			return rebuild(s, r, want)
		}
		s.Action, s.State, s.Why = Replace, "", "a view keeps no state; the queries reading it restart with theirs"
		return s
	}
	if !slices.Equal(old.layout, d.layout) || old.layout == nil {
		return rebuild(s, "its state is kept differently: "+layoutDiff(old.layout, d.layout), want)
	}
	if r := changedReader(d, run, want); r != "" {
		return rebuild(s, r, want)
	}
	s.Action, s.State, s.Why = Replace, "carries over", "same state layout"
	return s
}

// columnReader names a view that reads d's columns when they change: the
// engine replaces a view in place only when no view reads its columns.
func columnReader(d *Decl, run *running, want *Checked) string {
	was, now := run.checked.Cat.Get(d.Name), want.Cat.Get(d.Name)
	if was == nil || now == nil || sameColumns(was, now) {
		return ""
	}
	for _, v := range want.Order {
		if (v.Kind == View || v.Kind == MaterializedView) && slices.ContainsFunc(v.Uses, func(u string) bool { return strings.EqualFold(u, d.Name) }) {
			return fmt.Sprintf("its columns change, and %s %s reads them", v.Kind, v.Name)
		}
	}
	return ""
}

func sameColumns(a, b *catalog.Object) bool {
	if len(a.Schema.Columns) != len(b.Schema.Columns) {
		return false
	}
	for i, c := range a.Schema.Columns {
		if !strings.EqualFold(c.Name, b.Schema.Columns[i].Name) || c.Type.String() != b.Schema.Columns[i].Type.String() {
			return false
		}
	}
	return true
}

// changedReader says which query reading d (directly or through views)
// would keep its state differently once d changes; "" when none would:
// the engine restarts readers on their state only when it fits.
func changedReader(d *Decl, run *running, want *Checked) string {
	for _, r := range want.Order {
		if r == d || (r.Kind != MaterializedView && r.Kind != Query) || !readsDecl(r, d.Name, want) {
			continue
		}
		var old *Decl
		if r.Kind == Query {
			for _, q := range run.queries {
				if q.Decl.Norm == r.Norm {
					old = q.Decl
				}
			}
		} else {
			old = run.byName[strings.ToLower(r.Name)]
		}
		if old != nil && old.Norm == r.Norm && !slices.Equal(old.layout, r.layout) {
			return fmt.Sprintf("%s %s reads it, and would keep its state differently: %s", r.Kind, r.Name, layoutDiff(old.layout, r.layout))
		}
	}
	return ""
}

// readsDecl reports whether r reads name, directly or through views.
func readsDecl(r *Decl, name string, want *Checked) bool {
	for _, u := range r.Uses {
		if strings.EqualFold(u, name) {
			return true
		}
		for _, v := range want.Order {
			if v.Kind == View && strings.EqualFold(v.Name, u) && readsDecl(v, name, want) {
				return true
			}
		}
	}
	return false
}

// planQuery matches a declared INSERT INTO … SELECT with a running query
// writing the same table: the same statement first.
func planQuery(d *Decl, run *running, matched map[*runningQuery]bool, rebuilt map[string]bool, cat *catalog.Catalog) *Step {
	s := &Step{Kind: Query, Name: d.Name, Decl: d}
	var old *runningQuery
	for _, q := range run.queries {
		if !matched[q] && q.Decl.Norm == d.Norm && strings.EqualFold(q.Decl.Target, d.Target) {
			old = q
			break
		}
	}
	// Else the query apply deployed from the same file, else the oldest
	// one writing the table that no declaration has claimed.
	for _, q := range run.queries {
		file, _, _ := strings.Cut(q.Origin, "@")
		if old == nil && !matched[q] && strings.EqualFold(q.Decl.Target, d.Target) && file != "" && strings.HasSuffix(file, d.File) {
			old = q
		}
	}
	for _, q := range run.queries {
		if old == nil && !matched[q] && strings.EqualFold(q.Decl.Target, d.Target) {
			old = q
		}
	}
	if old == nil {
		s.Action = Create
		return s
	}
	matched[old] = true
	s.Old, s.QueryID = old.Decl, old.ID
	want := &Checked{Cat: cat}
	if dep := firstRebuilt(d.Uses, rebuilt); dep != "" {
		return rebuildQuery(s, "it reads or writes "+dep+", which is dropped and created again", want)
	}
	if old.Decl.Norm == d.Norm && sameSettings(old.Settings, d) {
		s.Action = Unchanged
		if old.State != "RUNNING" {
			s.Why = "it is " + old.State
		}
		return s
	}
	if old.State != "RUNNING" {
		return rebuildQuery(s, "it is "+old.State+", so it starts again", want)
	}
	if !slices.Equal(old.Decl.layout, d.layout) || old.Decl.layout == nil {
		return rebuildQuery(s, "its state is kept differently: "+layoutDiff(old.Decl.layout, d.layout), want)
	}
	s.Action, s.State, s.Why = Replace, "carries over", "same state layout"
	return s
}

// emitSettings are the settings the engine records with a query (SHOW
// QUERIES' settings column).
var emitSettings = []string{"table.exec.emit.allow-lateness", "table.exec.emit.early-fire.enabled",
	"table.exec.emit.early-fire.delay", "riffle.late-rows.table"}

// parallelismSetting is recorded with every query too (the parallelism it
// runs at), but only a file that sets it asks for one: otherwise the
// server chose it, and the query keeps it.
const parallelismSetting = "parallelism.default"

func sameSettings(running map[string]string, d *Decl) bool {
	want := map[string]string{}
	for _, s := range d.Settings {
		if k := strings.ToLower(s.Key); slices.Contains(emitSettings, k) || k == parallelismSetting {
			want[k] = s.Value
		}
	}
	ran := map[string]string{}
	for k, v := range running {
		if _, asked := want[k]; slices.Contains(emitSettings, k) || asked {
			ran[k] = v
		}
	}
	if len(want) != len(ran) {
		return false
	}
	for k, v := range want {
		if ran[k] != v {
			return false
		}
	}
	return true
}

func firstRebuilt(uses []string, rebuilt map[string]bool) string {
	for _, u := range uses {
		if rebuilt[strings.ToLower(u)] {
			return u
		}
	}
	return ""
}

// rebuild marks s as a rebuild, and says whether its results can be
// computed again from the topics.
func rebuild(s *Step, why string, want *Checked) *Step {
	// A table or view keeps no state of its own: dropping and creating
	// it again breaks nothing but what reads it, whose steps say so.
	s.Action, s.Why, s.Breaking = Rebuild, why, s.Kind == MaterializedView || s.Kind == Query
	if !s.Breaking {
		s.Why += "; what reads it is rebuilt"
		return s
	}
	s.State = "rebuilt from the topics"
	if t := latestOffsetSource(s.Decl, want); t != "" {
		s.State = "cannot be migrated"
		s.Why += "; table " + t + " is read from its latest offset, so the rows before now are not read again"
	}
	return s
}

// rebuildQuery is rebuild for a query, which cannot be rebuilt into an
// append-only sink: its readers already have every result once.
func rebuildQuery(s *Step, why string, want *Checked) *Step {
	rebuild(s, why, want)
	if t := want.Cat.Get(s.Decl.Target); t != nil && len(t.PrimaryKey) == 0 {
		s.State = "cannot be migrated"
		s.Why += "; " + t.Name + " is append-only, so a rebuilt query writes every result to it again"
	}
	return s
}

// latestOffsetSource names a table d reads (directly or through views)
// with 'scan.startup.mode' = 'latest-offset'.
func latestOffsetSource(d *Decl, want *Checked) string {
	if d == nil || want.Cat == nil {
		return ""
	}
	seen := map[string]bool{}
	var walk func(uses []string) string
	walk = func(uses []string) string {
		for _, u := range uses {
			o := want.Cat.Get(u)
			if o == nil || seen[strings.ToLower(u)] {
				continue
			}
			seen[strings.ToLower(u)] = true
			if o.Kind == catalog.Table && o.Options["scan.startup.mode"] == "latest-offset" {
				return o.Name
			}
			if o.Kind == catalog.View {
				if t := walk(o.Uses); t != "" {
					return t
				}
			}
		}
		return ""
	}
	return walk(d.Uses)
}

// layoutDiff says how the running layout and the new one differ.
func layoutDiff(was, will []string) string {
	if was == nil {
		return "its running plan could not be planned again"
	}
	return runtime.LayoutChange(was, will)
}
