package catalog

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"riffle/sql/types"
)

// Kind is the kind of a catalog object.
type Kind string

// Object kinds.
const (
	Table            Kind = "TABLE"
	View             Kind = "VIEW"
	MaterializedView Kind = "MATERIALIZED VIEW"
)

// Object is a table, view or materialized view.
type Object struct {
	Name   string
	Kind   Kind
	SQL    string // the CREATE statement as written
	Schema types.Schema
	// PrimaryKey holds column indexes of the declared key (empty: none).
	PrimaryKey []int
	// Options are the table's connector options, as written in WITH plus
	// the defaults the planner filled in (topic, format, partitions).
	Options map[string]string `json:",omitempty"`
	// Columns says, per column, where its value comes from; nil means every
	// column is a physical column of the record value.
	Columns []ColumnSource `json:",omitempty"`
	// Uses names the tables and views a view's query reads.
	Uses []string `json:",omitempty"`
	// Query is the id of the continuous query maintaining a materialized view.
	Query string `json:",omitempty"`
	// StateTable is the state table holding a materialized view's contents.
	StateTable uint32 `json:",omitempty"`
	// StreamKey holds the column indexes that identify a materialized
	// view's rows (its query's stream key; empty: none), which a
	// continuous query reading the view's changes carries on.
	StreamKey []int `json:",omitempty"`
	// Seq orders objects by creation, so restart replays them in order.
	Seq int64
	// Watermark is the table's WATERMARK FOR clause (nil without one): the
	// planner reads the event-time column (time attribute) from it.
	Watermark *Watermark `json:",omitempty"`
	// Origin says where the statement came from when a tool deployed it
	// (the session's 'riffle.origin': riffle apply sets file@commit).
	Origin string `json:",omitempty"`
	// Checks are the table's CHECK constraints: a record whose row makes
	// one false is a bad record.
	Checks []Check `json:",omitempty"`
	// PartitionedBy holds the column indexes of a 'filesystem' table's
	// PARTITIONED BY: their values name its directories (col=value/), and
	// its files hold the other columns.
	PartitionedBy []int `json:",omitempty"`
}

// Check is a CHECK constraint of a table.
type Check struct {
	Name string // as declared, or <table>_check[N] as PostgreSQL names them
	Expr string // the expression as written
}

// Watermark is a table's WATERMARK FOR col AS expr.
type Watermark struct {
	Column int    // index of the event-time column in Schema
	Expr   string // the watermark expression as written
}

// ColumnSource says where a table column's value comes from.
type ColumnSource struct {
	Metadata string `json:",omitempty"` // Kafka record metadata key ("timestamp", "partition", …)
	Virtual  bool   `json:",omitempty"` // metadata that is read but never written
	Computed string `json:",omitempty"` // expression text of a computed column
}

// UserType is a type made by CREATE TYPE: an enum, the only kind riffle
// has. Types share the namespace of tables and views, as in PostgreSQL,
// where every table has a row type of its name.
type UserType struct {
	Name   string
	SQL    string   // the CREATE TYPE statement as written
	Labels []string // the enum's labels, in declaration order
	Seq    int64
	Origin string `json:",omitempty"`
}

// FirstOID is the PostgreSQL object identifier riffle's objects start at:
// an object, type or table, with sequence number seq presents to clients
// as the four OIDs from OIDOf(seq), which stay the same across restarts.
const FirstOID uint32 = 16400

// OIDOf is the first of the four OIDs of the object with sequence seq.
func OIDOf(seq int64) uint32 { return FirstOID + uint32(seq)*4 }

// OID is the enum type's pg_type.oid; its array type's is OID()+1.
func (t *UserType) OID() uint32 { return OIDOf(t.Seq) }

// Type is the SQL type of the enum's values (types.Type.OID).
func (t *UserType) Type() types.Type {
	return types.Type{ID: types.Varchar, PG: t.Name, OID: t.OID(), Labels: t.Labels}
}

// QueryState is the state of a continuous query.
type QueryState string

// Query states.
const (
	Running QueryState = "RUNNING"
	Stopped QueryState = "STOPPED"
	Failed  QueryState = "FAILED"
	// Finished: every table it reads is bounded and has been read to its
	// end; its results are final.
	Finished QueryState = "FINISHED"
)

