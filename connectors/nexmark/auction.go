package nexmark

import "riffle/connectors/gen"

// auction is Flink's AuctionGenerator.nextAuction for event id with Flink's
// event number num, drawing in its order: seller, category, initial bid,
// length, item name, description, reserve, extra.
func (g *Generator) auction(r *gen.Rand, id, num, ts int64, a *Auction) {
	a.ID = g.lastBase0AuctionID(id) + firstAuctionID
	// A hot seller with probability 1 - 1/ratio: the first person of the
	// current batch of 100.
	if r.Intn(int(g.cfg.HotSellersRatio)) > 0 {
		a.Seller = (g.lastBase0PersonID(id) / hotBatch) * hotBatch
	} else {
		a.Seller = g.nextBase0PersonID(r, id)
	}
	a.Seller += firstPersonID
	a.Category = firstCategoryID + int64(r.Intn(numCategories))
	a.InitialBid = price(r)
	a.DateTime = ts
	a.Expires = ts + g.auctionLength(r, num, ts)
	a.ItemName = nextString(r, 20, ' ')
	a.Description = nextString(r, 100, ' ')
	a.Reserve = a.InitialBid + price(r)
	size := 8 + len(a.ItemName) + len(a.Description) + 8 + 8 + 8 + 8 + 8
	a.Extra = g.nextExtra(r, size, int(g.cfg.AvgAuctionSize))
}

// auctionLength is how long an auction created at event number num (time
// ts) stays open, in ms: uniform in [1, 2h] where h is the event time it
// takes to create the next NumInFlightAuctions auctions, so about that
// many auctions are open at any time.
func (g *Generator) auctionLength(r *gen.Rand, num, ts int64) int64 {
	horizon := g.timestamp(num+g.auctionHorizon) - ts
	return 1 + r.Int63n(max(2*horizon, 1))
}
