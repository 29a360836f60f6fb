package nexmark

import (
	"fmt"
	"math"
	"math/bits"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"riffle/connectors/gen"
	"riffle/sql/types"
)

func testGenerator(t testing.TB, opts map[string]string) *Generator {
	t.Helper()
	if opts == nil {
		opts = map[string]string{}
	}
	if _, ok := opts["base-time"]; !ok {
		opts["base-time"] = "0"
	}
	cfg, err := ParseOptions(opts)
	if err != nil {
		t.Fatal(err)
	}
	return NewGenerator(cfg)
}

// TestFirstEvents pins the start of the stream (GENERATOR.md §3, §4): the
// first event id is 2, so the stream opens with two auctions (1001, 1002)
// and 46 bids, and the first person, 1001, is the 49th event (id 50).
func TestFirstEvents(t *testing.T) {
	g := testGenerator(t, nil)
	var e Event
	var kinds []Kind
	for n := range int64(52) {
		g.Next(n, &e)
		kinds = append(kinds, e.Kind)
	}
	want := []Kind{AuctionEvent, AuctionEvent}
	for range 46 {
		want = append(want, BidEvent)
	}
	want = append(want, PersonEvent, AuctionEvent, AuctionEvent, AuctionEvent)
	if !slices.Equal(kinds, want) {
		t.Fatalf("kinds of the first events:\ngot  %v\nwant %v", kinds, want)
	}
	ids := map[int64]int64{0: 1001, 1: 1002, 49: 1003, 50: 1004, 51: 1005}
	for n, id := range ids {
		g.Next(n, &e)
		if e.Auction.ID != id {
			t.Errorf("event %d: auction id %d, want %d", n, e.Auction.ID, id)
		}
	}
	g.Next(48, &e)
	if e.Person.ID != 1001 {
		t.Errorf("first person id %d, want 1001", e.Person.ID)
	}
	g.Next(98, &e)
	if e.Kind != PersonEvent || e.Person.ID != 1002 {
		t.Errorf("second person: %v %d, want a person 1002", e.Kind, e.Person.ID)
	}
	// Bids before the first person refer to people that do not exist yet:
	// hot bidders are person 1001 (1000 + 0/100*100 + 1).
	g.Next(2, &e)
	if e.Bid.Auction < 1000 || e.Bid.Bidder < 1000 {
		t.Errorf("first bid %+v: ids below 1000", e.Bid)
	}
}

// TestProportions checks the event mix over a window: exactly P, A and B
// of every P+A+B consecutive event ids, for the default 1:3:46 and others.
func TestProportions(t *testing.T) {
	for _, p := range [][3]int64{{1, 3, 46}, {2, 3, 5}, {1, 1, 0}} {
		g := testGenerator(t, map[string]string{"person.proportion": fmt.Sprint(p[0]),
			"auction.proportion": fmt.Sprint(p[1]), "bid.proportion": fmt.Sprint(p[2])})
		total := p[0] + p[1] + p[2]
		var count [3]int64
		var people, auctions []int64
		var e Event
		for n := range 100 * total {
			g.Next(n, &e)
			count[e.Kind]++
			switch e.Kind {
			case PersonEvent:
				people = append(people, e.Person.ID)
			case AuctionEvent:
				auctions = append(auctions, e.Auction.ID)
			}
		}
		if count != [3]int64{100 * p[0], 100 * p[1], 100 * p[2]} {
			t.Errorf("proportions %v: counts %v over %d events", p, count, 100*total)
		}
		// Ids are sequential: every person and auction exactly once.
		for i := 1; i < len(people); i++ {
			if people[i] != people[i-1]+1 {
				t.Fatalf("proportions %v: person ids not sequential: %v", p, people[:i+1])
			}
		}
		for i := 1; i < len(auctions); i++ {
			if auctions[i] != auctions[i-1]+1 {
				t.Fatalf("proportions %v: auction ids not sequential at %d", p, i)
			}
		}
	}
}