// Query is a continuous query: INSERT INTO … SELECT or the query behind a
// materialized view.
type Query struct {
	ID     string
	SQL    string // the statement as written
	Target string // the sink table or materialized view
	// Uses names the tables and views the query reads.
	Uses  []string `json:",omitempty"`
	State QueryState
	Error string `json:",omitempty"`
	// Tables are the state table ids given to the query's operators, in the
	// order the runtime asks for them; a restart hands out the same ids.
	Tables []uint32 `json:",omitempty"`
	// StateTTL bounds the query's keyed state (0: none); it is the session's
	// 'table.exec.state.ttl' when the query was created.
	StateTTL time.Duration `json:",omitempty"`
	// Settings are the session settings that shape how the query runs
	// (how its windows emit), as they were when it was created.
	Settings map[string]string `json:",omitempty"`
	// Planner is the planner version the query was created with
	// (bind.PlannerVersion then); 0, for a query created before versions
	// were recorded, is version 1. Every start plans the query again at
	// its version, so that its operators read their state as it was
	// written; RESET QUERY, which empties the state, moves it to the
	// current version.
	Planner int `json:",omitempty"`
	Seq     int64
	// Origin is the session's 'riffle.origin' when the query was created
	// or last replaced (see Object.Origin).
	Origin string `json:",omitempty"`
}

// Store is where the catalog persists. Keys are strings under a namespace the
// catalog owns; Scan returns every key with the prefix, in key order.
type Store interface {
	GetMeta(key string) ([]byte, bool, error)
	PutMeta(key string, value []byte) error
	DeleteMeta(key string) error
	ScanMeta(prefix string, fn func(key string, value []byte) error) error
}

const (
	objectPrefix = "catalog/object/"
	queryPrefix  = "catalog/query/"
	typePrefix   = "catalog/type/"
	seqKey       = "catalog/seq"
	querySeqKey  = "catalog/query-seq"
)

// Catalog holds the objects and queries. It is safe for concurrent use.
type Catalog struct {
	mu      sync.RWMutex
	store   Store
	objects map[string]*Object   // by lower-case name
	queries map[string]*Query    // by lower-case id
	types   map[string]*UserType // by lower-case name
	seq     int64
	// querySeq numbers queries on their own, so users see q1, q2, … in the
	// order they started them.
	querySeq int64
}

// Open loads the catalog from store.
func Open(store Store) (*Catalog, error) {
	c := &Catalog{store: store, objects: map[string]*Object{}, queries: map[string]*Query{}, types: map[string]*UserType{}}
	// The sequence is stored on its own because the newest object may have
	// been dropped, and ids (query ids name stored positions) are never reused.
	if b, ok, err := store.GetMeta(seqKey); err != nil {
		return nil, err
	} else if ok {
		fmt.Sscan(string(b), &c.seq)
	}
	if b, ok, err := store.GetMeta(querySeqKey); err != nil {
		return nil, err
	} else if ok {
		fmt.Sscan(string(b), &c.querySeq)
	}
	err := store.ScanMeta(objectPrefix, func(_ string, v []byte) error {
		o := &Object{}
		if err := json.Unmarshal(v, o); err != nil {
			return fmt.Errorf("read catalog object: %w", err)
		}
		c.objects[key(o.Name)] = o
		c.seq = max(c.seq, o.Seq)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = store.ScanMeta(typePrefix, func(_ string, v []byte) error {
		t := &UserType{}
		if err := json.Unmarshal(v, t); err != nil {
			return fmt.Errorf("read catalog type: %w", err)
		}
		c.types[key(t.Name)] = t
		c.seq = max(c.seq, t.Seq)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = store.ScanMeta(queryPrefix, func(_ string, v []byte) error {
		q := &Query{}
		if err := json.Unmarshal(v, q); err != nil {
			return fmt.Errorf("read catalog query: %w", err)
		}
		c.queries[key(q.ID)] = q
		c.seq = max(c.seq, q.Seq)
		return nil
	})
	return c, err
}

func key(name string) string { return strings.ToLower(name) }

// Get returns the object named name (case-insensitive), or nil.
func (c *Catalog) Get(name string) *Object {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.objects[key(name)]
}

// Objects returns the objects of the given kinds (all kinds when none is
// given), ordered by name.
func (c *Catalog) Objects(kinds ...Kind) []*Object {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []*Object
	for _, o := range c.objects {
		if len(kinds) == 0 || containsKind(kinds, o.Kind) {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return key(out[i].Name) < key(out[j].Name) })
	return out
}

func containsKind(ks []Kind, k Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// Create adds a new object and, for a materialized view, the query that
// maintains it, in one step. It fails if the name is taken.
func (c *Catalog) Create(o *Object, q *Query) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.objects[key(o.Name)]; ok {
		return fmt.Errorf("%q already exists", o.Name)
	}
	if _, ok := c.types[key(o.Name)]; ok {
		return fmt.Errorf("type %q already exists", o.Name)
	}
	c.seq++
	o.Seq = c.seq
	if q != nil {
		c.seq++
		c.querySeq++
		q.Seq = c.seq
		if err := c.putQuery(q); err != nil {
			return err
		}
	}
	if err := c.putObject(o); err != nil {
		return err
	}
	return c.saveSeq()
}

// Update stores a changed object under its name (ALTER TABLE … SET).
func (c *Catalog) Update(o *Object) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.objects[key(o.Name)]; !ok {
		return fmt.Errorf("%q does not exist", o.Name)
	}
	return c.putObject(o)
}

func (c *Catalog) saveSeq() error {
	if err := c.store.PutMeta(querySeqKey, []byte(fmt.Sprint(c.querySeq))); err != nil {
		return err
	}
	return c.store.PutMeta(seqKey, []byte(fmt.Sprint(c.seq)))
}

// AddQuery records a new continuous query (INSERT INTO … SELECT).
func (c *Catalog) AddQuery(q *Query) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	c.querySeq++
	q.Seq = c.seq
	if err := c.putQuery(q); err != nil {
		return err
	}
	return c.saveSeq()
}

// NextQueryID returns an id no query has had: q1, q2, …
func (c *Catalog) NextQueryID() string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return fmt.Sprintf("q%d", c.querySeq+1)
}

// UpdateQuery stores a changed query (its state or error).
func (c *Catalog) UpdateQuery(q *Query) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.putQuery(q)
}

