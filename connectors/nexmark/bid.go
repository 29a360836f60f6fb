package nexmark

import (
	"math"
	"math/bits"
	"strconv"
	"sync"

	"riffle/connectors/gen"
)

// bid is Flink's BidGenerator.nextBid, drawing in its order: auction,
// bidder, price, channel, extra.
//
// Flink adds FIRST_PERSON_ID to the bidder twice (since its commit
// 8ff9866), so its bidders are person ids plus 1000. riffle adds it once,
// as Beam, RisingWave and Arroyo do, so that bidder = person.id joins
// people to their bids.
func (g *Generator) bid(r *gen.Rand, id, ts int64, b *Bid) {
	// A hot auction with probability 1 - 1/ratio: the first auction of the
	// current batch of 100.
	if r.Intn(int(g.cfg.HotAuctionRatio)) > 0 {
		b.Auction = (g.lastBase0AuctionID(id) / hotBatch) * hotBatch
	} else {
		b.Auction = g.nextBase0AuctionID(r, id)
	}
	b.Auction += firstAuctionID
	// A hot bidder: the second person of the batch, so that hot bidders
	// are not the hot sellers.
	if r.Intn(int(g.cfg.HotBiddersRatio)) > 0 {
		b.Bidder = (g.lastBase0PersonID(id)/hotBatch)*hotBatch + 1
	} else {
		b.Bidder = g.nextBase0PersonID(r, id)
	}
	b.Bidder += firstPersonID
	b.Price = price(r)
	ch := g.ch
	if r.Intn(2) > 0 {
		i := r.Intn(len(hotChannels))
		b.Channel, b.URL = hotChannels[i], ch.hotURLs[i]
	} else {
		c := &ch.channels[r.Intn(numChannels)]
		b.Channel, b.URL = c.name, c.url
	}
	b.DateTime = ts
	b.Extra = g.nextExtra(r, 8+8+8+8, int(g.cfg.AvgBidSize))
}

// numChannels is CHANNELS_NUMBER: the channels besides the hot ones.
const numChannels = 10_000

var hotChannels = [...]string{"Google", "Facebook", "Baidu", "Apple"}

type channel struct{ name, url string }

type channels struct {
	hotURLs  [len(hotChannels)]string
	channels [numChannels]channel
}

var (
	channelsOnce sync.Once
	channelsData *channels
)

// channelTable is Flink's HOT_URLS and CHANNEL_URL_CACHE: a URL for each
// hot channel, and for each channel i a name "channel-<i>" and a URL, nine
// in ten of which carry "&channel_id=<abs(reverse(i))>". Flink builds them
// from an unseeded generator; riffle from a fixed seed, the same in every
// process.
func channelTable() *channels {
	channelsOnce.Do(func() {
		c := &channels{}
		var r gen.Rand
		for i := range c.hotURLs {
			r.Seed(0x6368616e6e656c, int64(-1-i)) // "channel"
			c.hotURLs[i] = baseURL(&r)
		}
		for i := range c.channels {
			r.Seed(0x6368616e6e656c, int64(i))
			url := baseURL(&r)
			if r.Intn(10) > 0 {
				url += "&channel_id=" + strconv.Itoa(int(abs32(int32(bits.Reverse32(uint32(i))))))
			}
			c.channels[i] = channel{name: "channel-" + strconv.Itoa(i), url: url}
		}
		channelsData = c
	})
	return channelsData
}

// abs32 is Java's Math.abs on an int: the most negative value stays
// negative (channel 1 gets -2147483648).
func abs32(x int32) int32 {
	if x < 0 && x != math.MinInt32 {
		return -x
	}
	return x
}

func baseURL(r *gen.Rand) string {
	return "https://www.nexmark.com/" + nextString(r, 5, '_') + "/" + nextString(r, 5, '_') + "/" +
		nextString(r, 5, '_') + "/item.htm?query=1"
}