// TestEventTime checks event times against GeneratorConfig's arithmetic:
// baseTime + (long)(x · 10⁶/rate) / 1000 for Flink's event number x = n+1.
func TestEventTime(t *testing.T) {
	cases := []struct {
		rate string
		n    int64
		want int64 // ms after the base time
	}{
		{"10000", 0, 0}, {"10000", 8, 0}, {"10000", 9, 1}, {"10000", 9999, 1000}, {"10000", 19_999, 2000},
		{"1000", 0, 1}, {"1000", 999, 1000},
		{"3", 0, 333}, {"3", 1, 666}, {"3", 2, 1000}, {"3", 3, 1333},
		{"7", 6, 1000}, {"7", 7, 1142},
		{"100000", 99_999, 1000},
	}
	base := int64(1_700_000_000_000)
	for _, c := range cases {
		g := testGenerator(t, map[string]string{"first-event.rate": c.rate, "base-time": fmt.Sprint(base)})
		var e Event
		g.Next(c.n, &e)
		if got := e.Time() - base; got != c.want {
			t.Errorf("rate %s, event %d: time base+%d ms, want base+%d", c.rate, c.n, got, c.want)
		}
		if g.Time(c.n) != e.Time() {
			t.Errorf("rate %s, event %d: Time says %d, the event %d", c.rate, c.n, g.Time(c.n), e.Time())
		}
	}
	// Event time never goes backwards and advances 1 s per rate events.
	g := testGenerator(t, map[string]string{"first-event.rate": "5000"})
	var e Event
	last := int64(-1)
	for n := range int64(20_000) {
		g.Next(n, &e)
		if e.Time() < last {
			t.Fatalf("event %d: time %d before %d", n, e.Time(), last)
		}
		last = e.Time()
	}
	if last != 4000 {
		t.Errorf("20,000 events at 5000/s end at %d ms, want 4000", last)
	}
}

// TestHotKeys checks the hot auction, bidder and seller frequencies
// (GENERATOR.md §5, §7) over 200,000 events.
func TestHotKeys(t *testing.T) {
	g := testGenerator(t, nil)
	var e Event
	var bids, hotAuction, hotBidder, auctions, hotSeller int
	for n := range int64(200_000) {
		g.Next(n, &e)
		id := ID(n)
		switch e.Kind {
		case BidEvent:
			bids++
			if e.Bid.Auction == g.lastBase0AuctionID(id)/100*100+1000 {
				hotAuction++
			}
			if e.Bid.Bidder == g.lastBase0PersonID(id)/100*100+1+1000 {
				hotBidder++
			}
		case AuctionEvent:
			auctions++
			if e.Auction.Seller == g.lastBase0PersonID(id)/100*100+1000 {
				hotSeller++
			}
		}
	}
	// The hot id with probability 1 - 1/ratio, plus the odd random pick
	// that lands on it.
	within(t, "bids on the hot auction", float64(hotAuction)/float64(bids), 0.5, 0.53)
	within(t, "bids by the hot bidder", float64(hotBidder)/float64(bids), 0.75, 0.77)
	within(t, "auctions by the hot seller", float64(hotSeller)/float64(auctions), 0.74, 0.77)

	// With other ratios.
	g = testGenerator(t, map[string]string{"bid.hot-ratio.auctions": "10", "bid.hot-ratio.bidders": "1"})
	bids, hotAuction, hotBidder = 0, 0, 0
	for n := range int64(100_000) {
		g.Next(n, &e)
		if e.Kind != BidEvent {
			continue
		}
		bids++
		if e.Bid.Auction == g.lastBase0AuctionID(ID(n))/100*100+1000 {
			hotAuction++
		}
		if e.Bid.Bidder == g.lastBase0PersonID(ID(n))/100*100+1+1000 {
			hotBidder++
		}
	}
	within(t, "bids on the hot auction at ratio 10", float64(hotAuction)/float64(bids), 0.9, 0.92)
	within(t, "bids by a hot bidder at ratio 1", float64(hotBidder)/float64(bids), 0, 0.01)
}

func within(t *testing.T, what string, got, lo, hi float64) {
	t.Helper()
	if got < lo || got > hi {
		t.Errorf("%s: %.4f, want within [%.4f, %.4f]", what, got, lo, hi)
	}
}

// TestMillionBids checks the derived facts GENERATOR.md measured on a
// million bids: q2 keeps ~0.8%, ~65 K distinct auctions, ~21.7 K distinct
// bidders, q21 ~95%, the price thirds, and q14's ~28%.
func TestMillionBids(t *testing.T) {
	if testing.Short() {
		t.Skip("a million bids take a second")
	}
	g := testGenerator(t, nil)
	var e Event
	auctions, bidders := map[int64]bool{}, map[int64]bool{}
	var bids, q2, q21, q14 int
	var thirds [3]int
	for n := int64(0); bids < 1_000_000; n++ {
		g.Next(n, &e)
		if e.Kind != BidEvent {
			continue
		}
		b := &e.Bid
		bids++
		auctions[b.Auction], bidders[b.Bidder] = true, true
		if b.Auction%123 == 0 {
			q2++
		}
		if strings.Contains(b.URL, "channel_id=") || b.Channel != strings.ToLower(b.Channel) {
			q21++
		}
		switch {
		case b.Price < 10_000:
			thirds[0]++
		case b.Price < 1_000_000:
			thirds[1]++
		default:
			thirds[2]++
		}
		if p := 0.908 * float64(b.Price); p > 1e6 && p < 5e7 {
			q14++
		}
	}
	m := float64(bids)
	within(t, "q2 selectivity", float64(q2)/m, 0.006, 0.010)
	within(t, "distinct auctions", float64(len(auctions)), 60_000, 70_000)
	within(t, "distinct bidders", float64(len(bidders)), 20_000, 23_500)
	within(t, "q21 selectivity", float64(q21)/m, 0.94, 0.96)
	within(t, "q14 selectivity", float64(q14)/m, 0.27, 0.29)
	for i, n := range thirds {
		within(t, fmt.Sprintf("price third %d", i), float64(n)/m, 0.32, 0.345)
	}
}

