package nexmark

import (
	"errors"
	"strings"
	"testing"
	"time"

	"riffle/connectors/gen"
	"riffle/sql/types"
)

// TestOptions reads every option of Flink's nexmark source.
func TestOptions(t *testing.T) {
	c, err := ParseOptions(map[string]string{
		"connector": "nexmark", "first-event.rate": "100000", "next-event.rate": "5", "events.num": "1000",
		"person.proportion": "2", "auction.proportion": "4", "bid.proportion": "44",
		"person.avg-size": "1kb", "auction.avg-size": "300 b", "bid.avg-size": "50",
		"bid.hot-ratio.auctions": "3", "bid.hot-ratio.bidders": "5", "auction.hot-ratio.sellers": "6",
		"max-emit-speed": "FALSE", "keep-alive": "true", "stop-at": "500",
		"rate.shape": "sine", "rate.period": "10 min", "rate.limited": "true",
		"seed": "-7", "base-time": "2024-01-01 00:00:01.5", "scan.parallelism": "4",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := Config{FirstEventRate: 100000, NextEventRate: 5, Events: 1000,
		PersonProportion: 2, AuctionProportion: 4, BidProportion: 44,
		AvgPersonSize: 1024, AvgAuctionSize: 300, AvgBidSize: 50,
		HotAuctionRatio: 3, HotBiddersRatio: 5, HotSellersRatio: 6,
		MaxEmitSpeed: false, KeepAlive: true, StopAt: 500,
		RateShape: "SINE", RatePeriod: 10 * time.Minute, RateLimited: true,
		NumInFlightAuctions: 100, NumActivePeople: 1000,
		Common: gen.Common{Seed: uint64(1<<64 - 7), BaseTime: 1_704_067_201_500, Splits: 4}}
	if c != want {
		t.Fatalf("config:\ngot  %+v\nwant %+v", c, want)
	}
	if c.Limit() != 500 {
		t.Errorf("limit %d, want stop-at's 500", c.Limit())
	}
	d := DefaultConfig()
	if d.Limit() != -1 || !d.MaxEmitSpeed || d.FirstEventRate != 10000 || d.BidProportion != 46 {
		t.Errorf("defaults: %+v", d)
	}
}

// TestOptionErrors: a bad or unknown option is an error naming it.
func TestOptionErrors(t *testing.T) {
	cases := []struct {
		key, value, want string
	}{
		{"first-event.rate", "0", "'first-event.rate' must be an integer from 1 to 2147483647"},
		{"events.num", "-1", "'events.num' must be an integer of at least 0"},
		{"events.num", "ten", "'events.num' must be an integer"},
		{"person.proportion", "0", "'person.proportion' must be an integer from 1"},
		{"bid.avg-size", "1gb", "'bid.avg-size' must be a size"},
		{"bid.avg-size", "1mb", "'bid.avg-size' must be at most 512kb"},
		{"max-emit-speed", "yes", "'max-emit-speed' must be 'true' or 'false'"},
		{"rate.shape", "TRIANGLE", "'rate.shape' must be 'SQUARE' or 'SINE'"},
		{"rate.period", "ten minutes", "'rate.period' must be a duration"},
		{"base-time", "yesterday", "'base-time' must be a timestamp"},
		{"seed", "1.5", "'seed' must be an integer"},
		{"scan.parallelism", "0", "'scan.parallelism' must be an integer from 1 to 1024"},
		{"events.nums", "5", `unknown option "events.nums" for connector "nexmark"`},
		{"topic", "bids", `unknown option "topic" for connector "nexmark"`},
	}
	for _, c := range cases {
		_, err := ParseOptions(map[string]string{c.key: c.value})
		var oe *gen.OptionError
		if !errors.As(err, &oe) || oe.Option != c.key || !strings.Contains(err.Error(), c.want) || oe.Err.Code != "22023" {
			t.Errorf("%s = %q: got %v, want an option error on it saying %q", c.key, c.value, err, c.want)
		}
	}
	_, err := ParseOptions(map[string]string{"events.nums": "5"})
	if oe := err.(*gen.OptionError); oe.Err.Hint != "did you mean 'events.num'?" {
		t.Errorf("hint %q", oe.Err.Hint)
	}
}

// TestSchemaErrors: columns the generator cannot fill are refused, naming
// the column; a subset of the fields, in any order, is fine.
func TestSchemaErrors(t *testing.T) {
	row := func(fields ...types.Field) types.Type { return types.Type{ID: types.RowType, Fields: fields} }
	cases := []struct {
		col  types.Column
		want string
	}{
		{types.Column{Name: "price", Type: types.TBigInt}, `column "price" is not a column of a nexmark table`},
		{types.Column{Name: "event_type", Type: types.TString}, `column "event_type" must be INT`},
		{types.Column{Name: "bid", Type: types.TString}, `column "bid" must be a ROW of bid fields`},
		{types.Column{Name: "bid", Type: row(types.Field{Name: "cost", Type: types.TBigInt})}, `bid has no field "cost"`},
		{types.Column{Name: "bid", Type: row(types.Field{Name: "price", Type: types.TInt})}, `field bid.price must be BIGINT, not INT`},
		{types.Column{Name: "person", Type: row(types.Field{Name: "dateTime", Type: types.Type{ID: types.Timestamp}})}, `field person.dateTime must be TIMESTAMP(3)`},
	}
	for _, c := range cases {
		_, err := New(gen.Table{Schema: types.Schema{Columns: []types.Column{c.col}}, Fill: []int{0}, Options: map[string]string{}})
		var oe *gen.OptionError
		if !errors.As(err, &oe) || oe.Column != c.col.Name || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: got %v, want an error on the column saying %q", c.col.Name, c.col.Type, err, c.want)
		}
	}
	schema := types.Schema{Columns: []types.Column{
		{Name: "BID", Type: row(types.Field{Name: "Price", Type: types.TBigInt}, types.Field{Name: "auction", Type: types.TBigInt})},
		{Name: "Event_Type", Type: types.Type{ID: types.TinyInt}},
	}}
	src, err := New(gen.Table{Schema: schema, Fill: []int{0, 1}, Options: map[string]string{"base-time": "0"}})
	if err != nil {
		t.Fatal(err)
	}
	rows := []types.Row{make(types.Row, 2), make(types.Row, 2)}
	src.Fill(1, 1, rows) // an auction, then a bid
	var e Event
	src.Generator().Next(2, &e)
	if !rows[0][0].IsNull() || rows[0][1].I != 1 || rows[1][1].I != 2 {
		t.Fatalf("rows %v", rows)
	}
	if f := rows[1][0].List(); len(f) != 2 || f[0].I != e.Bid.Price || f[1].I != e.Bid.Auction {
		t.Fatalf("bid row %v, want price %d and auction %d", f, e.Bid.Price, e.Bid.Auction)
	}
}

// TestLenAndRate: 'events.num' bounds the table, 'keep-alive' keeps it
// open after, and the rate paces it only without 'max-emit-speed'.
func TestLenAndRate(t *testing.T) {
	cases := []struct {
		opts map[string]string
		rows int64
		ends bool
		rate float64
	}{
		{map[string]string{}, -1, true, 0},
		{map[string]string{"events.num": "100"}, 100, true, 0},
		{map[string]string{"events.num": "100", "keep-alive": "true"}, 100, false, 0},
		{map[string]string{"stop-at": "0"}, 0, true, 0},
		{map[string]string{"max-emit-speed": "false", "first-event.rate": "250"}, -1, true, 250},
	}
	for _, c := range cases {
		src, err := New(gen.Table{Options: c.opts})
		if err != nil {
			t.Fatal(err)
		}
		rows, ends := src.Len()
		if rows != c.rows || (rows >= 0 && ends != c.ends) || src.Rate() != c.rate || src.Splits() != 1 {
			t.Errorf("%v: Len %d %v, Rate %v", c.opts, rows, ends, src.Rate())
		}
	}
}
