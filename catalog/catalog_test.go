package catalog

import (
	"testing"

	"riffle/sql/types"
)

func TestPersistAndReopen(t *testing.T) {
	store := NewMemStore()
	c, err := Open(store)
	if err != nil {
		t.Fatal(err)
	}
	tbl := &Object{Name: "Bids", Kind: Table, SQL: "CREATE TABLE Bids (a INT)",
		Schema: types.Schema{Columns: []types.Column{{Name: "a", Type: types.TInt, Nullable: true}}}, Options: map[string]string{"topic": "bids"}}
	if err := c.Create(tbl, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Create(&Object{Name: "BIDS", Kind: Table}, nil); err == nil {
		t.Fatal("names must be unique without regard to case")
	}
	id := c.NextQueryID()
	if id != "q1" {
		t.Fatalf("first query id %s, want q1", id)
	}
	mv := &Object{Name: "v", Kind: MaterializedView, Query: id, StateTable: 7}
	if err := c.Create(mv, &Query{ID: id, SQL: "CREATE MATERIALIZED VIEW v AS SELECT a FROM bids", Target: "v", State: Running, Tables: []uint32{7}}); err != nil {
		t.Fatal(err)
	}
	if err := c.AddQuery(&Query{ID: c.NextQueryID(), Target: "bids", State: Running}); err != nil {
		t.Fatal(err)
	}

	c, err = Open(store)
	if err != nil {
		t.Fatal(err)
	}
	if o := c.Get("bids"); o == nil || o.Name != "Bids" || o.Options["topic"] != "bids" || o.Schema.Columns[0].Type.ID != types.Int {
		t.Fatalf("table after reopen: %+v", o)
	}
	qs := c.Queries()
	if len(qs) != 2 || qs[0].ID != "q1" || qs[1].ID != "q2" || qs[0].Tables[0] != 7 {
		t.Fatalf("queries after reopen: %+v", qs)
	}
	// Ids are never reused, even after the newest query is dropped.
	if err := c.Drop("v", "q1"); err != nil {
		t.Fatal(err)
	}
	if err := c.DropQuery("q2"); err != nil {
		t.Fatal(err)
	}
	c, err = Open(store)
	if err != nil {
		t.Fatal(err)
	}
	if id := c.NextQueryID(); id != "q3" {
		t.Fatalf("next id after drops %s, want q3", id)
	}
	if got := len(c.Objects(MaterializedView)); got != 0 {
		t.Fatalf("dropped view is back: %d", got)
	}
}