// TestFields checks the shapes of every field (GENERATOR.md §5–§7).
func TestFields(t *testing.T) {
	g := testGenerator(t, nil)
	email := regexp.MustCompile(`^[a-z ]*@[a-z ]*\.com$`)
	card := regexp.MustCompile(`^\d{4} \d{4} \d{4} \d{4}$`)
	url := regexp.MustCompile(`^https://www\.nexmark\.com/[a-z_]{3,4}/[a-z_]{3,4}/[a-z_]{3,4}/item\.htm\?query=1(&channel_id=-?\d+)?$`)
	var e Event
	var horizon, expiries float64
	for n := range int64(100_000) {
		g.Next(n, &e)
		switch e.Kind {
		case PersonEvent:
			p := &e.Person
			first, last, _ := strings.Cut(p.Name, " ")
			if !slices.Contains(firstNames, first) || !slices.Contains(lastNames, last) ||
				!email.MatchString(p.EmailAddress) || !card.MatchString(p.CreditCard) ||
				!slices.Contains(cities, p.City) || !slices.Contains(states, p.State) {
				t.Fatalf("event %d: bad person %+v", n, p)
			}
			extra(t, n, p.Extra, 200-8-len(p.Name)-len(p.EmailAddress)-len(p.CreditCard)-len(p.City)-len(p.State))
		case AuctionEvent:
			a := &e.Auction
			if len(a.ItemName) > 19 || len(a.Description) > 99 || a.Category < 10 || a.Category > 14 ||
				a.Reserve <= a.InitialBid || a.InitialBid < 100 || a.InitialBid > 100_000_000 ||
				a.Expires <= a.DateTime || strings.HasPrefix(a.ItemName, " ") || strings.HasSuffix(a.Description, " ") {
				t.Fatalf("event %d: bad auction %+v", n, a)
			}
			extra(t, n, a.Extra, 500-8-len(a.ItemName)-len(a.Description)-40)
			horizon += float64(g.timestamp(n+1+g.auctionHorizon) - a.DateTime)
			expiries += float64(a.Expires - a.DateTime)
		case BidEvent:
			b := &e.Bid
			if !url.MatchString(b.URL) || b.Price < 100 || b.Price > 100_000_000 {
				t.Fatalf("event %d: bad bid %+v", n, b)
			}
			if i, ok := strings.CutPrefix(b.Channel, "channel-"); ok {
				c, _ := strconv.Atoi(i)
				if id, has := strings.CutPrefix(b.URL[strings.Index(b.URL, "?"):], "?query=1&channel_id="); has &&
					id != strconv.Itoa(int(abs32(int32(bits.Reverse32(uint32(c)))))) {
					t.Fatalf("event %d: channel %s has channel_id %s", n, b.Channel, id)
				}
			} else if !slices.Contains(hotChannels[:], b.Channel) {
				t.Fatalf("event %d: bad channel %q", n, b.Channel)
			}
			extra(t, n, b.Extra, 68)
			if len(b.Extra) < 54 || len(b.Extra) > 81 {
				t.Fatalf("event %d: bid extra of %d characters, want 54..81", n, len(b.Extra))
			}
		}
	}
	// An auction lasts on average as long as it takes to create the next
	// 100 auctions: 1666 events, 166 ms at 10,000 events/s.
	within(t, "mean auction length / horizon", expiries/horizon, 0.97, 1.03)
	within(t, "mean horizon (ms)", horizon/3*50/100_000, 166, 167)
	if got := channelTable().channels[1].url; strings.Contains(got, "channel_id=") && !strings.HasSuffix(got, "channel_id=-2147483648") {
		t.Errorf("channel 1's url %q: Java's abs(reverse(1)) is -2147483648", got)
	}
}

// extra checks an extra field: uniform in [0.8d, 1.2d) characters of the
// alphabet 'H'..'z'.
func extra(t *testing.T, n int64, s string, d int) {
	t.Helper()
	delta := int(math.Floor(float64(d)*0.2 + 0.5))
	if d > 0 && (len(s) < d-delta || len(s) >= d+delta && delta > 0) {
		t.Fatalf("event %d: extra of %d characters for d = %d", n, len(s), d)
	}
	for i := range len(s) {
		if s[i] < 'H' || s[i] > 'z' {
			t.Fatalf("event %d: extra character %q outside 'H'..'z'", n, s[i])
		}
	}
}

