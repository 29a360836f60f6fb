package nexmark

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
)

// TestGolden runs testdata/connectors/nexmark.test, which pins events of
// the stream so that any change to what a seed generates shows as a diff:
//
//	events [from=N] count=N    options, one "key=value" per line → one line per event
func TestGolden(t *testing.T) {
	datadriven.RunTest(t, "../../testdata/connectors/nexmark.test", func(t *testing.T, d *datadriven.TestData) string {
		if d.Cmd != "events" {
			d.Fatalf(t, "unknown command %s", d.Cmd)
		}
		var from, count int64
		if d.HasArg("from") {
			d.ScanArgs(t, "from", &from)
		}
		d.ScanArgs(t, "count", &count)
		opts := map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(d.Input), "\n") {
			if k, v, ok := strings.Cut(line, "="); ok {
				opts[k] = v
			}
		}
		cfg, err := ParseOptions(opts)
		if err != nil {
			return err.Error() + "\n"
		}
		g := NewGenerator(cfg)
		var b strings.Builder
		var e Event
		for n := from; n < from+count; n++ {
			g.Next(n, &e)
			fmt.Fprintf(&b, "%d %s\n", n, render(&e))
		}
		return b.String()
	})
}

func render(e *Event) string {
	t := func(ms int64) string { return time.UnixMilli(ms).UTC().Format("15:04:05.000") }
	x := func(s string) string { return fmt.Sprintf("%d:%.12s…", len(s), s) }
	switch e.Kind {
	case PersonEvent:
		p := &e.Person
		return fmt.Sprintf("person id=%d name=%q email=%q card=%q city=%q state=%s at=%s extra=%s",
			p.ID, p.Name, p.EmailAddress, p.CreditCard, p.City, p.State, t(p.DateTime), x(p.Extra))
	case AuctionEvent:
		a := &e.Auction
		return fmt.Sprintf("auction id=%d item=%q desc=%s initial=%d reserve=%d at=%s expires=%s seller=%d category=%d extra=%s",
			a.ID, a.ItemName, x(a.Description), a.InitialBid, a.Reserve, t(a.DateTime), t(a.Expires), a.Seller, a.Category, x(a.Extra))
	}
	b := &e.Bid
	return fmt.Sprintf("bid auction=%d bidder=%d price=%d channel=%s url=%s at=%s extra=%s",
		b.Auction, b.Bidder, b.Price, b.Channel, b.URL, t(b.DateTime), x(b.Extra))
}