// Query returns a copy of the query with the given id, or nil. Callers
// change their copy and store it with UpdateQuery: the catalog's own is
// never changed under another goroutine reading it.
func (c *Catalog) Query(id string) *Query {
	c.mu.RLock()
	defer c.mu.RUnlock()
	q, ok := c.queries[key(id)]
	if !ok {
		return nil
	}
	cp := *q
	return &cp
}

// Queries returns copies of every query, in creation order.
func (c *Catalog) Queries() []*Query {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]*Query, 0, len(c.queries))
	for _, q := range c.queries {
		cp := *q // see Query
		out = append(out, &cp)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// Drop removes an object and, if given, its query.
func (c *Catalog) Drop(name string, queryID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if queryID != "" {
		delete(c.queries, key(queryID))
		if err := c.store.DeleteMeta(queryPrefix + key(queryID)); err != nil {
			return err
		}
	}
	delete(c.objects, key(name))
	return c.store.DeleteMeta(objectPrefix + key(name))
}

// DropQuery removes a query.
func (c *Catalog) DropQuery(id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.queries, key(id))
	return c.store.DeleteMeta(queryPrefix + key(id))
}

func (c *Catalog) putObject(o *Object) error {
	b, err := json.Marshal(o)
	if err != nil {
		return err
	}
	if err := c.store.PutMeta(objectPrefix+key(o.Name), b); err != nil {
		return err
	}
	c.objects[key(o.Name)] = o
	return nil
}

func (c *Catalog) putQuery(q *Query) error {
	b, err := json.Marshal(q)
	if err != nil {
		return err
	}
	if err := c.store.PutMeta(queryPrefix+key(q.ID), b); err != nil {
		return err
	}
	c.queries[key(q.ID)] = q
	return nil
}

// Type returns the user-defined type named name (case-insensitive), or nil.
func (c *Catalog) Type(name string) *UserType {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.types[key(name)]
}

// Types returns the user-defined types, ordered by name.
func (c *Catalog) Types() []*UserType {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]*UserType, 0, len(c.types))
	for _, t := range c.types {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return key(out[i].Name) < key(out[j].Name) })
	return out
}

// CreateType adds a user-defined type. It fails if a type, table or view
// has the name.
func (c *Catalog) CreateType(t *UserType) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.types[key(t.Name)]; ok {
		return fmt.Errorf("type %q already exists", t.Name)
	}
	if _, ok := c.objects[key(t.Name)]; ok {
		return fmt.Errorf("%q already exists", t.Name)
	}
	c.seq++
	t.Seq = c.seq
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	if err := c.store.PutMeta(typePrefix+key(t.Name), b); err != nil {
		return err
	}
	c.types[key(t.Name)] = t
	return c.saveSeq()
}

// DropType removes a user-defined type; the caller has checked that no
// column uses it.
func (c *Catalog) DropType(name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.types, key(name))
	return c.store.DeleteMeta(typePrefix + key(name))
}
