package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"riffle/catalog"
	"riffle/connectors/datagen"
	"riffle/connectors/gen"
	"riffle/connectors/nexmark"
	"riffle/planner/bind"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// A scan reads one of two kinds of source: a Kafka topic, through the
// query's one multi-topic reader (route.topic), or a table whose rows
// riffle generates (route.gen: 'connector' = 'datagen' or 'nexmark'; see
// connectors/gen). A generated table is read like a topic: its splits are
// partitions, each read in order with a watermark of its own, and the
// count of rows each split has read is the position committed with every
// epoch, from which a restart regenerates the rest. Only pacing is new: a
// paced table's rows are generated once they are due.

// generators build the source of each generated connector.
var generators = map[string]func(gen.Table) (gen.Source, error){
	"nexmark": func(t gen.Table) (gen.Source, error) { return nexmark.New(t) },
	"datagen": func(t gen.Table) (gen.Source, error) { return datagen.New(t) },
}

// NewSource builds the source of a generated table (bind.IsGenerated). An
// error about the table's declaration is a *gen.OptionError.
func NewSource(t *catalog.Object) (gen.Source, error) {
	if bind.IsFilesystem(t) {
		return newFileSource(t)
	}
	mk, ok := generators[t.Options["connector"]]
	if !ok {
		return nil, fmt.Errorf("table %s: connector %q generates no rows", t.Name, t.Options["connector"])
	}
	tab := gen.Table{Name: t.Name, Schema: t.Schema, Options: t.Options}
	for i := range t.Schema.Columns {
		if t.Columns == nil || t.Columns[i].Computed == "" && t.Columns[i].Metadata == "" {
			tab.Fill = append(tab.Fill, i)
		}
	}
	return mk(tab)
}

// CheckGenerated checks a new generated table and fills in the options
// fixed when it is created ('base-time': now), so that every query over
// it, and every restart of one, generates the same rows.
func CheckGenerated(t *catalog.Object, now time.Time) error {
	gen.Defaults(t.Options, now)
	_, err := NewSource(t)
	return err
}

// CheckGeneratedTable is CheckGenerated as CREATE TABLE's binder takes it
// (bind.TableDefaults.Generated), for the engine and riffle check alike: a
// failure names the option or the column it is about.
func CheckGeneratedTable(t *catalog.Object) (option, column string, err *sqlerr.Error) {
	e := CheckGenerated(t, time.Now())
	if e == nil {
		return "", "", nil
	}
	var oe *gen.OptionError
	if errors.As(e, &oe) {
		return oe.Option, oe.Column, oe.Err
	}
	return "", "", sqlerr.New(sqlerr.InvalidParameter, "%v", e)
}

// pacedTick is the shortest wait for a paced table's next rows.
const pacedTick = 10 * time.Millisecond

// seconds converts a time in seconds to a Duration, at most a century
// (beyond which a rate is too slow to matter).
func seconds(sec float64) time.Duration {
	return time.Duration(min(sec, 100*365*24*3600) * float64(time.Second))
}

// generated is the reading state of a scan of a generated table.
type generated struct {
	src    gen.Source
	splits int
	pos    []int64 // rows each split has read
	length []int64 // rows in each split (-1: unbounded)
	ends   bool    // the table ends after its last row
	rate   float64 // rows per second of wall clock; 0: unpaced
	eager  bool    // read whole at the first poll, ahead of the other sources (gen.Eager)
	// origin is when the table's row 0 was (or would have been) due: set
	// at start so that the first row still to read is due at once.
	origin time.Time
}

// genBuffers are the memory a task's route of a generated scan generates
// into, its own: the tasks generate at once.
type genBuffers struct {
	// rows and batch are reused from poll to poll: no operator keeps a
	// batch, or the slice of rows Fill is given, past the call (the rows
	// themselves are new every time). An exchange copies the batch.
	rows  []types.Row
	batch types.Batch
	// reuse is set when the operator the rows go to copies out what it
	// keeps (operator.Calc.CopiesOut): the rows' memory, slab and nested
	// values (gen.Reuser), then serves poll after poll.
	reuse bool
	slab  []types.Value
}

func newGenerated(src gen.Source) *generated {
	g := &generated{src: src, splits: src.Splits(), rate: src.Rate()}
	if e, ok := src.(gen.Eager); ok {
		g.eager = e.Eager()
	}
	rows, ends := src.Len()
	g.ends = ends
	g.pos = make([]int64, g.splits)
	g.length = make([]int64, g.splits)
	for s := range g.length {
		g.length[s] = gen.SplitLen(rows, s, g.splits)
	}
	return g
}

// bounded reports whether the table ends.
func (g *generated) bounded() bool { return g.ends && g.length[0] >= 0 }

// ended reports whether every split has read its last row.
func (g *generated) ended() bool {
	for s, n := range g.length {
		if n < 0 || g.pos[s] < n {
			return false
		}
	}
	return true
}

// next is the number, in the whole table, of split s's next row.
func (g *generated) next(s int) int64 { return int64(s) + g.pos[s]*int64(g.splits) }

// start sets the pacing origin so that the earliest unread row is due now.
func (g *generated) start(now time.Time) {
	first := int64(math.MaxInt64)
	for s := range g.pos {
		first = min(first, g.next(s))
	}
	if g.rate > 0 && first < math.MaxInt64 {
		g.origin = now.Add(-seconds(float64(first) / g.rate))
	}
}

