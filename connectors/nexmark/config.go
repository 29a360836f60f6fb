package nexmark

import (
	"math"
	"strings"
	"time"

	"riffle/connectors/gen"
)

// Config is a Nexmark table's configuration: Flink's NexmarkConfiguration
// as its SQL source sets it, plus the options every generated table takes.
type Config struct {
	// FirstEventRate ('first-event.rate', events per second) is the rate of
	// event time over the whole table: event n happens n/FirstEventRate
	// seconds after the base time. Without MaxEmitSpeed it is also the
	// wall-clock rate at which events are emitted.
	FirstEventRate int64
	// NextEventRate ('next-event.rate') is accepted and unused, as in
	// Flink's generator, which only ever uses the first rate.
	NextEventRate int64
	// Events ('events.num') is how many events the table has; 0 for
	// unbounded.
	Events int64
	// Proportions of people, auctions and bids ('person.proportion', …):
	// within every run of Person+Auction+Bid consecutive event ids, the
	// first Person are people, the next Auction auctions, the rest bids.
	PersonProportion, AuctionProportion, BidProportion int64
	// Average sizes in bytes ('person.avg-size', …), which set the length
	// of each event's extra field.
	AvgPersonSize, AvgAuctionSize, AvgBidSize int64
	// Hot ratios ('bid.hot-ratio.auctions', 'bid.hot-ratio.bidders',
	// 'auction.hot-ratio.sellers'): an event picks the hot id with
	// probability 1 - 1/ratio.
	HotAuctionRatio, HotBiddersRatio, HotSellersRatio int64
	// MaxEmitSpeed ('max-emit-speed', default true) emits events as fast as
	// they are read, whatever their event time.
	MaxEmitSpeed bool
	// KeepAlive ('keep-alive') keeps the table open after its last event:
	// a query over it never finishes (Flink's V2 runner measures this way).
	KeepAlive bool
	// StopAt ('stop-at', -1 for none) ends the events after this many.
	StopAt int64
	// RateShape, RatePeriod and RateLimited ('rate.shape', 'rate.period',
	// 'rate.limited') are accepted and unused, as in Flink's generator.
	RateShape   string
	RatePeriod  time.Duration
	RateLimited bool

	// NumInFlightAuctions and NumActivePeople size the windows of "recent"
	// auctions and people that bids and auctions refer to. Flink's SQL
	// source gives no option for them.
	NumInFlightAuctions, NumActivePeople int64

	gen.Common
}

// DefaultConfig is the configuration of a table that sets no option but
// its base time.
func DefaultConfig() Config {
	return Config{
		FirstEventRate: 10_000, NextEventRate: 10_000,
		PersonProportion: 1, AuctionProportion: 3, BidProportion: 46,
		AvgPersonSize: 200, AvgAuctionSize: 500, AvgBidSize: 100,
		HotAuctionRatio: 2, HotBiddersRatio: 4, HotSellersRatio: 4,
		MaxEmitSpeed: true, StopAt: -1,
		RateShape: "SQUARE", RatePeriod: 600 * time.Second,
		NumInFlightAuctions: 100, NumActivePeople: 1000,
		Common: gen.Common{Splits: 1},
	}
}

// options are the WITH options of a Nexmark table (Flink's
// NexmarkSourceOptions), beside 'connector' and gen.CommonOptions.
var options = []string{
	"first-event.rate", "next-event.rate", "events.num",
	"person.proportion", "auction.proportion", "bid.proportion",
	"person.avg-size", "auction.avg-size", "bid.avg-size",
	"bid.hot-ratio.auctions", "bid.hot-ratio.bidders", "auction.hot-ratio.sellers",
	"max-emit-speed", "keep-alive", "stop-at",
	"rate.shape", "rate.period", "rate.limited",
}

// maxSize bounds the average sizes: an extra field is cut from a 1 MiB
// string, and a bigger one would be built a character at a time.
const maxSize = 512 << 10

// ParseOptions reads a Nexmark table's WITH options. An error is a
// *gen.OptionError naming the option.
func ParseOptions(opts map[string]string) (Config, error) {
	c := DefaultConfig()
	o := gen.NewOptions("nexmark", opts)
	var err error
	ints := []struct {
		key    string
		dst    *int64
		lo, hi int64
	}{
		{"first-event.rate", &c.FirstEventRate, 1, math.MaxInt32},
		{"next-event.rate", &c.NextEventRate, 1, math.MaxInt32},
		{"events.num", &c.Events, 0, math.MaxInt64},
		{"person.proportion", &c.PersonProportion, 1, 1 << 20},
		{"auction.proportion", &c.AuctionProportion, 1, 1 << 20},
		{"bid.proportion", &c.BidProportion, 0, 1 << 20},
		{"bid.hot-ratio.auctions", &c.HotAuctionRatio, 1, math.MaxInt32},
		{"bid.hot-ratio.bidders", &c.HotBiddersRatio, 1, math.MaxInt32},
		{"auction.hot-ratio.sellers", &c.HotSellersRatio, 1, math.MaxInt32},
		{"stop-at", &c.StopAt, -1, math.MaxInt64},
	}
	for _, i := range ints {
		if *i.dst, err = o.Int(i.key, *i.dst, i.lo, i.hi); err != nil {
			return c, err
		}
	}
	sizes := []struct {
		key string
		dst *int64
	}{{"person.avg-size", &c.AvgPersonSize}, {"auction.avg-size", &c.AvgAuctionSize}, {"bid.avg-size", &c.AvgBidSize}}
	for _, s := range sizes {
		if *s.dst, err = o.Size(s.key, *s.dst); err != nil {
			return c, err
		}
		if *s.dst > maxSize {
			return c, gen.Bad(s.key, "'%s' must be at most 512kb, not %q", s.key, opts[s.key])
		}
	}
	bools := []struct {
		key string
		dst *bool
	}{{"max-emit-speed", &c.MaxEmitSpeed}, {"keep-alive", &c.KeepAlive}, {"rate.limited", &c.RateLimited}}
	for _, b := range bools {
		if *b.dst, err = o.Bool(b.key, *b.dst); err != nil {
			return c, err
		}
	}
	c.RateShape = strings.ToUpper(strings.TrimSpace(o.String("rate.shape", c.RateShape)))
	if c.RateShape != "SQUARE" && c.RateShape != "SINE" {
		return c, gen.Bad("rate.shape", "'rate.shape' must be 'SQUARE' or 'SINE', not %q", opts["rate.shape"])
	}
	if c.RatePeriod, err = o.Duration("rate.period", c.RatePeriod); err != nil {
		return c, err
	}
	if c.Common, err = o.Common(); err != nil {
		return c, err
	}
	return c, o.Unknown(append(append([]string{"connector"}, options...), gen.CommonOptions...))
}

// Limit is how many events the table has: the smaller of 'events.num' and
// 'stop-at' where set, -1 when neither is.
func (c *Config) Limit() int64 {
	n := int64(-1)
	if c.Events > 0 {
		n = c.Events
	}
	if c.StopAt >= 0 && (n < 0 || c.StopAt < n) {
		n = c.StopAt
	}
	return n
}