// TestBigStringAlphabet checks the alphabet of extra fields: Java's signed
// remainder gives 'H'..'z', the backslash included, all 51 characters.
func TestBigStringAlphabet(t *testing.T) {
	seen := map[byte]bool{}
	s := bigString()
	for i := range len(s) {
		seen[s[i]] = true
	}
	if len(seen) != 51 || !seen['H'] || !seen['z'] || !seen['\\'] || seen['G'] || seen['{'] {
		t.Errorf("alphabet of %d characters: %q", len(seen), slices.Sorted(func(yield func(byte) bool) {
			for c := range seen {
				if !yield(c) {
					return
				}
			}
		}))
	}
}

// TestDeterminism: the same seed gives the same events, another seed other
// events, and the base time moves every time by the same amount.
func TestDeterminism(t *testing.T) {
	a, b := testGenerator(t, nil), testGenerator(t, nil)
	c := testGenerator(t, map[string]string{"seed": "42"})
	d := testGenerator(t, map[string]string{"base-time": "2024-01-01 00:00:00"})
	var ea, eb, ec, ed Event
	differ := 0
	for n := range int64(5000) {
		a.Next(n, &ea)
		b.Next(n, &eb)
		c.Next(n, &ec)
		d.Next(n, &ed)
		if ea != eb {
			t.Fatalf("event %d differs between two generators of one seed:\n%+v\n%+v", n, ea, eb)
		}
		if ea != ec {
			differ++
		}
		if ed.Time()-ea.Time() != 1_704_067_200_000 {
			t.Fatalf("event %d: base time moved it by %d", n, ed.Time()-ea.Time())
		}
	}
	if differ < 4900 {
		t.Errorf("seed 42 changed only %d of 5000 events", differ)
	}
}

// TestSplits: k splits of the table generate exactly the rows one does
// (GENERATOR.md's split, riffle's way: round-robin on one timeline).
func TestSplits(t *testing.T) {
	schema := ddlSchema()
	src, err := New(gen.Table{Schema: schema, Fill: []int{0, 1, 2, 3}, Options: map[string]string{"base-time": "0", "events.num": "5003"}})
	if err != nil {
		t.Fatal(err)
	}
	total, ends := src.Len()
	if total != 5003 || !ends {
		t.Fatalf("Len() = %d, %v", total, ends)
	}
	fill := func(first, stride, count int64) []string {
		rows := make([]types.Row, count)
		for i := range rows {
			rows[i] = make(types.Row, schema.Len())
		}
		src.Fill(first, stride, rows)
		out := make([]string, len(rows))
		for i, r := range rows {
			out[i] = fmt.Sprint(r)
		}
		return out
	}
	one := fill(0, 1, total)
	slices.Sort(one)
	for k := 2; k <= 5; k++ {
		var all []string
		for s := range k {
			all = append(all, fill(int64(s), int64(k), gen.SplitLen(total, s, k))...)
		}
		slices.Sort(all)
		if !slices.Equal(all, one) {
			t.Fatalf("%d splits do not make the rows one split makes", k)
		}
	}
}

// TestFillReusing: rows filled into reused memory are the rows Fill
// makes, both for rows filled together before a Release (two splits of
// one poll, which must not write over each other) and for rows filled
// after one, over memory that held other events.
func TestFillReusing(t *testing.T) {
	schema := ddlSchema()
	src, err := New(gen.Table{Schema: schema, Fill: []int{0, 1, 2, 3}, Options: map[string]string{"base-time": "0"}})
	if err != nil {
		t.Fatal(err)
	}
	rows := func(n int) []types.Row {
		out := make([]types.Row, n)
		for i := range out {
			out[i] = make(types.Row, schema.Len())
		}
		return out
	}
	text := func(rs []types.Row) string { return fmt.Sprint(rs) }
	for poll := range int64(4) {
		// Polls of different sizes, so the memory grows and is reused.
		n := int64(100 + 50*poll)
		first := 1000 * poll
		evenWant, oddWant := rows(int(n)), rows(int(n))
		src.Fill(first, 2, evenWant)
		src.Fill(first+1, 2, oddWant)
		src.Release()
		even, odd := rows(int(n)), rows(int(n))
		src.FillReusing(first, 2, even)
		src.FillReusing(first+1, 2, odd)
		if text(even) != text(evenWant) || text(odd) != text(oddWant) {
			t.Fatalf("poll %d: rows filled into reused memory differ from Fill's:\n%s\n%s", poll, text(even), text(evenWant))
		}
	}
}