// due is how many of the table's rows are due at now (all, unpaced).
func (g *generated) due(now time.Time) int64 {
	if g.rate <= 0 {
		return math.MaxInt64
	}
	return int64(now.Sub(g.origin).Seconds()*g.rate) + 1
}

// wait is how long until the next row is due: 0 when one is due now, -1
// when none ever will be (every split has read its last row).
func (g *generated) wait(now time.Time) time.Duration {
	next := int64(math.MaxInt64)
	for s := range g.pos {
		if g.length[s] < 0 || g.pos[s] < g.length[s] {
			next = min(next, g.next(s))
		}
	}
	switch {
	case next == math.MaxInt64:
		return -1
	case g.rate <= 0:
		return 0
	}
	at := g.origin.Add(seconds(float64(next) / g.rate))
	return max(at.Sub(now), 0)
}

// generate makes the due rows of the route's splits of a generated scan,
// up to limit (the query's Deps.Batch), split by split, each stamped with
// its watermark as a decoded record is. Each task generates its own splits with its own
// generator, and moves only their positions.
func (r *route) generate(now time.Time, limit int) (types.Batch, int, int) {
	g := r.gen
	due := g.due(now)
	owned := 0
	for s := range g.splits {
		if r.owns == nil || r.owns(int32(s)) {
			owned++
		}
	}
	if owned == 0 {
		return nil, 0, 0
	}
	per := int64(max(1, limit/owned))
	if g.eager {
		per = math.MaxInt64 / 2 // the whole table at once (gen.Eager)
	}
	counts := make([]int64, g.splits)
	total := int64(0)
	for s := range counts {
		if r.owns != nil && !r.owns(int32(s)) {
			continue
		}
		end := g.pos[s] + per
		if g.length[s] >= 0 {
			end = min(end, g.length[s])
		}
		if g.rate > 0 {
			end = min(end, gen.SplitLen(due, s, g.splits))
		}
		counts[s] = max(end-g.pos[s], 0)
		total += counts[s]
	}
	if total == 0 {
		return nil, 0, 0
	}
	var slab []types.Value
	reuser, reuse := r.src.(gen.Reuser)
	if reuse = reuse && r.reuse; reuse {
		// The previous poll's rows have been through the operator that
		// copies out what it keeps.
		reuser.Release()
		// Fill wants the rows zeroed: the computed columns' places, and
		// the ROWs a row of another kind leaves NULL.
		if need := int(total) * r.width; cap(r.slab) >= need {
			slab = r.slab[:need]
			clear(slab)
		} else {
			slab = make([]types.Value, need)
			r.slab = slab
		}
	} else {
		slab = make([]types.Value, total*int64(r.width))
	}
	rows := slices.Grow(r.rows[:0], int(total))[:total]
	for i := range rows {
		rows[i] = slab[i*r.width : (i+1)*r.width : (i+1)*r.width]
	}
	r.rows = rows
	b := slices.Grow(r.batch[:0], int(total))
	bad := 0
	at := int64(0)
	for s, n := range counts {
		if n == 0 {
			continue
		}
		part := rows[at : at+n]
		if reuse {
			reuser.FillReusing(g.next(s), int64(g.splits), part)
		} else {
			r.src.Fill(g.next(s), int64(g.splits), part)
		}
		for _, row := range part {
			var ok bool
			if b, ok = r.accept(b, int32(s), row, 1); !ok {
				bad++
			}
		}
		g.pos[s] += n
		at += n
	}
	r.batch = b
	return b, int(total), bad
}

// generatedKey is where a query's positions in its generated tables live,
// committed with every epoch.
func generatedKey(id string) string { return "runtime/generated/" + id }

// saveGenerated records the position of every generated scan in the
// epoch's commit.
func (q *Query) saveGenerated() {
	m := map[string][]int64{}
	for _, sc := range q.scans {
		if sc.gen != nil {
			m[strconv.Itoa(sc.id)] = sc.gen.pos
		}
	}
	if len(m) == 0 {
		return
	}
	b, _ := json.Marshal(m)
	q.txn.PutMeta(generatedKey(q.ID), b)
}

// restoreGenerated reads the positions of the last commit and sets each
// generated scan's pacing to resume now.
func (q *Query) restoreGenerated() error {
	now := time.Now()
	defer func() {
		for _, sc := range q.scans {
			if sc.gen != nil {
				sc.gen.start(now)
			}
		}
	}()
	m, err := q.savedGenerated()
	if err != nil || m == nil {
		return err
	}
	for _, sc := range q.scans {
		g := sc.gen
		if g == nil {
			continue
		}
		pos, ok := m[strconv.Itoa(sc.id)]
		if !ok {
			continue
		}
		if len(pos) != g.splits {
			return fmt.Errorf("query %s: table %s was read in %d splits, not %d", q.ID, sc.table, len(pos), g.splits)
		}
		copy(g.pos, pos)
	}
	return nil
}

// errCorruptGenerated is the error of positions that do not decode.
func errCorruptGenerated(id string, err error) error {
	return fmt.Errorf("query %s: corrupt positions of generated tables: %w", id, err)
}

// isGenerated says whether a scanned table's rows are generated, or read
// from files as a generated source is (filesystem.go): either way they come
// from no topic, and a split's position is a count of its rows.
func isGenerated(t *catalog.Object) bool { return bind.IsGenerated(t) || isFilesystem(t) }
