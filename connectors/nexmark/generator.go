package nexmark

import (
	"math"

	"riffle/connectors/gen"
)

// Kind is an event's type, the table's event_type column.
type Kind int8

// The event kinds, with Flink's event_type codes.
const (
	PersonEvent  Kind = 0
	AuctionEvent Kind = 1
	BidEvent     Kind = 2
)

// Person is a new person: someone who can sell and bid. Times are
// milliseconds since the epoch.
type Person struct {
	ID           int64
	Name         string
	EmailAddress string
	CreditCard   string
	City         string
	State        string
	DateTime     int64
	Extra        string
}

// Auction is a new auction, open from DateTime until Expires.
type Auction struct {
	ID          int64
	ItemName    string
	Description string
	InitialBid  int64
	Reserve     int64
	DateTime    int64
	Expires     int64
	Seller      int64
	Category    int64
	Extra       string
}

// Bid is a bid on an auction.
type Bid struct {
	Auction  int64
	Bidder   int64
	Price    int64
	Channel  string
	URL      string
	DateTime int64
	Extra    string
}

// Event is one generated event: Kind says which of the three is set.
type Event struct {
	Kind    Kind
	Person  Person
	Auction Auction
	Bid     Bid
}

// Time is the event's event time (ms since the epoch).
func (e *Event) Time() int64 {
	switch e.Kind {
	case PersonEvent:
		return e.Person.DateTime
	case AuctionEvent:
		return e.Auction.DateTime
	}
	return e.Bid.DateTime
}

// Constants of Flink's generator that no option changes.
const (
	firstPersonID   = 1000
	firstAuctionID  = 1000
	firstCategoryID = 10
	numCategories   = 5
	personIDLead    = 10
	auctionIDLead   = 10
	// hotBatch is the size of the batches of ids whose first (or second)
	// member is "hot": HOT_SELLER_RATIO = HOT_AUCTION_RATIO =
	// HOT_BIDDER_RATIO = 100 in Flink's generator.
	hotBatch = 100
)

// Generator generates the events of one Nexmark table, Flink's
// NexmarkGenerator on one timeline: the table's n-th event (n = 0, 1, …)
// is the event Flink's generator gives with parallelism 1 as its n-th, with
// Flink's event number 1+n, event id 2+n and event time
// timestamp(1+n). Each event draws its random values from a Rand seeded
// by the table's seed and n (Beam's scheme), so it is a function of n
// alone, and splits of the table can generate any part of it.
type Generator struct {
	cfg     Config
	total   int64   // the sum of the proportions
	delayUs float64 // µs of event time between events
	// auctionHorizon is how many events it takes to create the
	// in-flight auctions: an auction lasts about that long.
	auctionHorizon int64
	big            string    // bigString, fetched once
	ch             *channels // channelTable, fetched once
}

// NewGenerator returns the generator of a table with configuration cfg.
func NewGenerator(cfg Config) *Generator {
	total := cfg.PersonProportion + cfg.AuctionProportion + cfg.BidProportion
	return &Generator{
		cfg:            cfg,
		total:          total,
		delayUs:        1e6 / float64(cfg.FirstEventRate),
		auctionHorizon: cfg.NumInFlightAuctions * total / cfg.AuctionProportion,
		big:            bigString(),
		ch:             channelTable(),
	}
}

// Config returns the generator's configuration.
func (g *Generator) Config() Config { return g.cfg }

// timestamp is the event time of Flink's event number x: the base time
// plus x inter-event delays, truncated to a whole µs count and then to ms,
// as GeneratorConfig.timestampForEvent computes it.
func (g *Generator) timestamp(x int64) int64 {
	return g.cfg.BaseTime + int64(float64(x)*g.delayUs)/1000
}

// Time is the event time of the table's event n (ms since the epoch).
func (g *Generator) Time(n int64) int64 { return g.timestamp(n + 1) }

// ID is the event id of the table's event n.
func ID(n int64) int64 { return n + 2 }

// KindOf is the kind of the table's event n.
func (g *Generator) KindOf(n int64) Kind {
	switch rem := ID(n) % g.total; {
	case rem < g.cfg.PersonProportion:
		return PersonEvent
	case rem < g.cfg.PersonProportion+g.cfg.AuctionProportion:
		return AuctionEvent
	}
	return BidEvent
}

// Next fills e with the table's event n. It allocates only the strings of
// people and auctions; a bid's strings are shared constants and slices of
// one long string.
func (g *Generator) Next(n int64, e *Event) {
	var r gen.Rand
	r.Seed(g.cfg.Seed, n)
	id := ID(n)
	ts := g.timestamp(n + 1)
	e.Kind = g.KindOf(n)
	switch e.Kind {
	case PersonEvent:
		g.person(&r, id, ts, &e.Person)
	case AuctionEvent:
		g.auction(&r, id, n+1, ts, &e.Auction)
	default:
		g.bid(&r, id, ts, &e.Bid)
	}
}

// lastBase0PersonID is the id (from 0) of the most recent person at event
// id, or of the person event id creates.
func (g *Generator) lastBase0PersonID(id int64) int64 {
	epoch, off := id/g.total, id%g.total
	if off >= g.cfg.PersonProportion {
		off = g.cfg.PersonProportion - 1
	}
	return epoch*g.cfg.PersonProportion + off
}

// lastBase0AuctionID is the id (from 0) of the most recent auction at event
// id, or of the auction event id creates.
func (g *Generator) lastBase0AuctionID(id int64) int64 {
	epoch, off := id/g.total, id%g.total
	switch {
	case off < g.cfg.PersonProportion:
		epoch--
		off = g.cfg.AuctionProportion - 1
	case off >= g.cfg.PersonProportion+g.cfg.AuctionProportion:
		off = g.cfg.AuctionProportion - 1
	default:
		off -= g.cfg.PersonProportion
	}
	return epoch*g.cfg.AuctionProportion + off
}

// nextBase0PersonID picks a recent person: one of the last
// NumActivePeople, or one of the next few not created yet (so a join sees
// some bids and auctions before their person).
func (g *Generator) nextBase0PersonID(r *gen.Rand, id int64) int64 {
	people := g.lastBase0PersonID(id) + 1
	active := min(people, g.cfg.NumActivePeople)
	return people - active + r.Int63n(active+personIDLead)
}

// nextBase0AuctionID picks a recent auction: one of the last
// NumInFlightAuctions, or one of the next few.
func (g *Generator) nextBase0AuctionID(r *gen.Rand, id int64) int64 {
	hi := g.lastBase0AuctionID(id)
	lo := max(hi-g.cfg.NumInFlightAuctions, 0)
	return lo + r.Int63n(hi-lo+1+auctionIDLead)
}

// price is log-uniform on [100, 100,000,000]: round(10^(6u) * 100). Exp
// is the same function as Java's pow(10, x) here and several times faster
// than math.Pow.
func price(r *gen.Rand) int64 {
	return int64(math.Round(math.Exp(r.Float64()*(6*math.Ln10)) * 100))
}
